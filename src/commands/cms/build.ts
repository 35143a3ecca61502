import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { buildReport, progressBar, warningLines } from '../../cli/cms-output.js';

export default class CmsBuild extends RaosCommand {
  static summary = 'Build the static site from published content: HTML pages, feed.xml, sitemap.xml, theme assets.';
  static description = `Needs cms.site.build (Admin and above). Writes into cms.site.outDir (site/ in the workspace), which the daemon serves at /site/; --out writes elsewhere (relative to the current folder; the workspace owner only). Scheduled items whose time has come are published first.

Builds are incremental: only pages whose inputs changed (content, theme, site settings, enabled onRender plugins) are rendered and written, and pages of content that was unpublished or deleted are removed, so a second build with no change writes nothing. --force renders everything again.

On a terminal a progress bar shows on standard error while the build runs in this process; when the daemon runs, the build runs there. The workspace's own theme is templates/site/ when it exists.`;
  static examples = [
    '<%= config.bin %> cms build',
    '<%= config.bin %> cms build --out /var/www/html --force',
    "<%= config.bin %> cms build --json | jq '{written, deleted}'",
  ];
  static access = 'write' as const;
  static flags = {
    out: Flags.string({ char: 'o', summary: 'Write the site into this folder instead of cms.site.outDir (workspace owner only).' }),
    force: Flags.boolean({ summary: 'Render and write every page, ignoring what the last build wrote.' }),
  };

  async run() {
    const { flags } = await this.parse(CmsBuild);
    const bar = process.stderr.isTTY && !this.jsonEnabled() ? progressBar(process.stderr) : undefined;
    const connection = await this.connect(flags, { progress: bar?.update });
    if (connection.via !== 'local') this.logToStderr(`building in the daemon at ${connection.via.daemon}…`);
    try {
      const report = await connection.client.cms.site.build({ out: flags.out === undefined ? undefined : resolve(flags.out), force: flags.force });
      bar?.end();
      this.log(buildReport(report));
      for (const line of warningLines(report.warnings)) this.logToStderr(line);
      return report;
    } finally {
      bar?.end();
    }
  }
}
