import { Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { userTable } from '../../../cli/users.js';

export default class AuthUserList extends RaosCommand {
  static summary = 'List users with their roles and states.';
  static examples = ['<%= config.bin %> auth user list', '<%= config.bin %> auth user list --role Moderator --json', '<%= config.bin %> auth user list --disabled'];
  static flags = {
    role: Flags.string({ char: 'r', summary: 'Only users with this role.' }),
    disabled: Flags.boolean({ summary: 'Only disabled users (--no-disabled: only enabled ones).', allowNo: true }),
  };

  async run() {
    const { flags } = await this.parse(AuthUserList);
    const { client } = await this.connect(flags);
    const users = await client.auth.user.list({ role: flags.role, disabled: flags.disabled });
    this.log(userTable(users));
    return users;
  }
}
