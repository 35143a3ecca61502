import { Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { bodyFlags, readBody, tagsFlag, inFlagTerms, warningLines } from '../../../cli/cms-output.js';
import { CONTENT_TYPES, type ContentType } from '../../../modules/cms/schema.js';

export default class CmsContentCreate extends RaosCommand {
  static summary = 'Create a post or a page from Markdown. Prints its slug.';
  static description = `The item starts as a draft at revision 1 (--publish publishes it at once, which needs cms.content.publish: Moderator and above). Without --slug one is made from the title (my-first-post), with -2, -3… added when taken; a --slug that is taken is CONFLICT.

The body comes from --body TEXT, --body - (standard input) or --body-file FILE; without any the body is empty. Tags are repeatable or comma-separated. Plugins with a beforeContentSave hook may change the item; a plugin that fails does not stop the save, it is printed as a warning.`;
  static examples = [
    "<%= config.bin %> cms content create --title 'Hello, world' --body 'First **post**.' --tag news",
    "<%= config.bin %> cms content create --title About --type page --slug about --body-file about.md --publish",
    "pandoc notes.docx -t gfm | <%= config.bin %> cms content create --title 'Release notes' --body - --tag release,v2",
    "SLUG=$(<%= config.bin %> cms content create --title Draft --json | jq -r .slug)",
  ];
  static access = 'write' as const;
  static flags = {
    title: Flags.string({ char: 't', summary: 'The title (at most 200 characters).', required: true }),
    type: Flags.string({ summary: 'post (dated, in the feed) or page (stands alone). Default: post.', options: [...CONTENT_TYPES] }),
    slug: Flags.string({ char: 's', summary: 'The URL name: a-z, 0-9 and single hyphens. Default: made from the title.' }),
    ...bodyFlags('body'),
    tag: Flags.string({ summary: 'A tag (repeatable, or comma-separated).', multiple: true }),
    publish: Flags.boolean({ summary: 'Publish at once instead of saving a draft.' }),
  };

  async run() {
    const { flags } = await this.parse(CmsContentCreate);
    const body = await readBody(flags, { example: "echo '# Hi' | raos cms content create --title Hi --body -" });
    const { client } = await this.connect(flags);
    const item = await inFlagTerms(
      client.cms.content.create({
        title: flags.title,
        type: flags.type as ContentType | undefined,
        slug: flags.slug,
        body,
        tags: tagsFlag(flags.tag),
        publish: flags.publish,
      }),
    );
    this.log(item.slug);
    this.logToStderr(`created ${item.type} '${item.title}' (${item.id}) as ${item.status}, revision ${item.revision}`);
    for (const line of warningLines(item.warnings)) this.logToStderr(line);
    return item;
  }
}
