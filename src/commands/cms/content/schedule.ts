import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { time, warningLines } from '../../../cli/cms-output.js';

export default class CmsContentSchedule extends RaosCommand {
  static summary = 'Publish an item at a later time.';
  static description = `Needs cms.content.publish (Moderator and above). --at is an ISO 8601 date and time with its offset (2027-01-31T09:00:00Z, 2027-01-31T10:00:00+01:00) in the future; a time already past is INVALID_INPUT (use publish).

From that time on the item reads as published everywhere. The running daemon publishes it within a second (onPublish plugins run then); without a daemon the next CMS command that writes does. Build the site after the time to put it online; \`raos cms content unpublish\` cancels.`;
  static examples = [
    '<%= config.bin %> cms content schedule launch --at 2027-01-31T09:00:00Z',
    '<%= config.bin %> cms content schedule launch --at "$(date -u -d tomorrow +%Y-%m-%dT08:00:00Z)"',
    '<%= config.bin %> cms content schedule c_0123456789ab --at 2027-01-31T10:00:00+01:00 --json',
  ];
  static access = 'write' as const;
  static args = { slug: Args.string({ description: 'The item: its slug or id (c_…).', required: true }) };
  static flags = { at: Flags.string({ summary: 'When to publish: ISO 8601 with an offset, like 2027-01-31T09:00:00Z.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(CmsContentSchedule);
    const { client } = await this.connect(flags);
    const item = await client.cms.content.schedule({ slug: args.slug, at: flags.at });
    this.log(`scheduled ${item.slug} for ${time(item.publishAt)} UTC (revision ${item.revision})`);
    for (const line of warningLines(item.warnings)) this.logToStderr(line);
    return item;
  }
}
