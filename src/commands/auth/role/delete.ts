import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class AuthRoleDelete extends RaosCommand {
  static summary = 'Delete a custom role that no user, token or other role uses.';
  static examples = ['<%= config.bin %> auth role delete Builder'];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The custom role.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(AuthRoleDelete);
    const { client } = await this.connect(flags);
    const result = await client.auth.role.delete({ name: args.name });
    this.log(`deleted role ${args.name}`);
    return result;
  }
}
