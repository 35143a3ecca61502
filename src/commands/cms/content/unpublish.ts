import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { warningLines } from '../../../cli/cms-output.js';

export default class CmsContentUnpublish extends RaosCommand {
  static summary = 'Take an item back to draft (also cancels a schedule).';
  static description = 'Needs cms.content.publish (Moderator and above). The next `raos cms build` deletes its pages from the site.';
  static examples = ['<%= config.bin %> cms content unpublish hello-world', '<%= config.bin %> cms content unpublish hello-world && <%= config.bin %> cms build'];
  static access = 'write' as const;
  static args = { slug: Args.string({ description: 'The item: its slug or id (c_…).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsContentUnpublish);
    const { client } = await this.connect(flags);
    const item = await client.cms.content.unpublish({ slug: args.slug });
    this.log(`unpublished ${item.slug}: now a draft (revision ${item.revision})`);
    for (const line of warningLines(item.warnings)) this.logToStderr(line);
    return item;
  }
}
