import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { searchTable } from '../../../cli/cms-output.js';
import { CONTENT_TYPES, type ContentType } from '../../../modules/cms/schema.js';

export default class CmsContentSearch extends RaosCommand {
  static summary = 'Full-text search over titles, tags and bodies, best matches first.';
  static description = `Every word of the query must match; the last one also matches as a prefix (relea finds release). A title match weighs most, then tags, then the body; rarer words count more. Others see published items only; authors also see their own drafts, Moderators and above everything.`;
  static examples = [
    '<%= config.bin %> cms content search dragon',
    "<%= config.bin %> cms content search 'release notes' --type post --limit 5",
    "<%= config.bin %> cms content search launch --json | jq -r '.hits[0].slug'",
  ];
  static args = { query: Args.string({ description: 'The words to look for (at most 200 characters).', required: true }) };
  static flags = {
    type: Flags.string({ summary: 'Only posts or only pages.', options: [...CONTENT_TYPES] }),
    limit: Flags.integer({ char: 'n', summary: 'At most this many hits (1-100). Default: 20.' }),
  };

  async run() {
    const { args, flags } = await this.parse(CmsContentSearch);
    const { client } = await this.connect(flags);
    const result = await client.cms.content.search({ query: args.query, type: flags.type as ContentType | undefined, limit: flags.limit });
    this.log(searchTable(result.hits));
    return result;
  }
}
