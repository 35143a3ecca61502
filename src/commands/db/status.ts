import { RaosCommand } from '../../cli/base.js';
import { formatBytes, table } from '../../cli/output.js';

export default class DbStatus extends RaosCommand {
  static summary = 'Show every database: file size, journal length, sequence numbers and migrations.';
  static description = 'Each module keeps its own SQLite file (data/<module>.db). Committed writes go to a journal beside it (data/<module>.db.journal-NNNNNN) and are folded into the file by checkpoints.';
  static examples = ['<%= config.bin %> db status', '<%= config.bin %> db status --json'];

  async run() {
    const { flags } = await this.parse(DbStatus);
    const { client } = await this.connect(flags);
    const result = await client.db.status();
    this.log(`data folder: ${result.dataDir}`);
    this.log(
      table(
        result.databases.map((d) => ({
          module: d.module,
          file: d.status ? formatBytes(d.status.fileBytes) : '-',
          journal: d.status ? `${d.status.journal.records} rec, ${formatBytes(d.status.journal.bytes)}` : '-',
          lsn: d.status ? `${d.status.lsn} (file at ${d.status.checkpointLsn})` : '-',
          migrations: d.status
            ? `${d.status.migrations.applied.length - d.status.migrations.pending.length} applied${d.status.migrations.pending.length ? `, ${d.status.migrations.pending.length} pending` : ''}`
            : '-',
          state: d.ok ? 'ok' : `${d.errorCode}: ${d.problems.join('; ')}`,
        })),
        [
          { key: 'module', label: 'module' },
          { key: 'file', label: 'file' },
          { key: 'journal', label: 'journal' },
          { key: 'lsn', label: 'sequence' },
          { key: 'migrations', label: 'migrations' },
          { key: 'state', label: 'state', max: 120 },
        ],
      ),
    );
    return result;
  }
}
