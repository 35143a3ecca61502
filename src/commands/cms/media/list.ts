import { RaosCommand } from '../../../cli/base.js';
import { mediaTable } from '../../../cli/cms-output.js';

export default class CmsMediaList extends RaosCommand {
  static summary = 'List the media library, newest first: id, name, type, size, who added it.';
  static description = 'The path is where the file lives, relative to the workspace. --json also gives each file\'s sha256.';
  static examples = ['<%= config.bin %> cms media list', "<%= config.bin %> cms media list --json | jq -r '.[] | select(.mime == \"image/png\") | .id'"];

  async run() {
    const { flags } = await this.parse(CmsMediaList);
    const { client } = await this.connect(flags);
    const files = await client.cms.media.list();
    this.log(mediaTable(files));
    return files;
  }
}
