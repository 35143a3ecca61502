import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../../cli/base.js';
import { bodyFlags, readBody } from '../../../../cli/cms-output.js';

export default class CmsForumThreadCreate extends RaosCommand {
  static summary = 'Start a thread in a forum category with its first post. Prints the thread id.';
  static description = 'Needs cms.forum.post (User and above). The post is Markdown (1-20000 characters), from --body TEXT, --body - (standard input) or --body-file FILE; it is rendered to sanitised HTML.';
  static examples = [
    "<%= config.bin %> cms forum thread create general --title 'Welcome!' --body 'Say hello here.'",
    "<%= config.bin %> cms forum thread create bugs --title 'Crash on start' --body-file report.md",
    "journalctl -n 50 | <%= config.bin %> cms forum thread create bugs --title 'Daemon log' --body - --json",
  ];
  static access = 'write' as const;
  static args = { category: Args.string({ description: 'The category: its slug or id.', required: true }) };
  static flags = {
    title: Flags.string({ char: 't', summary: 'The thread title (at most 200 characters).', required: true }),
    ...bodyFlags('first post'),
  };

  async run() {
    const { args, flags } = await this.parse(CmsForumThreadCreate);
    const body = await readBody(flags, { required: true, example: `raos cms forum thread create ${args.category} --title 'Hello' --body 'First post'` });
    const { client } = await this.connect(flags);
    const thread = await client.cms.forum.thread.create({ category: args.category, title: flags.title, body: body! });
    this.log(thread.id);
    this.logToStderr(`started thread '${thread.title}' in ${thread.category}`);
    return thread;
  }
}
