import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { categoryTable, threadTable } from '../../../cli/cms-output.js';
import { count } from '../../../cli/game-output.js';

export default class CmsForumList extends RaosCommand {
  static summary = "List the forum's categories with their counts, or one category's threads.";
  static description = 'Without CATEGORY: every category with its numbers of threads and posts. With one: its threads, pinned first, then by latest post, with their pinned and locked flags; --limit and --offset page through them.';
  static examples = [
    '<%= config.bin %> cms forum list',
    '<%= config.bin %> cms forum list general',
    "<%= config.bin %> cms forum list bugs --limit 10 --offset 10 --json | jq -r '.threads[].id'",
  ];
  static args = { category: Args.string({ description: 'A category (slug or id): list its threads.' }) };
  static flags = {
    limit: Flags.integer({ char: 'n', summary: 'At most this many threads (1-500). Default: 50.' }),
    offset: Flags.integer({ summary: 'Skip this many threads first. Default: 0.' }),
  };

  async run() {
    const { args, flags } = await this.parse(CmsForumList);
    const { client } = await this.connect(flags);
    const result = await client.cms.forum.list({ category: args.category, limit: flags.limit, offset: flags.offset });
    if ('categories' in result) this.log(categoryTable(result.categories));
    else this.log(`${result.category.name} (${result.category.slug}): ${count(result.total, 'thread', 'threads')}\n${threadTable(result.threads)}`);
    return result;
  }
}
