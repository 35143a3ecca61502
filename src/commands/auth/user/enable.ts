import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class AuthUserEnable extends RaosCommand {
  static summary = 'Enable a disabled user again, and lift a lock left by failed logins.';
  static examples = ['<%= config.bin %> auth user enable mallory'];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The user name.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(AuthUserEnable);
    const { client } = await this.connect(flags);
    const user = await client.auth.user.enable({ name: args.name });
    this.log(`enabled ${user.name}`);
    return user;
  }
}
