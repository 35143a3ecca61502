import { Args } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';

export default class ModuleReload extends RaosCommand {
  static summary = 'Load a changed external module again without restarting anything else.';
  static description = 'Calls the old version\'s shutdown(), imports the module\'s entry file afresh, validates it and runs its init(). Modules that depend on it keep running. Files that the entry imports itself are not re-read (Node caches ES modules); see docs/modules.md.';
  static examples = ['<%= config.bin %> module reload my-module'];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'External module name.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(ModuleReload);
    const { client } = await this.connect(flags);
    const result = await client.module.reload({ name: args.name });
    const m = result.module;
    this.log(`${m.name}: ${result.previous ?? '(new)'} → ${m.version}, ${m.state}${m.error ? `: ${m.error}` : ''}`);
    return result;
  }
}
