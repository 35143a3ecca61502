/**
 * A Store is one module's database: a sql.js database in memory, a file on disk holding its last
 * checkpoint, and a journal of the transactions committed since (see journal.ts).
 *
 * - `write(fn)` runs fn in a transaction; when it resolves, the transaction is in the journal and fsynced.
 * - Opening replays the journal after the checkpoint; a torn tail (a crash mid-append) is cut off and
 *   kept beside the segment as `.torn-<time>`; damage anywhere else is STORAGE_CORRUPT.
 * - A checkpoint writes the whole database to a temp file, fsyncs, renames it over the file, then deletes
 *   the journal segments it covers. The file holds the sequence number it covers, so a crash between the
 *   rename and the delete replays nothing twice. With `background: true` the checkpoint runs in a worker
 *   thread that rebuilds the image from the file and the closed segments, so the main thread's cost per
 *   commit does not grow with the database.
 * - A damaged database file is reported with its path and is never overwritten.
 */
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Kysely, type Transaction } from 'kysely';
import type { Database, SqlJsStatic, Statement as SqlJsStatement } from 'sql.js';
import { fsyncDir, writeFileDurably } from '../durable.js';
import { RaosError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { Migration } from '../module.js';
import { JournaledDialect, JournaledDriver, SqljsEngine, type CommitSink } from './driver.js';
import {
  encodeRecord,
  JournalWriter,
  listSegments,
  planReplay,
  SEGMENT_MAGIC,
  segmentPath,
  type JournalRecord,
  type ReplayPlan,
  type Statement,
} from './journal.js';
import { importEsm } from '../import-esm.js';
import { loadSqlJs } from './sqljs.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
export const META_TABLE = '_raos_meta';
export const MIGRATIONS_TABLE = '_raos_migrations';

export interface OpenStoreOptions {
  /** Module name, for messages. */
  name: string;
  /** The database file (`<dataDir>/<name>.db`), or null for a store that lives only in memory. */
  path: string | null;
  /**
   * `write`: the caller holds the workspace lock; commits are journaled and torn tails repaired.
   * `read`: nothing on disk is touched; migrations a newer version needs are applied in memory only.
   */
  mode: 'read' | 'write';
  migrations?: Migration[];
  log?: Logger;
  /** Journal bytes after which a checkpoint is due. Default 4 MiB. */
  checkpointBytes?: number;
  /** Run checkpoints in a worker thread as soon as they are due (long-running hosts). Default false. */
  background?: boolean;
  /** The built worker script (dist/storage-worker.js); without it background checkpoints run inline. */
  workerScript?: string;
  /** The process lives on (a daemon, a benchmark): let V8 optimise sql.js. Default: `background`. */
  longRunning?: boolean;
  /** Clock for torn-tail file names; tests pin it. */
  now?: () => number;
  /** How long a reader keeps retrying while other processes keep checkpointing. Default 15 s. */
  readRetryMs?: number;
}

export interface StoreStatus {
  name: string;
  path: string | null;
  mode: 'read' | 'write';
  fileBytes: number;
  journal: { segments: number; bytes: number; records: number };
  /** Highest committed sequence number, and the one the file on disk covers. */
  lsn: number;
  checkpointLsn: number;
  migrations: { applied: string[]; pending: string[] };
  syncs: number;
  checkpoints: number;
  checkpointRunning: boolean;
  /** Why the last background checkpoint failed, if it did (the journal still holds every write). */
  lastCheckpointError: string | null;
}

export class Store<DB = any> {
  readonly name: string;
  readonly path: string | null;
  readonly mode: 'read' | 'write';
  /** Typed queries. Reads may use it directly; writes go through `write()`. */
  readonly db: Kysely<DB>;
  readonly #engine: SqljsEngine;
  readonly #log: Logger;
  readonly #options: OpenStoreOptions;
  #lsn: number;
  #checkpointLsn: number;
  #writer: Promise<JournalWriter> | null = null;
  #writerReady: JournalWriter | null = null;
  #closed = false;
  #checkpointing: Promise<void> | null = null;
  #checkpoints = 0;
  #lastCheckpointError: string | null = null;
  #migrations: { applied: string[]; pending: string[] } = { applied: [], pending: [] };

  private constructor(options: OpenStoreOptions, sqlDb: Database, lsn: number, checkpointLsn: number) {
    this.name = options.name;
    this.path = options.path;
    this.mode = options.mode;
    this.#options = options;
    this.#log = (options.log ?? silentLogger).child({ store: options.name });
    this.#engine = new SqljsEngine(sqlDb);
    this.#lsn = lsn;
    this.#checkpointLsn = checkpointLsn;
    const sink: CommitSink = {
      commit: (statements) => this.#commit(statements),
      assertUsable: () => this.#assertUsable(),
    };
    this.#driver = new JournaledDriver(this.#engine, sink);
    this.db = new Kysely<DB>({ dialect: new JournaledDialect(this.#driver) });
  }

  readonly #driver: JournaledDriver;

  /**
   * A read-only query by its SQL text (compile it once with Kysely's `.compile()`): the fast path for
   * hot reads, skipping query building and Kysely's connection handling. Refuses anything but a SELECT.
   */
  query<R>(sql: string, params: readonly (string | number | null | Uint8Array)[]): Promise<R[]> {
    if (!/^\s*select\b/i.test(sql)) return Promise.reject(new RaosError('INTERNAL', `Store.query runs SELECT statements only: ${sql}`));
    return this.#driver.read<R>(sql, params);
  }

  static async open<DB = any>(options: OpenStoreOptions): Promise<Store<DB>> {
    const SQL = await loadSqlJs(options.longRunning ?? options.background ?? false);
    const { path, mode } = options;
    if (path && mode === 'write' && existsSync(path)) removeStaleTemps(path);
    // A reader holds no lock, so another process may checkpoint while we read: it renames a new file
    // into place, then deletes the segments that file covers. If the file changed during our read, what
    // we read may lack records; if a segment vanished between listing and reading, we read a file
    // newer than the segments we listed. Either way, read again, backing off a little, until one read
    // sees a file that stayed the same, or the deadline passes. A read that raced is never accepted.
    const image = await readStable(SQL, options);
    if (path && image.tornTail && mode === 'write') repairTornTail(image.tornTail, options.now ?? Date.now, options.log);
    const store = new Store<DB>(options, image.db, image.lsn, image.checkpointLsn);
    await store.#migrate(options.migrations ?? []);
    return store;
  }

  /**
   * Runs `fn` in one transaction. Resolves after the transaction is durable; any throw rolls it back.
   * In read mode the transaction runs in memory only and is refused unless `ephemeral` is set.
   */
  write<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  #assertUsable(): void {
    if (this.#closed) throw new RaosError('UNAVAILABLE', `the ${this.name} database is closed`);
    const broken = this.#writerReady?.broken;
    if (broken) throw broken;
  }

  #ephemeral = false;

  #commit(statements: Statement[]): Promise<void> {
    if (this.mode === 'read' || !this.path) {
      if (this.mode === 'read' && !this.#ephemeral) {
        return Promise.reject(
          new RaosError('INTERNAL', `the ${this.name} database was opened read-only; this write was not saved`),
        );
      }
      if (this.mode === 'write') this.#lsn++;
      return Promise.resolve();
    }
    const lsn = ++this.#lsn;
    const bytes = encodeRecord({ lsn, statements });
    if (this.#writerReady) {
      const done = this.#writerReady.append(bytes);
      this.#maybeCheckpoint();
      return done;
    }
    this.#writer ??= this.#openWriter();
    return this.#writer.then((w) => {
      const done = w.append(bytes);
      this.#maybeCheckpoint();
      return done;
    });
  }

  async #openWriter(): Promise<JournalWriter> {
    const segments = listSegments(this.path!);
    const newest = segments.at(-1);
    const writer = await JournalWriter.open(newest ? newest.path : segmentPath(this.path!, 1));
    this.#writerReady = writer;
    return writer;
  }

  async #migrate(migrations: Migration[]): Promise<void> {
    this.#ephemeral = this.mode === 'read';
    try {
      const done = new Set(
        (await (this.db as Kysely<any>).selectFrom(MIGRATIONS_TABLE).select('id').execute()).map((r) => r.id as string),
      );
      const ordered = [...migrations].sort((a, b) => a.id.localeCompare(b.id));
      const pending = ordered.filter((m) => !done.has(m.id));
      for (const migration of pending) {
        await this.write(async (trx) => {
          await migration.up(trx);
          await (trx as Transaction<any>)
            .insertInto(MIGRATIONS_TABLE)
            .values({ id: migration.id, applied_at: new Date().toISOString() })
            .execute();
        });
      }
      this.#migrations = {
        applied: ordered.map((m) => m.id),
        pending: this.mode === 'read' ? pending.map((m) => m.id) : [],
      };
    } finally {
      this.#ephemeral = false;
    }
  }

  #maybeCheckpoint(): void {
    if (!this.#options.background || this.#checkpointing || this.#closed) return;
    const writer = this.#writerReady;
    if (!writer || writer.bytes < (this.#options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES)) return;
    this.#checkpointing = this.#backgroundCheckpoint()
      .then(() => {
        this.#lastCheckpointError = null;
      })
      .catch((err) => {
        this.#lastCheckpointError = err instanceof Error ? err.message : String(err);
        this.#log.error('background checkpoint failed; the journal keeps every write', { error: this.#lastCheckpointError });
      })
      .finally(() => {
        this.#checkpointing = null;
      });
  }

  /** True when the journal has grown past the checkpoint threshold. */
  get checkpointDue(): boolean {
    const bytes = this.#writerReady?.bytes ?? journalBytes(this.path);
    return bytes >= this.#threshold();
  }

  /**
   * Journal bytes at which a checkpoint is due. A long-running host replays the journal only when it
   * starts, so it lets the journal grow to `checkpointBytes`. One-shot processes (the CLI without a
   * daemon) replay it on every read, and replaying a byte of journal costs about a hundred times more
   * than rewriting a byte of file, so they checkpoint once the journal passes 1/64 of the file (at
   * least 16 KiB, at most `checkpointBytes`): a write pays a little now so that every read stays quick.
   */
  #threshold(): number {
    const max = this.#options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
    if (this.#options.background || !this.path) return max;
    const fileBytes = statSync(this.path, { throwIfNoEntry: false })?.size ?? 0;
    return Math.min(max, Math.max(16 * 1024, Math.floor(fileBytes / 64)));
  }

  /**
   * Writes the database file now and empties the journal. Runs on this thread: O(database size).
   * Waits for a background checkpoint in progress first.
   */
  async checkpoint(): Promise<void> {
    if (this.mode === 'read' || !this.path) return;
    while (this.#checkpointing) await this.#checkpointing;
    this.#assertUsable();
    // Hold the connection: no transaction may be open while the image is taken.
    await this.db.connection().execute(async () => {
      await this.#writerReady?.drain();
      const segments = listSegments(this.path!);
      if (segments.length === 0 && existsSync(this.path!)) return;
      const lsn = this.#lsn;
      this.#engine.run(`insert or replace into ${META_TABLE} (key, value) values ('checkpoint_lsn', ?)`, [String(lsn)]);
      const image = this.#engine.db.export();
      // Later commits go to a fresh segment; the covered ones can then be deleted.
      const next = segmentPath(this.path!, (segments.at(-1)?.seq ?? 0) + 1);
      if (this.#writerReady) await this.#writerReady.rotate(next);
      await writeFileDurably(this.path!, image);
      for (const segment of segments) unlinkSync(segment.path);
      fsyncDir(dirname(this.path!));
      this.#checkpointLsn = lsn;
      this.#checkpoints++;
    });
  }

  async #backgroundCheckpoint(): Promise<void> {
    const script = this.#options.workerScript;
    if (!script || !existsSync(script)) {
      await this.checkpoint();
      return;
    }
    const writer = this.#writerReady!;
    const closed = listSegments(this.path!);
    await writer.rotate(segmentPath(this.path!, (closed.at(-1)?.seq ?? 0) + 1));
    // Loaded here: one-shot commands never checkpoint in the background and need not pay for it.
    const { Worker } = await importEsm<typeof import('node:worker_threads')>('node:worker_threads');
    await new Promise<void>((resolve, reject) => {
      const worker = new Worker(script, { workerData: { dbPath: this.path, segments: closed.map((s) => s.path) } });
      worker.once('message', (msg: { ok: boolean; error?: string; lsn?: number }) => {
        if (msg.ok) {
          this.#checkpointLsn = msg.lsn ?? this.#checkpointLsn;
          resolve();
        } else reject(new Error(msg.error));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`checkpoint worker exited with ${code}`))));
    });
    this.#checkpoints++;
  }

  status(): StoreStatus {
    const segments = this.path ? listSegments(this.path) : [];
    return {
      name: this.name,
      path: this.path,
      mode: this.mode,
      fileBytes: this.path && existsSync(this.path) ? statSync(this.path).size : 0,
      journal: {
        segments: segments.length,
        // A checkpoint worker may delete a segment between the listing and the stat.
        bytes: segments.reduce((n, s) => n + (statSync(s.path, { throwIfNoEntry: false })?.size ?? 0), 0),
        records: this.#lsn - this.#checkpointLsn,
      },
      lsn: this.#lsn,
      checkpointLsn: this.#checkpointLsn,
      migrations: this.#migrations,
      syncs: this.#writerReady?.syncs ?? 0,
      checkpoints: this.#checkpoints,
      checkpointRunning: this.#checkpointing !== null,
      lastCheckpointError: this.#lastCheckpointError,
    };
  }

  /** Runs SQLite's integrity check over the in-memory image (file plus replayed journal). */
  integrityCheck(): string[] {
    const rows = this.#engine.run('pragma integrity_check', []).rows;
    return rows.map((r) => String(Object.values(r)[0])).filter((v) => v !== 'ok');
  }

  /** The whole database as an SQLite file image (journal applied). */
  async exportImage(): Promise<Uint8Array> {
    return this.db.connection().execute(async () => {
      // The image covers every record so far; say so inside it, so a journal left beside a restored
      // copy is not replayed twice. (In memory only: never journaled.)
      this.#engine.run(`insert or replace into ${META_TABLE} (key, value) values ('checkpoint_lsn', ?)`, [String(this.#lsn)]);
      return this.#engine.db.export();
    });
  }

  /**
   * Waits for pending commits, then checkpoints if `checkpoint` says so (`auto`: when due), and frees
   * the database. Safe to call twice.
   */
  async close(options: { checkpoint?: 'auto' | 'always' | 'never' } = {}): Promise<void> {
    if (this.#closed) return;
    const policy = options.checkpoint ?? 'auto';
    try {
      while (this.#checkpointing) await this.#checkpointing;
      await this.#writerReady?.drain();
      if (this.mode === 'write' && this.path && !this.#writerReady?.broken) {
        if (policy === 'always' || (policy === 'auto' && this.checkpointDue)) await this.checkpoint();
      }
    } finally {
      this.#closed = true;
      await this.#writerReady?.close().catch(() => {});
      this.#engine.freeStatements();
      this.#engine.db.close();
    }
  }
}

export const DEFAULT_CHECKPOINT_BYTES = 4 * 1024 * 1024;
const DEFAULT_READ_RETRY_MS = 15_000;

/** Loads the image, again and again while checkpoints by other processes race the read (see `open`). */
async function readStable(SQL: SqlJsStatic, options: OpenStoreOptions): Promise<LoadedImage> {
  const { path } = options;
  const deadline = Date.now() + (options.readRetryMs ?? DEFAULT_READ_RETRY_MS);
  for (let attempt = 1; ; attempt++) {
    const before = fileIdentity(path);
    let image: LoadedImage | undefined;
    let failure: unknown;
    try {
      image = loadImage(SQL, path);
    } catch (err) {
      failure = err;
    }
    // Only a reader can race: a writer holds the lock that every checkpointing process holds.
    const raced =
      options.mode === 'read' && (fileIdentity(path) !== before || (failure as NodeJS.ErrnoException)?.code === 'ENOENT');
    if (!raced) {
      if (failure) throw failure;
      return image!;
    }
    image?.db.close();
    if (Date.now() >= deadline) {
      throw new RaosError(
        'LOCK_TIMEOUT',
        `the ${options.name} database changed under every one of ${attempt} reads (other processes keep checkpointing it)`,
        { hint: 'Try again, or start the daemon (`raos daemon start`) so that commands share one open database.', details: { path } },
      );
    }
    // Jittered backoff, 1 ms doubling to 64 ms: readers that collided spread out.
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(64, 2 ** attempt)));
  }
}

