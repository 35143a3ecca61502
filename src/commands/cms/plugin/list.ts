import { RaosCommand } from '../../../cli/base.js';
import { pluginTable } from '../../../cli/cms-output.js';

export default class CmsPluginList extends RaosCommand {
  static summary = 'List installed plugins in the order their hooks run: enabled, hooks, failures and why one is off.';
  static description = 'Needs cms.plugin.manage (Admin and above). FAILURES counts failures in a row (a success resets it); at cms.plugins.maxFailures the plugin is disabled and the last column says why. --json also gives permissions, sha256 and who installed each.';
  static examples = ['<%= config.bin %> cms plugin list', "<%= config.bin %> cms plugin list --json | jq -r '.[] | select(.enabled | not) | .name'"];

  async run() {
    const { flags } = await this.parse(CmsPluginList);
    const { client } = await this.connect(flags);
    const plugins = await client.cms.plugin.list();
    this.log(pluginTable(plugins));
    return plugins;
  }
}
