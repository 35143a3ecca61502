import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class AuthUserDisable extends RaosCommand {
  static summary = "Disable (ban) a user: their tokens are revoked and they cannot log in until enabled again.";
  static description = 'Needs admin.user.ban (Moderator and above), and only works on users below your own role.';
  static examples = ['<%= config.bin %> auth user disable mallory --reason "spam"', '<%= config.bin %> auth user disable mallory --json'];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The user name.', required: true }) };
  static flags = { reason: Flags.string({ summary: 'Why, for the audit trail and `auth user show`.' }) };

  async run() {
    const { args, flags } = await this.parse(AuthUserDisable);
    const { client } = await this.connect(flags);
    const user = await client.auth.user.disable({ name: args.name, reason: flags.reason });
    this.log(`disabled ${user.name}; their tokens are revoked`);
    return user;
  }
}
