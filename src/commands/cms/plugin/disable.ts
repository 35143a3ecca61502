import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { pluginLine } from '../../../cli/cms-output.js';

export default class CmsPluginDisable extends RaosCommand {
  static summary = 'Disable a plugin: its hooks stop running; it stays installed.';
  static description = 'Needs cms.plugin.manage (Admin and above). `raos cms plugin enable NAME` turns it back on.';
  static examples = ['<%= config.bin %> cms plugin disable reading-time', '<%= config.bin %> cms plugin disable p_0123456789ab --json'];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The plugin: its name or id (p_…).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsPluginDisable);
    const { client } = await this.connect(flags);
    const plugin = await client.cms.plugin.disable({ pluginId: args.name });
    this.log(pluginLine('disabled', plugin));
    return plugin;
  }
}
