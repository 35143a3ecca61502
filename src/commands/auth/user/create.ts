import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { passwordFlags, readPassword } from '../../../cli/password.js';
import { userDetails } from '../../../cli/users.js';

export default class AuthUserCreate extends RaosCommand {
  static summary = 'Create a user with a role. An actor may only create users below its own role (the owner and SuperAdmins any).';
  static description = `Names are 2-32 characters of a-z, 0-9, _ . - (case-insensitive). The password (8 characters or more) comes from --password-stdin; leave it out and a user without a password logs in with API tokens only (\`raos auth token create --user NAME\`).

Passwords are stored as PBKDF2-HMAC-SHA256 hashes (auth.passwordIterations, 600000 by default) with a salt per user.`;
  static examples = [
    '<%= config.bin %> auth user create alice --role User --email alice@example.com',
    "printf '%s\\n' \"$PW\" | <%= config.bin %> auth user create bob --role Moderator --password-stdin",
    '<%= config.bin %> auth user create ci-bot --role User --json',
  ];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The new user name.', required: true }) };
  static flags = {
    role: Flags.string({ char: 'r', summary: 'Guest, User, Moderator, Admin, SuperAdmin or a custom role.', required: true }),
    email: Flags.string({ summary: 'Email address.' }),
    ...passwordFlags,
  };

  async run() {
    const { args, flags } = await this.parse(AuthUserCreate);
    const password = await readPassword({ stdin: flags['password-stdin'], required: false });
    const { client } = await this.connect(flags);
    const user = await client.auth.user.create({ name: args.name, role: flags.role, email: flags.email, password });
    this.log(`created ${user.name} (${user.role})${password ? '' : '; no password: it logs in with API tokens only'}`);
    if (!this.jsonEnabled()) this.log(userDetails(user));
    return user;
  }
}
