import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { formatBytes } from '../../cli/output.js';

export default class DbBackup extends RaosCommand {
  static summary = 'Copy a consistent image of every database into a folder, with a manifest of checksums.';
  static description = 'Each image includes every acknowledged write (file plus journal) and is itself a plain SQLite file. To restore, stop raos and copy the .db files into the data folder, removing the old journal files (data/*.db.journal-*).';
  static examples = ['<%= config.bin %> db backup ./backups/2026-11-26', '<%= config.bin %> db backup /mnt/backup/raos --force --json'];
  // Takes the write lock: no write lands mid-copy, and the backup is recorded in the audit trail.
  static access = 'write' as const;
  static args = { dir: Args.string({ description: 'Folder to write into (created when missing).', required: true }) };
  static flags = { force: Flags.boolean({ summary: 'Replace a backup already in the folder.' }) };

  async run() {
    const { args, flags } = await this.parse(DbBackup);
    const { client } = await this.connect(flags);
    // Relative to where the user stands (the operation itself resolves against the workspace).
    const result = await client.db.backup({ dir: resolve(args.dir), force: flags.force });
    for (const f of result.files) this.log(`${f.file}  ${formatBytes(f.bytes)}  sha256 ${f.sha256.slice(0, 16)}…`);
    this.log(`backup written to ${result.dir}`);
    return result;
  }
}
