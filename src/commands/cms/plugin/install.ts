import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { pluginLine, readBase64File } from '../../../cli/cms-output.js';

export default class CmsPluginInstall extends RaosCommand {
  static summary = 'Install a CMS plugin from its .zip package (disabled unless --enable).';
  static description = `Needs cms.plugin.install (Admin and above). The zip holds a plugin.json manifest (name, version, hooks, permissions) and the plugin's JavaScript; it is checked (size, paths, manifest) before anything is written. Installing a name that is installed already is CONFLICT: uninstall it first.

Plugins run sandboxed with a time and memory budget per hook call; a plugin that fails cms.plugins.maxFailures times in a row is disabled, and \`raos cms plugin list\` says why.`;
  static examples = [
    '<%= config.bin %> cms plugin install reading-time.zip',
    '<%= config.bin %> cms plugin install ./dist/seo-1.2.0.zip --enable',
    "<%= config.bin %> cms plugin install word-count.zip --enable --json | jq -r .pluginId",
  ];
  static access = 'write' as const;
  static args = { file: Args.string({ description: 'The plugin package (.zip).', required: true }) };
  static flags = { enable: Flags.boolean({ summary: 'Enable it right away.' }) };

  async run() {
    const { args, flags } = await this.parse(CmsPluginInstall);
    const pluginPackage = await readBase64File(args.file, 'FILE');
    const { client } = await this.connect(flags);
    const plugin = await client.cms.plugin.install({ pluginPackage, autoEnable: flags.enable });
    this.log(pluginLine('installed', plugin));
    if (!plugin.enabled && !this.jsonEnabled()) this.logToStderr(`enable it with: raos cms plugin enable ${plugin.name}`);
    return plugin;
  }
}
