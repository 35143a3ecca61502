import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { warningLines } from '../../../cli/cms-output.js';
import { count } from '../../../cli/game-output.js';

export default class CmsContentDelete extends RaosCommand {
  static summary = 'Delete a post or page with all its revisions.';
  static description = 'Needs cms.content.delete (Moderator and above). This cannot be undone: `raos cms content show SLUG --json > copy.json` keeps a copy. A beforeContentDelete plugin may refuse it. The next `raos cms build` removes its pages from the site.';
  static examples = ['<%= config.bin %> cms content delete old-post', '<%= config.bin %> cms content show old-post --json > old-post.json && <%= config.bin %> cms content delete old-post'];
  static access = 'write' as const;
  static args = { slug: Args.string({ description: 'The item: its slug or id (c_…).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsContentDelete);
    const { client } = await this.connect(flags);
    const item = await client.cms.content.delete({ slug: args.slug });
    this.log(`deleted ${item.type} ${item.slug} (${item.id}) with ${count(item.revision, 'revision', 'revisions')}`);
    for (const line of warningLines(item.warnings)) this.logToStderr(line);
    return item;
  }
}
