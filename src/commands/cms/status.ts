import { RaosCommand } from '../../cli/base.js';
import { statusReport } from '../../cli/cms-output.js';

export default class CmsStatus extends RaosCommand {
  static summary = 'The CMS at a glance: content by type and status, forum, media, plugins, sandbox, last build, site.';
  static description = 'Plugins show their failures in a row and why one was disabled; the sandbox line says how plugins are isolated and their budgets (cms.plugins.*). The last build is the newest `raos cms build`, by whoever ran it.';
  static examples = ['<%= config.bin %> cms status', "<%= config.bin %> cms status --json | jq '.content.post.published'"];

  async run() {
    const { flags } = await this.parse(CmsStatus);
    const { client } = await this.connect(flags);
    const status = await client.cms.status();
    this.log(statusReport(status));
    return status;
  }
}
