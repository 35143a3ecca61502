import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { pluginLine } from '../../../cli/cms-output.js';

export default class CmsPluginUninstall extends RaosCommand {
  static summary = 'Uninstall a plugin: stop it and delete its files.';
  static description = 'Needs cms.plugin.manage (Admin and above). Content it changed stays as it is; pages it rendered change at the next `raos cms build`.';
  static examples = ['<%= config.bin %> cms plugin uninstall reading-time', '<%= config.bin %> cms plugin uninstall p_0123456789ab --json'];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The plugin: its name or id (p_…).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsPluginUninstall);
    const { client } = await this.connect(flags);
    const plugin = await client.cms.plugin.uninstall({ pluginId: args.name });
    this.log(pluginLine('uninstalled', plugin));
    return plugin;
  }
}
