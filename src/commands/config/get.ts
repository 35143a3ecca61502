import { Args } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { getConfigValue, listConfigKeys } from '../../kernel/config.js';

export default class ConfigGet extends RaosCommand {
  static summary = 'Print one configuration value and where it came from.';
  static description = 'Values resolve in this order: -c flags > RAOS_* environment variables > raos.<environment>.json > raos.json > defaults. A group key (server) prints the whole group.';
  static examples = ['<%= config.bin %> config get server.port', '<%= config.bin %> config get storage --json', 'RACORE_PORT=9000 <%= config.bin %> config get server.port'];
  static args = { key: Args.string({ description: 'Dotted key, e.g. server.port (see `raos config list`).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(ConfigGet);
    const ws = this.workspace(flags);
    const value = getConfigValue(ws.config, args.key);
    const from = ws.sources[args.key];
    const secret = listConfigKeys().find((k) => k.key === args.key)?.secret ?? false;
    const shown = secret && value !== undefined ? '********' : value;
    this.log(typeof shown === 'string' ? shown : JSON.stringify(shown, null, 2));
    if (from) this.logToStderr(`(from ${from.source}${from.detail ? `: ${from.detail}` : ''})`);
    return { key: args.key, value: shown ?? null, source: from?.source ?? null, detail: from?.detail ?? null };
  }
}
