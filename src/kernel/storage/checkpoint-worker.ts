/**
 * Worker thread for background checkpoints. Rebuilds the database image from the file and the closed
 * journal segments it is given, writes it durably over the file, then deletes those segments. The main
 * thread keeps appending to a newer segment meanwhile; nothing here touches it.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { fsyncDir, writeFileDurably } from '../durable.js';
import { readSegment } from './journal.js';
import { loadSqlJs } from './sqljs.js';
import { applyRecords, createSystemTables, META_TABLE } from './store.js';

export async function checkpointFromDisk(dbPath: string, segments: string[]): Promise<number> {
  const SQL = await loadSqlJs();
  const db = existsSync(dbPath) ? new SQL.Database(readFileSync(dbPath)) : new SQL.Database();
  try {
    createSystemTables(db);
    const res = db.exec(`select value from ${META_TABLE} where key = 'checkpoint_lsn'`);
    let lsn = res.length ? Number(res[0].values[0][0]) : 0;
    for (const segment of segments) {
      const read = readSegment(segment);
      if (read.stopReason) throw new Error(`closed journal segment ${segment} is damaged: ${read.stopReason}`);
      const records = read.records.filter((r) => r.lsn > lsn);
      records.forEach((r, i) => {
        if (r.lsn !== lsn + 1 + i) throw new Error(`journal ${segment} skips from ${lsn + i} to ${r.lsn}`);
      });
      lsn = applyRecords(db, records, segment) ?? lsn;
    }
    db.run(`insert or replace into ${META_TABLE} (key, value) values ('checkpoint_lsn', ?)`, [String(lsn)]);
    await writeFileDurably(dbPath, db.export());
    for (const segment of segments) unlinkSync(segment);
    fsyncDir(dirname(dbPath));
    return lsn;
  } finally {
    db.close();
  }
}

if (parentPort && workerData?.dbPath) {
  const port = parentPort;
  checkpointFromDisk(workerData.dbPath as string, workerData.segments as string[]).then(
    (lsn) => port.postMessage({ ok: true, lsn }),
    (err: Error) => port.postMessage({ ok: false, error: err.message }),
  );
}
