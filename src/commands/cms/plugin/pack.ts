import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { packPlugin } from '../../../modules/cms/plugins/pack.js';

export default class CmsPluginPack extends RaosCommand {
  static summary = 'Pack a plugin folder into the .zip that `cms plugin install` takes.';
  static description = `For plugin authors; needs no workspace. The folder holds plugin.json and the plugin's JavaScript. The manifest is checked, hidden files and node_modules are left out, a symbolic link is refused, and the zip is checked exactly as an install would check it. Writes <name>-<version>.zip in the current folder unless --out says otherwise; prints its path.

See docs/cms.md ("Plugins") for plugin.json, the hooks and the sandbox.`;
  static examples = [
    '<%= config.bin %> cms plugin pack ./reading-time',
    '<%= config.bin %> cms plugin pack ./reading-time --out /tmp/rt.zip && <%= config.bin %> cms plugin install /tmp/rt.zip --enable',
  ];
  static args = { dir: Args.string({ description: 'The plugin folder (holding plugin.json).', required: true }) };
  static flags = { out: Flags.string({ char: 'o', summary: 'Where to write the zip (default: ./<name>-<version>.zip).' }) };

  async run() {
    const { args, flags } = await this.parse(CmsPluginPack);
    const packed = await packPlugin(args.dir);
    const out = resolve(flags.out ?? `${packed.manifest.name}-${packed.manifest.version}.zip`);
    await writeFile(out, packed.zip);
    this.log(out);
    this.logToStderr(`packed ${packed.manifest.name} ${packed.manifest.version}: ${packed.files} files, ${packed.zip.length} bytes`);
    return { path: out, name: packed.manifest.name, version: packed.manifest.version, files: packed.files, bytes: packed.zip.length };
  }
}
