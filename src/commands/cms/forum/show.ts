import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { threadDetails } from '../../../cli/cms-output.js';

export default class CmsForumShow extends RaosCommand {
  static summary = 'Show a forum thread: its first post, then the replies, oldest first.';
  static description = 'Posts print as their Markdown; --json also gives each one\'s sanitised HTML. --limit and --offset page through long threads.';
  static examples = ['<%= config.bin %> cms forum show t_0123456789ab', '<%= config.bin %> cms forum show t_0123456789ab --offset 100', "<%= config.bin %> cms forum show t_0123456789ab --json | jq '.posts | length'"];
  static args = { thread: Args.string({ description: 'The thread id (t_…).', required: true }) };
  static flags = {
    limit: Flags.integer({ char: 'n', summary: 'At most this many replies (1-500). Default: 100.' }),
    offset: Flags.integer({ summary: 'Skip this many replies first. Default: 0.' }),
  };

  async run() {
    const { args, flags } = await this.parse(CmsForumShow);
    const { client } = await this.connect(flags);
    const thread = await client.cms.forum.thread.show({ thread: args.thread, limit: flags.limit, offset: flags.offset });
    this.log(threadDetails(thread));
    return thread;
  }
}
