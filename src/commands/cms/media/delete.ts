import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class CmsMediaDelete extends RaosCommand {
  static summary = 'Delete a media file from the library and from disk.';
  static description = "Users delete the files they added; deleting others' files needs cms.content.delete (Moderator and above). Content that links to the file keeps the link: check with `raos cms content search` first.";
  static examples = ['<%= config.bin %> cms media delete m_0123456789ab', '<%= config.bin %> cms media delete m_0123456789ab --json'];
  static access = 'write' as const;
  static args = { id: Args.string({ description: 'The media id (m_…); see cms media list.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsMediaDelete);
    const { client } = await this.connect(flags);
    const media = await client.cms.media.delete({ id: args.id });
    this.log(`deleted ${media.name} (${media.id})`);
    return media;
  }
}
