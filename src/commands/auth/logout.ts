import { Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';

export default class AuthLogout extends RaosCommand {
  static summary = 'Revoke a token: the one given with --token, else the one in RAOS_TOKEN.';
  static description = 'A revoked token stops working at once, also on connections the daemon holds open. Revoking another user\'s token needs auth.token.manage.';
  static examples = ['RAOS_TOKEN=raos_… <%= config.bin %> auth logout', '<%= config.bin %> auth logout --token raos_…'];
  static access = 'write' as const;
  static flags = { token: Flags.string({ summary: 'The token to revoke (default: RAOS_TOKEN).' }) };

  async run() {
    const { flags } = await this.parse(AuthLogout);
    const { client } = await this.connect(flags);
    const result = await client.auth.logout({ token: flags.token ?? process.env.RAOS_TOKEN ?? undefined });
    this.log(`revoked token ${result.revoked}`);
    return result;
  }
}
