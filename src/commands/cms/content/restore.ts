import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { warningLines } from '../../../cli/cms-output.js';

export default class CmsContentRestore extends RaosCommand {
  static summary = "Bring back an older revision's title, slug, body and tags, as a new revision.";
  static description = 'Nothing is lost: restoring revision 1 of an item at revision 2 makes revision 3 with the text of revision 1. The status stays as it is. A slug taken meanwhile by another item is CONFLICT.';
  static examples = ['<%= config.bin %> cms content restore hello-world --revision 1', '<%= config.bin %> cms content history hello-world && <%= config.bin %> cms content restore hello-world -r 2 --json'];
  static access = 'write' as const;
  static args = { slug: Args.string({ description: 'The item: its slug or id (c_…).', required: true }) };
  static flags = { revision: Flags.integer({ char: 'r', summary: 'The revision to bring back (see cms content history).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsContentRestore);
    const { client } = await this.connect(flags);
    const item = await client.cms.content.restore({ slug: args.slug, revision: flags.revision });
    this.log(`restored ${item.slug} to the text of revision ${flags.revision}, now revision ${item.revision}`);
    for (const line of warningLines(item.warnings)) this.logToStderr(line);
    return item;
  }
}
