/**
 * A Kysely dialect over one in-memory sql.js database whose committed writes go to the journal.
 *
 * SQLite has one connection, so a mutex serialises its use, as Kysely's own SQLite driver does. The
 * difference is at commit: the transaction's statements become one journal record, the mutex is
 * released, and only then does the commit wait for the record's fsync. Transactions that commit while
 * an fsync is in flight therefore share the next one (group commit) instead of queueing behind it.
 */
import type { Database, Statement as SqlJsStatement } from 'sql.js';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Kysely,
} from 'kysely';
import { RaosError } from '../errors.js';
import type { SqlParam, Statement } from './journal.js';

export interface CommitSink {
  /** Records a committed transaction; the promise resolves when it is durable. Called with the mutex held. */
  commit(statements: Statement[]): Promise<void>;
  /** Throws if the store can no longer accept work (closed, or a journal write failed). */
  assertUsable(): void;
}

const STATEMENT_CACHE_SIZE = 256;

function toParam(value: unknown, sql: string): SqlParam {
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'number':
      return value;
    case 'boolean':
      return value ? 1 : 0;
    case 'bigint':
      return Number(value);
    default:
      if (value instanceof Uint8Array) return value;
      if (value instanceof Date) return value.toISOString();
      throw new RaosError('INTERNAL', `cannot bind a ${typeof value} parameter in: ${sql}`);
  }
}

/**
 * SQL whose result depends on when or where it runs. A journaled write is replayed from its text, so
 * such a write would give other rows on replay (and in the checkpoint worker) than it gave live.
 * Time and randomness come from TypeScript, as parameters.
 */
const NON_DETERMINISTIC =
  /\b(random|randomblob)\s*\(|\bcurrent_(timestamp|date|time)\b|'now'|\b(date|time|datetime|julianday|unixepoch|strftime)\s*\(\s*\)|\b(changes|total_changes|last_insert_rowid)\s*\(/i;

const verdicts = new Map<string, boolean>();

/** Refuses a write whose replay could differ from what it did live. */
export function assertDeterministic(sql: string): void {
  let ok = verdicts.get(sql);
  if (ok === undefined) {
    // String literals other than 'now' cannot change the verdict; drop them so text like 'random(' is fine.
    const code = sql.replace(/'(?:[^']|'')*'/g, (lit) => (lit.toLowerCase() === "'now'" ? lit : "''"));
    ok = !NON_DETERMINISTIC.test(code);
    if (verdicts.size < 10_000) verdicts.set(sql, ok);
  }
  if (!ok) {
    throw new RaosError(
      'INTERNAL',
      `refused a write whose result depends on when it runs (random(), 'now', CURRENT_TIMESTAMP, ...): ${sql}`,
      { hint: 'Compute times and random values in TypeScript and pass them as parameters, so journal replay gives the same rows.' },
    );
  }
}

const READ_RAW = /^\s*(select|explain)\b/i;
const READ_PRAGMA = /^\s*pragma\s+[\w.]+\s*(\(\s*[\w'"]*\s*\))?\s*;?\s*$/i;

/** True when a query cannot change the database, so it need not be journaled. */
export function isReadOnlyQuery(compiled: CompiledQuery): boolean {
  const kind = compiled.query?.kind;
  if (kind === 'SelectQueryNode') return true;
  if (kind === 'RawNode' || kind === undefined) return READ_RAW.test(compiled.sql) || READ_PRAGMA.test(compiled.sql);
  return false;
}

export class SqljsEngine {
  readonly db: Database;
  readonly #cache = new Map<string, SqlJsStatement>();

  constructor(db: Database) {
    this.db = db;
  }

  #prepare(sql: string): SqlJsStatement {
    let stmt = this.#cache.get(sql);
    if (stmt) {
      // Refresh recency.
      this.#cache.delete(sql);
      this.#cache.set(sql, stmt);
      return stmt;
    }
    stmt = this.db.prepare(sql);
    this.#cache.set(sql, stmt);
    if (this.#cache.size > STATEMENT_CACHE_SIZE) {
      const [oldest, old] = this.#cache.entries().next().value as [string, SqlJsStatement];
      this.#cache.delete(oldest);
      old.free();
    }
    return stmt;
  }

  /** Runs one statement and returns its rows (for SELECT and RETURNING) and the rows it changed. */
  run(sql: string, params: readonly SqlParam[]): { rows: Record<string, unknown>[]; changes: number } {
    const stmt = this.#prepare(sql);
    const rows: Record<string, unknown>[] = [];
    try {
      if (params.length) stmt.bind(params as SqlParam[]);
      while (stmt.step()) rows.push(stmt.getAsObject() as Record<string, unknown>);
    } finally {
      stmt.reset();
    }
    return { rows, changes: this.db.getRowsModified() };
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  lastInsertRowid(): number {
    return this.run('select last_insert_rowid() as id', []).rows[0].id as number;
  }

  freeStatements(): void {
    for (const stmt of this.#cache.values()) stmt.free();
    this.#cache.clear();
  }
}

/** A FIFO mutex for the one connection; `isFree` lets a read skip the queue when nobody holds it. */
class Mutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  get isFree(): boolean {
    return !this.#locked;
  }

  /** Resolves with the release function once every earlier holder has released. */
  lock(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.#locked = true;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          const next = this.#waiters.shift();
          if (next) next();
          else this.#locked = false;
        });
      };
      if (this.#locked) this.#waiters.push(grant);
      else grant();
    });
  }
}

