import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { contentDetails, warningLines } from '../../../cli/cms-output.js';

export default class CmsContentShow extends RaosCommand {
  static summary = 'Show a post or page: title, status, tags, revision, then its Markdown (or HTML).';
  static description = `--revision N shows the text (title, slug, tags, body) an older revision had; status and dates stay the current ones. --html prints the HTML the site would get instead of the Markdown: rendered, sanitised and passed through the enabled onRender plugins.`;
  static examples = [
    '<%= config.bin %> cms content show hello-world',
    '<%= config.bin %> cms content show hello-world --revision 1',
    '<%= config.bin %> cms content show about --html > about.html',
    "<%= config.bin %> cms content show c_0123456789ab --json | jq -r .body",
  ];
  static args = { slug: Args.string({ description: 'The item: its slug or id (c_…).', required: true }) };
  static flags = {
    revision: Flags.integer({ char: 'r', summary: 'Show this older revision instead (see cms content history).' }),
    html: Flags.boolean({ summary: 'Print the rendered HTML instead of the Markdown.' }),
  };

  async run() {
    const { args, flags } = await this.parse(CmsContentShow);
    const { client } = await this.connect(flags);
    const item = await client.cms.content.show({ slug: args.slug, revision: flags.revision, html: flags.html });
    this.log(contentDetails(item, { html: flags.html }));
    for (const line of warningLines(item.warnings)) this.logToStderr(line);
    return item;
  }
}
