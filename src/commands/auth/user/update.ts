import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { passwordFlags, readPassword } from '../../../cli/password.js';
import { userDetails } from '../../../cli/users.js';

export default class AuthUserUpdate extends RaosCommand {
  static summary = "Change a user's role, email or password.";
  static description = 'Only users below your own role can be changed, and only to roles below your own (the owner and SuperAdmins may do anything). A role change applies at once to the tokens the user holds.';
  static examples = [
    '<%= config.bin %> auth user update alice --role Moderator',
    '<%= config.bin %> auth user update alice --email alice@example.org',
    '<%= config.bin %> auth user update alice --no-email',
    "printf '%s\\n' \"$NEW_PW\" | <%= config.bin %> auth user update alice --password-stdin",
  ];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The user name.', required: true }) };
  static flags = {
    role: Flags.string({ char: 'r', summary: 'The new role.' }),
    email: Flags.string({ summary: 'The new email address.', exclusive: ['no-email'] }),
    'no-email': Flags.boolean({ summary: 'Remove the email address.' }),
    ...passwordFlags,
  };

  async run() {
    const { args, flags } = await this.parse(AuthUserUpdate);
    const password = await readPassword({ stdin: flags['password-stdin'], required: false });
    const { client } = await this.connect(flags);
    const user = await client.auth.user.update({
      name: args.name,
      role: flags.role,
      email: flags['no-email'] ? null : flags.email,
      password,
    });
    this.log(`updated ${user.name}`);
    if (!this.jsonEnabled()) this.log(userDetails(user));
    return user;
  }
}
