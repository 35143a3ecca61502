import { Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class AuthTokenCreate extends RaosCommand {
  static summary = 'Create an API token for scripts and CI. The token is printed once; only its hash is stored.';
  static description = `The token acts as its user (yours; another user's with --user, which needs auth.token.manage), with the user's role or a lower one given by --role: it never gets more than its user has at the time it is used. Tokens the workspace owner makes without --user act as the owner's role (SuperAdmin) unless --role says otherwise.`;
  static examples = [
    '<%= config.bin %> auth token create --name ci --expires 30d',
    '<%= config.bin %> auth token create --name reader --role Guest --json',
    '<%= config.bin %> auth token create --name deploy --user ci-bot --expires 90d',
  ];
  static access = 'write' as const;
  static flags = {
    name: Flags.string({ summary: 'What the token is for (1-64 characters).', required: true }),
    expires: Flags.string({ summary: 'Lifetime: 12h, 30d, 1w. Default: until revoked.' }),
    role: Flags.string({ char: 'r', summary: 'A role no higher than the user\'s own.' }),
    user: Flags.string({ summary: 'Make the token for this user (needs auth.token.manage).' }),
  };

  async run() {
    const { flags } = await this.parse(AuthTokenCreate);
    const { client } = await this.connect(flags);
    const created = await client.auth.token.create({ name: flags.name, expires: flags.expires, role: flags.role, user: flags.user });
    this.log(created.token);
    this.logToStderr(
      `token ${created.id} (${created.name}) acts as ${created.user ?? 'the owner'} with role ${created.role}; ${created.expiresAt ? `expires ${created.expiresAt}` : 'never expires'}. It is not shown again.`,
    );
    return created;
  }
}
