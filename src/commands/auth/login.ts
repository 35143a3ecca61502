import { Args } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { passwordFlags, readPassword } from '../../cli/password.js';

export default class AuthLogin extends RaosCommand {
  static summary = 'Log in as a user and print a session token (valid for auth.sessionTtl, 12h by default).';
  static description = `The password comes from standard input with --password-stdin, or from a hidden prompt in a terminal. Use the token as RAOS_TOKEN for later commands (they then act as that user, through the daemon or not), or as "Authorization: Bearer <token>" against the daemon.

Wrong names and wrong passwords fail the same way (UNAUTHORIZED). After auth.maxLoginAttempts failures in a row the account is locked for auth.lockTime (RATE_LIMITED).`;
  static examples = [
    '<%= config.bin %> auth login alice',
    "printf '%s\\n' \"$ALICE_PASSWORD\" | <%= config.bin %> auth login alice --password-stdin --json",
    'export RAOS_TOKEN=$(<%= config.bin %> auth login alice --password-stdin --json < pw.txt | jq -r .token)',
  ];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The user name.', required: true }) };
  static flags = { ...passwordFlags };

  async run() {
    const { args, flags } = await this.parse(AuthLogin);
    const password = (await readPassword({ stdin: flags['password-stdin'], required: true, question: `Password for ${args.name}: ` }))!;
    const { client } = await this.connect(flags);
    const session = await client.auth.login({ name: args.name, password });
    this.log(session.token);
    this.logToStderr(`logged in as ${session.user.name} (${session.user.role}); the token expires ${session.expiresAt}`);
    return session;
  }
}
