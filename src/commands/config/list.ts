import { RaosCommand } from '../../cli/base.js';
import { table } from '../../cli/output.js';
import { getConfigValue, listConfigKeys } from '../../kernel/config.js';

export default class ConfigList extends RaosCommand {
  static summary = 'List every configuration key with its value, its source and its environment variable.';
  static examples = ['<%= config.bin %> config list', '<%= config.bin %> config list --json'];

  async run() {
    const { flags } = await this.parse(ConfigList);
    const ws = this.workspace(flags);
    const keys = listConfigKeys().map((k) => {
      const raw = getConfigValue(ws.config, k.key);
      const value = k.secret && raw !== undefined ? '********' : raw;
      const from = ws.sources[k.key];
      return {
        key: k.key,
        value: value ?? null,
        source: from?.source ?? 'default',
        detail: from?.detail ?? null,
        type: k.type,
        allowed: k.allowed,
        default: k.default ?? null,
        env: k.env,
        description: k.description,
      };
    });
    this.log(
      table(
        keys.map((k) => ({ key: k.key, value: k.value === null ? '(unset)' : JSON.stringify(k.value), source: k.source, env: k.env[0] ?? '' })),
        [
          { key: 'key', label: 'key' },
          { key: 'value', label: 'value', max: 40 },
          { key: 'source', label: 'source' },
          { key: 'env', label: 'env' },
        ],
      ),
    );
    return { root: ws.root, files: ws.files, keys };
  }
}
