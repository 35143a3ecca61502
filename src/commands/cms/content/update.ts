import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { bodyFlags, readBody, tagsFlag, inFlagTerms, warningLines } from '../../../cli/cms-output.js';
import { RaosError } from '../../../kernel/errors.js';

export default class CmsContentUpdate extends RaosCommand {
  static summary = "Change a post's or page's title, slug, body or tags: a new revision.";
  static description = `Authors edit their own items (cms.content.update); Moderators and above edit any. Every change makes a revision; \`raos cms content history\` lists them and \`raos cms content restore\` brings one back.

--tag replaces all the tags (repeatable or comma-separated); --clear-tags removes them. --if-revision N saves only if the item is still at revision N, else CONFLICT: two editors cannot overwrite each other. The status does not change: use publish, unpublish or schedule for that.`;
  static examples = [
    "<%= config.bin %> cms content update hello-world --title 'Hello again'",
    '<%= config.bin %> cms content update hello-world --body-file hello.md --if-revision 3',
    "<%= config.bin %> cms content update hello-world --slug hello --tag news --tag release",
    "git show HEAD~1:post.md | <%= config.bin %> cms content update post --body -",
  ];
  static access = 'write' as const;
  static args = { slug: Args.string({ description: 'The item: its slug or id (c_…).', required: true }) };
  static flags = {
    title: Flags.string({ char: 't', summary: 'The new title.' }),
    slug: Flags.string({ char: 's', summary: 'The new slug (the old URL stops working).' }),
    ...bodyFlags('new body'),
    tag: Flags.string({ summary: 'The new tags, replacing the old ones (repeatable, or comma-separated).', multiple: true, exclusive: ['clear-tags'] }),
    'clear-tags': Flags.boolean({ summary: 'Remove every tag.', exclusive: ['tag'] }),
    'if-revision': Flags.integer({ summary: 'Only if the item is at this revision (else CONFLICT).' }),
  };

  async run() {
    const { args, flags } = await this.parse(CmsContentUpdate);
    const body = await readBody(flags, { example: 'cat post.md | raos cms content update SLUG --body -' });
    const tags = flags['clear-tags'] ? [] : tagsFlag(flags.tag);
    if (flags.title === undefined && flags.slug === undefined && body === undefined && tags === undefined) {
      throw new RaosError('INVALID_INPUT', 'nothing to change: give --title, --slug, --body, --body-file, --tag or --clear-tags', {
        hint: `For example: raos cms content update ${args.slug} --title 'New title'`,
      });
    }
    const { client } = await this.connect(flags);
    const item = await inFlagTerms(client.cms.content.update({ slug: args.slug, title: flags.title, newSlug: flags.slug, body, tags, ifRevision: flags['if-revision'] }));
    this.log(`updated ${item.slug}, now revision ${item.revision}`);
    for (const line of warningLines(item.warnings)) this.logToStderr(line);
    return item;
  }
}
