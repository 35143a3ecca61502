import { Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { tokenTable } from '../../../cli/users.js';

export default class AuthTokenList extends RaosCommand {
  static summary = 'List your tokens (sessions and API tokens), or everyone\'s with --all. Secrets are never shown.';
  static examples = ['<%= config.bin %> auth token list', '<%= config.bin %> auth token list --all --json'];
  static flags = { all: Flags.boolean({ summary: "Every user's tokens (needs auth.token.manage)." }) };

  async run() {
    const { flags } = await this.parse(AuthTokenList);
    const { client } = await this.connect(flags);
    const tokens = await client.auth.token.list({ all: flags.all || undefined });
    this.log(tokenTable(tokens));
    return tokens;
  }
}
