import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { historyTable } from '../../../cli/cms-output.js';

export default class CmsContentHistory extends RaosCommand {
  static summary = "List an item's revisions, oldest first: what was done, by whom, when.";
  static description = 'Every create, update, publish, unpublish, schedule and restore is a revision. `raos cms content show SLUG --revision N` shows the text of one; `raos cms content restore SLUG --revision N` brings it back.';
  static examples = ['<%= config.bin %> cms content history hello-world', "<%= config.bin %> cms content history hello-world --json | jq '.revisions[-1]'"];
  static args = { slug: Args.string({ description: 'The item: its slug or id (c_…).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsContentHistory);
    const { client } = await this.connect(flags);
    const result = await client.cms.content.history({ slug: args.slug });
    this.log(historyTable(result.revisions));
    return result;
  }
}
