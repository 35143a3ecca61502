import { basename } from 'node:path';
import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { readBase64File } from '../../../cli/cms-output.js';
import { formatBytes } from '../../../cli/output.js';

export default class CmsMediaAdd extends RaosCommand {
  static summary = 'Add an image, audio or video file, PDF or plain text to the media library. Prints its id.';
  static description = `Needs cms.media.upload (User and above). The type is read from the file's bytes, never from its name: PNG, JPEG, GIF, WebP, AVIF, PDF, MP3, Ogg, WAV, M4A, MP4, WebM and UTF-8 text are accepted; anything else (SVG and HTML on purpose, as browsers run their scripts) is INVALID_INPUT, so an HTML page named photo.png never gets in. Files above cms.media.maxBytes are refused too.

The same bytes added twice are stored once: the second add prints the first one's id. The file keeps its name (without the folder) for people; it is stored under the workspace's data folder by its id.`;
  static examples = [
    '<%= config.bin %> cms media add photos/cover.png',
    '<%= config.bin %> cms media add talk.pdf --json',
    'for f in img/*.jpg; do <%= config.bin %> cms media add "$f"; done',
  ];
  static access = 'write' as const;
  static args = { file: Args.string({ description: 'The file to add.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsMediaAdd);
    const data = await readBase64File(args.file, 'FILE');
    const { client } = await this.connect(flags);
    const media = await client.cms.media.add({ name: basename(args.file), data });
    this.log(media.id);
    this.logToStderr(
      media.duplicate
        ? `already in the library as ${media.name} (${media.id}): the same bytes were added before`
        : `added ${media.name} (${media.mime}, ${formatBytes(media.size)}) at ${media.path}`,
    );
    return media;
  }
}
