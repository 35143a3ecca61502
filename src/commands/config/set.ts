import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { ENVIRONMENTS, setConfigValue } from '../../kernel/config.js';

export default class ConfigSet extends RaosCommand {
  static summary = 'Write one configuration value into raos.json (or raos.<env>.json).';
  static description = 'The value is parsed by the key\'s type (numbers, true/false, comma lists, durations like 10m) and the whole file is validated before anything is written. Nothing is written when the value is refused.';
  static examples = [
    '<%= config.bin %> config set server.port 8080',
    '<%= config.bin %> config set log.level debug --env production',
    '<%= config.bin %> config set modules.disabled legacy,broken',
  ];
  static args = {
    key: Args.string({ description: 'Dotted key (see `raos config list`).', required: true }),
    value: Args.string({ description: 'The new value, as text.', required: true }),
  };
  static flags = {
    env: Flags.string({ summary: 'Write raos.<env>.json instead of raos.json.', options: [...ENVIRONMENTS] }),
  };

  async run() {
    const { args, flags } = await this.parse(ConfigSet);
    const ws = this.workspace(flags);
    const result = setConfigValue({ root: ws.root, key: args.key, value: args.value, environment: flags.env });
    this.log(`${result.key} = ${JSON.stringify(result.value)}  (written to ${result.file})`);
    return result;
  }
}
