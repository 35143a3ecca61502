import { Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { contentTable } from '../../../cli/cms-output.js';
import { CONTENT_STATUSES, CONTENT_TYPES, type ContentStatus, type ContentType } from '../../../modules/cms/schema.js';

export default class CmsContentList extends RaosCommand {
  static summary = 'List posts and pages, most recently updated first.';
  static description = `Drafts and scheduled items are listed for their author and for roles with cms.content.publish (Moderator and above); others see published items only. A scheduled item whose time has come counts as published. --json gives { items, total }, total counting every match before --limit and --offset.`;
  static examples = [
    '<%= config.bin %> cms content list',
    '<%= config.bin %> cms content list --type post --status draft --author alice',
    '<%= config.bin %> cms content list --tag news --limit 20 --offset 20',
    "<%= config.bin %> cms content list --status published --json | jq -r '.items[].slug'",
  ];
  static flags = {
    type: Flags.string({ summary: 'Only posts or only pages.', options: [...CONTENT_TYPES] }),
    status: Flags.string({ summary: 'Only items in this state.', options: [...CONTENT_STATUSES] }),
    tag: Flags.string({ summary: 'Only items with this tag (case-insensitive).' }),
    author: Flags.string({ summary: 'Only items by this user (name or id).' }),
    limit: Flags.integer({ char: 'n', summary: 'At most this many items (1-1000). Default: 100.' }),
    offset: Flags.integer({ summary: 'Skip this many items first. Default: 0.' }),
  };

  async run() {
    const { flags } = await this.parse(CmsContentList);
    const { client } = await this.connect(flags);
    const result = await client.cms.content.list({
      type: flags.type as ContentType | undefined,
      status: flags.status as ContentStatus | undefined,
      tag: flags.tag,
      author: flags.author,
      limit: flags.limit,
      offset: flags.offset,
    });
    this.log(contentTable(result, flags.offset ?? 0));
    return result;
  }
}
