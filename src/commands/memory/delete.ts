import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { addressFlags } from '../../cli/memory-flags.js';

export default class MemoryDelete extends RaosCommand {
  static summary = 'Delete a key.';
  static description = 'A key that does not exist is a NOT_FOUND error unless --force is given (then the command succeeds with deleted: false).';
  static examples = ['<%= config.bin %> memory delete greeting', '<%= config.bin %> memory delete token --scope session:s1 --force'];
  static access = 'write' as const;
  static args = { key: Args.string({ description: 'The key.', required: true }) };
  static flags = { ...addressFlags, force: Flags.boolean({ char: 'f', summary: 'Succeed even when the key does not exist.' }) };

  async run() {
    const { args, flags } = await this.parse(MemoryDelete);
    const { client } = await this.connect(flags);
    const result = await client.memory.delete({ key: args.key, namespace: flags.namespace, scope: flags.scope, force: flags.force });
    this.log(result.deleted ? `deleted ${result.key}` : `${result.key} did not exist`);
    return result;
  }
}
