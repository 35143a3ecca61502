import { Args } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { addressFlags } from '../../cli/memory-flags.js';

export default class MemoryGet extends RaosCommand {
  static summary = 'Print the value stored under a key (text as is, anything else as JSON).';
  static description = 'A key that does not exist, or has expired, is a NOT_FOUND error (exit code 3). With --json the whole entry is printed: value, namespace, scope, created, updated and expiry times.';
  static examples = ['<%= config.bin %> memory get greeting', '<%= config.bin %> memory get player:42 --namespace game --json'];
  static args = { key: Args.string({ description: 'The key.', required: true }) };
  static flags = { ...addressFlags };

  async run() {
    const { args, flags } = await this.parse(MemoryGet);
    const { client } = await this.connect(flags);
    const entry = await client.memory.get({ key: args.key, namespace: flags.namespace, scope: flags.scope });
    this.log(typeof entry.value === 'string' ? entry.value : JSON.stringify(entry.value, null, 2));
    return entry;
  }
}
