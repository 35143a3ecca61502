import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class AuthTokenRevoke extends RaosCommand {
  static summary = 'Revoke a token by its id (from `auth token list`). It stops working at once.';
  static examples = ['<%= config.bin %> auth token revoke 3f9c2a1b7d4e8f60'];
  static access = 'write' as const;
  static args = { id: Args.string({ description: 'The token id (16 hex characters).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(AuthTokenRevoke);
    const { client } = await this.connect(flags);
    const result = await client.auth.token.revoke({ id: args.id });
    this.log(`revoked token ${result.revoked}`);
    return result;
  }
}