interface LoadedImage {
  db: Database;
  lsn: number;
  checkpointLsn: number;
  tornTail?: ReplayPlan['tornTail'];
}

/** Identifies one version of a file: a checkpoint replaces it with another inode. */
function fileIdentity(path: string | null): string {
  if (!path) return '';
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'absent';
}

/** Reads the database file (or starts empty) and replays the journal after its checkpoint. */
function loadImage(SQL: SqlJsStatic, path: string | null): LoadedImage {
  let db: Database;
  let bytes: Buffer | null = null;
  try {
    if (path) bytes = readFileSync(path);
  } catch (err) {
    // No file yet: the database so far lives in the journal alone.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (bytes && bytes.length > 0) {
    if (bytes.length < SQLITE_MAGIC.length || !bytes.subarray(0, 16).equals(SQLITE_MAGIC)) {
      throw corrupt(path!, 'it is not an SQLite database');
    }
    try {
      db = new SQL.Database(bytes);
      db.exec('select count(*) from sqlite_master');
    } catch (err) {
      throw corrupt(path!, (err as Error).message);
    }
  } else {
    db = new SQL.Database();
  }
  try {
    let checkpointLsn: number;
    try {
      createSystemTables(db);
      const res = db.exec(`select value from ${META_TABLE} where key = 'checkpoint_lsn'`);
      checkpointLsn = res.length ? Number(res[0].values[0][0]) : 0;
    } catch (err) {
      throw corrupt(path ?? '(memory)', (err as Error).message);
    }
    let lsn = checkpointLsn;
    let tornTail: ReplayPlan['tornTail'];
    if (path) {
      const plan = planReplay(path, checkpointLsn);
      lsn = applyRecords(db, plan.records, path) ?? lsn;
      tornTail = plan.tornTail;
    }
    return { db, lsn, checkpointLsn, tornTail };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * raos's own tables. Not journaled: every open (and the checkpoint worker) makes them the same way,
 * on the file and on an empty database alike, before any record is replayed.
 */
export function createSystemTables(db: Database): void {
  // Durability is our journal's job; SQLite's own rollback journal only has to make ROLLBACK work,
  // and keeping it in memory halves the cost of a commit (sql.js otherwise makes and deletes a file
  // in its in-memory file system for every transaction).
  db.exec('pragma journal_mode = memory');
  // One connection owns the database for its whole life: SQLite need not re-check the file (for a
  // hot journal or a changed schema) at the start of every transaction.
  db.exec('pragma locking_mode = exclusive');
  db.exec(`create table if not exists ${META_TABLE} (key text primary key, value text not null)`);
  db.exec(`create table if not exists ${MIGRATIONS_TABLE} (id text primary key, applied_at text not null)`);
}

function corrupt(path: string, reason: string): RaosError {
  return new RaosError('STORAGE_CORRUPT', `database file ${path} is damaged: ${reason}`, {
    hint: 'The file was left as it is. Restore it from a backup (`raos db backup` makes one), or move it aside to start that module empty.',
    details: { path },
  });
}

export function journalBytes(path: string | null): number {
  if (!path) return 0;
  return listSegments(path).reduce((n, s) => n + (statSync(s.path, { throwIfNoEntry: false })?.size ?? 0), 0);
}

/** Applies one journal record as one transaction. A statement that fails means journal and file disagree. */
export function applyRecord(db: Database, record: JournalRecord, path: string, cache?: Map<string, SqlJsStatement>): void {
  db.exec('BEGIN');
  try {
    for (const [sql, params] of record.statements) {
      let stmt = cache?.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        cache?.set(sql, stmt);
      }
      try {
        stmt.run(params as never);
      } finally {
        if (!cache) stmt.free();
      }
    }
    db.exec('COMMIT');
  } catch (err) {
    try {
      db.exec('ROLLBACK');
    } catch {
      /* already rolled back */
    }
    throw new RaosError('STORAGE_CORRUPT', `journal record ${record.lsn} of ${path} does not apply: ${(err as Error).message}`, {
      hint: 'The database file and its journal disagree; restore the workspace from a backup.',
      details: { path, lsn: record.lsn },
    });
  }
}

/** Applies records in order, preparing each distinct statement once. */
export function applyRecords(db: Database, records: Iterable<JournalRecord>, path: string): number | undefined {
  const cache = new Map<string, SqlJsStatement>();
  let last: number | undefined;
  try {
    for (const record of records) {
      applyRecord(db, record, path, cache);
      last = record.lsn;
    }
  } finally {
    for (const stmt of cache.values()) stmt.free();
  }
  return last;
}

function repairTornTail(
  torn: { path: string; validBytes: number; totalBytes: number; reason: string },
  now: () => number,
  log?: Logger,
): void {
  // Keep the discarded bytes for inspection instead of destroying them.
  const keep = `${torn.path}.torn-${now()}`;
  const all = readFileSync(torn.path);
  writeFileSync(keep, all.subarray(torn.validBytes));
  truncateSync(torn.path, Math.max(torn.validBytes, SEGMENT_MAGIC.length));
  if (torn.validBytes < SEGMENT_MAGIC.length) writeFileSync(torn.path, SEGMENT_MAGIC);
  log?.warn('journal ended in a torn record (a write cut short by a crash); it was never acknowledged and was set aside', {
    path: torn.path,
    reason: torn.reason,
    keptAt: keep,
  });
}

function removeStaleTemps(path: string): void {
  const dir = dirname(path);
  const prefix = basename(path) + '.tmp-';
  for (const f of readdirSync(dir)) if (f.startsWith(prefix)) unlinkSync(join(dir, f));
}
