import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { bodyFlags, readBody } from '../../../cli/cms-output.js';

export default class CmsForumReply extends RaosCommand {
  static summary = 'Reply to a forum thread.';
  static description = 'Needs cms.forum.post (User and above). A locked thread takes replies from moderators only (FORBIDDEN for others). The reply is Markdown (1-20000 characters), from --body TEXT, --body - (standard input) or --body-file FILE.';
  static examples = [
    "<%= config.bin %> cms forum reply t_0123456789ab --body 'Thanks, fixed in 1.2.'",
    '<%= config.bin %> cms forum reply t_0123456789ab --body-file answer.md',
    "echo '+1' | <%= config.bin %> cms forum reply t_0123456789ab --body - --json",
  ];
  static access = 'write' as const;
  static args = { thread: Args.string({ description: 'The thread id (t_…).', required: true }) };
  static flags = bodyFlags('reply');

  async run() {
    const { args, flags } = await this.parse(CmsForumReply);
    const body = await readBody(flags, { required: true, example: `raos cms forum reply ${args.thread} --body 'Thanks!'` });
    const { client } = await this.connect(flags);
    const post = await client.cms.forum.reply({ thread: args.thread, body: body! });
    this.log(`replied to ${post.thread} (#${post.seq})`);
    return post;
  }
}