class JournaledConnection implements DatabaseConnection {
  /** Statements of the open transaction; null outside a transaction. */
  tx: Statement[] | null = null;
  #release: (() => void) | null;
  readonly #engine: SqljsEngine;
  readonly #sink: CommitSink;

  constructor(engine: SqljsEngine, sink: CommitSink, release: () => void) {
    this.#engine = engine;
    this.#sink = sink;
    this.#release = release;
  }

  get released(): boolean {
    return this.#release === null;
  }

  release(): void {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    this.#sink.assertUsable();
    const params = compiled.parameters.map((p) => toParam(p, compiled.sql));
    const readOnly = isReadOnlyQuery(compiled);
    if (!readOnly) assertDeterministic(compiled.sql);
    const { rows, changes } = this.#engine.run(compiled.sql, params);
    if (!readOnly) {
      if (this.tx) this.tx.push([compiled.sql, params]);
      // A write outside a transaction commits on its own: journal it before answering.
      else await this.#sink.commit([[compiled.sql, params]]);
    }
    const isInsert = compiled.query?.kind === 'InsertQueryNode';
    return {
      rows: rows as R[],
      ...(readOnly ? {} : { numAffectedRows: BigInt(changes) }),
      ...(isInsert ? { insertId: BigInt(this.#engine.lastInsertRowid()) } : {}),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new RaosError('INTERNAL', 'streaming queries are not supported by the sql.js driver');
  }
}

export class JournaledDriver implements Driver {
  readonly #engine: SqljsEngine;
  readonly #sink: CommitSink;
  readonly #mutex = new Mutex();

  constructor(engine: SqljsEngine, sink: CommitSink) {
    this.#engine = engine;
    this.#sink = sink;
  }

  async init(): Promise<void> {}

  /**
   * Runs a read-only statement without Kysely's connection machinery: at once when no transaction
   * holds the connection (sql.js is synchronous, so nothing can interleave), else after it.
   */
  async read<R>(sql: string, params: readonly SqlParam[]): Promise<R[]> {
    this.#sink.assertUsable();
    if (this.#mutex.isFree) return this.#engine.run(sql, params).rows as R[];
    const release = await this.#mutex.lock();
    try {
      return this.#engine.run(sql, params).rows as R[];
    } finally {
      release();
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    return new JournaledConnection(this.#engine, this.#sink, release);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    this.#sink.assertUsable();
    this.#engine.exec('BEGIN');
    (connection as JournaledConnection).tx = [];
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as JournaledConnection;
    this.#engine.exec('COMMIT');
    const statements = conn.tx ?? [];
    conn.tx = null;
    if (statements.length === 0) return;
    const durable = this.#sink.commit(statements);
    // Let the next transaction run while this one waits for its fsync (group commit).
    conn.release();
    await durable;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as JournaledConnection;
    conn.tx = null;
    // After COMMIT the mutex may belong to another transaction: never roll back on its behalf.
    if (conn.released) return;
    try {
      this.#engine.exec('ROLLBACK');
    } catch {
      // SQLite may already have rolled back (e.g. after a constraint failure with ON CONFLICT ROLLBACK).
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as JournaledConnection).release();
  }

  async destroy(): Promise<void> {}
}

export class JournaledDialect implements Dialect {
  readonly #driver: JournaledDriver;

  constructor(driver: JournaledDriver) {
    this.#driver = driver;
  }

  createDriver(): Driver {
    return this.#driver;
  }

  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }

  createAdapter() {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db);
  }
}
