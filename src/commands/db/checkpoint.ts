import { RaosCommand } from '../../cli/base.js';
import { formatBytes } from '../../cli/output.js';

export default class DbCheckpoint extends RaosCommand {
  static summary = 'Fold every journal into its database file now.';
  static description = 'Checkpoints also happen on their own when a journal passes storage.checkpointBytes. This writes each file anew (temp file, fsync, rename) and then deletes the journal segments it covers.';
  static examples = ['<%= config.bin %> db checkpoint'];
  static access = 'write' as const;

  async run() {
    const { flags } = await this.parse(DbCheckpoint);
    const { client } = await this.connect(flags);
    const result = await client.db.checkpoint();
    for (const d of result.databases) this.log(`${d.module}  ${formatBytes(d.bytes)}  at ${d.lsn}`);
    return result;
  }
}
