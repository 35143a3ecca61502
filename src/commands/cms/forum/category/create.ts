import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../../cli/base.js';

export default class CmsForumCategoryCreate extends RaosCommand {
  static summary = 'Create a forum category. Prints its slug.';
  static description = 'Needs cms.forum.moderate (Moderator and above). Threads are started in a category, named by its slug or id; without --slug one is made from the name. A slug that is taken is CONFLICT.';
  static examples = [
    '<%= config.bin %> cms forum category create General',
    "<%= config.bin %> cms forum category create 'Bug reports' --slug bugs --description 'What broke, and how'",
    '<%= config.bin %> cms forum category create Announcements --json',
  ];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The category name (at most 200 characters).', required: true }) };
  static flags = {
    slug: Flags.string({ char: 's', summary: 'The URL name: a-z, 0-9 and single hyphens. Default: made from the name.' }),
    description: Flags.string({ char: 'd', summary: 'What belongs here (at most 500 characters).' }),
  };

  async run() {
    const { args, flags } = await this.parse(CmsForumCategoryCreate);
    const { client } = await this.connect(flags);
    const category = await client.cms.forum.category.create({ name: args.name, slug: flags.slug, description: flags.description });
    this.log(category.slug);
    this.logToStderr(`created forum category ${category.name} (${category.id})`);
    return category;
  }
}
