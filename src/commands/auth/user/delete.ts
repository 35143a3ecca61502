import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class AuthUserDelete extends RaosCommand {
  static summary = 'Delete a user and their tokens. Their entries in the audit trail stay.';
  static examples = ['<%= config.bin %> auth user delete alice', '<%= config.bin %> auth user delete alice --json'];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The user name.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(AuthUserDelete);
    const { client } = await this.connect(flags);
    const result = await client.auth.user.delete({ name: args.name });
    this.log(`deleted ${args.name}`);
    return result;
  }
}
