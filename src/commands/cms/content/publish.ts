import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { warningLines } from '../../../cli/cms-output.js';

export default class CmsContentPublish extends RaosCommand {
  static summary = 'Publish a draft or scheduled item now.';
  static description = 'Needs cms.content.publish (Moderator and above). Publishing makes a revision of its own and runs the onPublish plugins; the item is on the site after the next `raos cms build`. Publishing an item that is already published keeps its first publication date.';
  static examples = ['<%= config.bin %> cms content publish hello-world', '<%= config.bin %> cms content publish hello-world && <%= config.bin %> cms build', '<%= config.bin %> cms content publish c_0123456789ab --json'];
  static access = 'write' as const;
  static args = { slug: Args.string({ description: 'The item: its slug or id (c_…).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsContentPublish);
    const { client } = await this.connect(flags);
    const item = await client.cms.content.publish({ slug: args.slug });
    this.log(`published ${item.slug} (revision ${item.revision})`);
    for (const line of warningLines(item.warnings)) this.logToStderr(line);
    return item;
  }
}
