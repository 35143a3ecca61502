import { RaosCommand } from '../../cli/base.js';

export default class DbCheck extends RaosCommand {
  static summary = 'Check every database: file header, journal checksums and sequence, and SQLite integrity.';
  static description = 'Exits 0 when all are sound. A damaged file or journal is a STORAGE_CORRUPT error (exit code 13) naming the file; nothing is changed.';
  static examples = ['<%= config.bin %> db check', '<%= config.bin %> db check --json || echo "restore from backup"'];

  async run() {
    const { flags } = await this.parse(DbCheck);
    const { client } = await this.connect(flags);
    const result = await client.db.check();
    for (const d of result.databases) this.log(`ok  ${d.module}  ${d.path}`);
    return result;
  }
}
