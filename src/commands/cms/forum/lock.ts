import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class CmsForumLock extends RaosCommand {
  static summary = 'Lock a thread (only moderators may reply), or unlock it.';
  static description = 'Needs cms.forum.moderate (Moderator and above). A locked thread stays readable.';
  static examples = ['<%= config.bin %> cms forum lock t_0123456789ab', '<%= config.bin %> cms forum lock t_0123456789ab --unlock'];
  static access = 'write' as const;
  static args = { thread: Args.string({ description: 'The thread id (t_…).', required: true }) };
  static flags = { unlock: Flags.boolean({ summary: 'Unlock it instead.' }) };

  async run() {
    const { args, flags } = await this.parse(CmsForumLock);
    const { client } = await this.connect(flags);
    const thread = await client.cms.forum.lock({ thread: args.thread, locked: !flags.unlock });
    this.log(`${thread.locked ? 'locked' : 'unlocked'} '${thread.title}' (${thread.id})`);
    return thread;
  }
}
