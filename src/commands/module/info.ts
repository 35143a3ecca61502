import { Args } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';

export default class ModuleInfo extends RaosCommand {
  static summary = 'Show one module: version, state (and why it failed), dependencies, folder and health.';
  static examples = ['<%= config.bin %> module info memory', '<%= config.bin %> module info my-module --json'];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'Module name (see `raos module list`).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(ModuleInfo);
    const { client } = await this.connect(flags);
    const info = await client.module.info({ name: args.name });
    const rows: [string, string | undefined][] = [
      ['name', info.name],
      ['version', info.version],
      ['kind', info.kind],
      ['state', info.state],
      ['error', info.error],
      ['depends on', info.dependsOn.join(', ') || '(nothing)'],
      ['description', info.description],
      ['folder', info.path],
      ['loaded', info.loadedAt],
      ['health', `${info.health.ok ? 'ok' : 'not ok'}${info.health.message ? ` (${info.health.message})` : ''}`],
    ];
    for (const [label, value] of rows) if (value !== undefined && value !== '') this.log(`${label.padEnd(12)} ${value}`);
    return info;
  }
}
