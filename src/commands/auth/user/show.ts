import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { userDetails } from '../../../cli/users.js';

export default class AuthUserShow extends RaosCommand {
  static summary = 'Show one user: role, email, state, last login.';
  static examples = ['<%= config.bin %> auth user show alice', '<%= config.bin %> auth user show alice --json'];
  static args = { name: Args.string({ description: 'The user name.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(AuthUserShow);
    const { client } = await this.connect(flags);
    const user = await client.auth.user.show({ name: args.name });
    this.log(userDetails(user));
    return user;
  }
}
