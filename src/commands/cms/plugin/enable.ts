import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { pluginLine } from '../../../cli/cms-output.js';

export default class CmsPluginEnable extends RaosCommand {
  static summary = 'Enable an installed plugin: its hooks run from the next CMS operation on.';
  static description = 'Needs cms.plugin.manage (Admin and above). Enabling resets its failure count and clears the reason it was disabled.';
  static examples = ['<%= config.bin %> cms plugin enable reading-time', '<%= config.bin %> cms plugin enable p_0123456789ab --json'];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The plugin: its name or id (p_…).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsPluginEnable);
    const { client } = await this.connect(flags);
    const plugin = await client.cms.plugin.enable({ pluginId: args.name });
    this.log(pluginLine('enabled', plugin));
    return plugin;
  }
}
