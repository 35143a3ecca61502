import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class CmsForumPin extends RaosCommand {
  static summary = 'Pin a thread to the top of its category, or unpin it.';
  static description = 'Needs cms.forum.moderate (Moderator and above). Pinned threads list first, then the others by latest post.';
  static examples = ['<%= config.bin %> cms forum pin t_0123456789ab', '<%= config.bin %> cms forum pin t_0123456789ab --unpin'];
  static access = 'write' as const;
  static args = { thread: Args.string({ description: 'The thread id (t_…).', required: true }) };
  static flags = { unpin: Flags.boolean({ summary: 'Unpin it instead.' }) };

  async run() {
    const { args, flags } = await this.parse(CmsForumPin);
    const { client } = await this.connect(flags);
    const thread = await client.cms.forum.pin({ thread: args.thread, pinned: !flags.unpin });
    this.log(`${thread.pinned ? 'pinned' : 'unpinned'} '${thread.title}' (${thread.id})`);
    return thread;
  }
}
