/**
 * The write-ahead journal beside each database file.
 *
 * sql.js keeps the database in memory, and exporting the whole file costs O(size). So each committed
 * transaction is appended here as one record (the statements it ran, with their parameters), fsynced,
 * and only then acknowledged. Opening a database replays the records written after its last checkpoint.
 *
 * Layout: segment files `<db>.journal-<NNNNNN>`, each starting with an 8-byte magic, then records:
 *   u32 LE payload length | u32 LE crc32(payload) | payload (UTF-8 JSON: {"l": lsn, "s": [[sql, params], ...]})
 * Log sequence numbers (lsn) increase by one per record across segments. A record that is cut short or
 * fails its checksum at the end of the newest segment is a torn tail (a crash mid-append): replay stops
 * before it. Anywhere else it is damage, reported with the file and offset.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir } from '../durable.js';
import { RaosError } from '../errors.js';

export const SEGMENT_MAGIC = Buffer.from('RAOSJNL1', 'ascii');
const HEADER_BYTES = 8;
/** A record larger than this is treated as damage rather than trusted (guards against a garbage length). */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export type SqlParam = string | number | null | Uint8Array;
export type Statement = [sql: string, params: SqlParam[]];

export interface JournalRecord {
  lsn: number;
  statements: Statement[];
}

export interface Segment {
  path: string;
  seq: number;
}

/** Segments of `dbPath`, oldest first. */
export function listSegments(dbPath: string): Segment[] {
  const dir = dirname(dbPath);
  const prefix = basename(dbPath) + '.journal-';
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && /^\d{6,}$/.test(f.slice(prefix.length)))
    .map((f) => ({ path: join(dir, f), seq: Number(f.slice(prefix.length)) }))
    .sort((a, b) => a.seq - b.seq);
}

export function segmentPath(dbPath: string, seq: number): string {
  return `${dbPath}.journal-${String(seq).padStart(6, '0')}`;
}

function encodeParam(p: unknown): unknown {
  if (p instanceof Uint8Array) return { $b: Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64') };
  return p;
}

function decodeParam(p: unknown): SqlParam {
  if (p !== null && typeof p === 'object' && typeof (p as { $b?: unknown }).$b === 'string') {
    return new Uint8Array(Buffer.from((p as { $b: string }).$b, 'base64'));
  }
  return p as SqlParam;
}

export function encodeRecord(record: JournalRecord): Buffer {
  const payload = Buffer.from(
    JSON.stringify({ l: record.lsn, s: record.statements.map(([sql, params]) => [sql, params.map(encodeParam)]) }),
    'utf8',
  );
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, HEADER_BYTES);
  return out;
}

export interface SegmentReadResult {
  records: JournalRecord[];
  /** Bytes of valid data (magic plus whole records); anything after it is a torn tail or damage. */
  validBytes: number;
  totalBytes: number;
  /** Why reading stopped before the end of the file, if it did. */
  stopReason?: string;
}

/** Reads every whole, checksummed record of one segment. Never throws for bad content; reports it. */
export function readSegment(path: string): SegmentReadResult {
  const buf = readFileSync(path);
  const records: JournalRecord[] = [];
  if (buf.length < SEGMENT_MAGIC.length) {
    return { records, validBytes: 0, totalBytes: buf.length, stopReason: buf.length ? 'short header' : undefined };
  }
  if (!buf.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) {
    return { records, validBytes: 0, totalBytes: buf.length, stopReason: 'not a raos journal (bad magic)' };
  }
  let off = SEGMENT_MAGIC.length;
  while (off < buf.length) {
    if (buf.length - off < HEADER_BYTES) return { records, validBytes: off, totalBytes: buf.length, stopReason: `record header cut short at byte ${off}` };
    const len = buf.readUInt32LE(off);
    const sum = buf.readUInt32LE(off + 4);
    if (len > MAX_RECORD_BYTES || off + HEADER_BYTES + len > buf.length) {
      return { records, validBytes: off, totalBytes: buf.length, stopReason: `record cut short at byte ${off}` };
    }
    const payload = buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
    if (crc32(payload) !== sum) {
      return { records, validBytes: off, totalBytes: buf.length, stopReason: `checksum mismatch at byte ${off}` };
    }
    let parsed: { l: number; s: [string, unknown[]][] };
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return { records, validBytes: off, totalBytes: buf.length, stopReason: `unreadable record at byte ${off}` };
    }
    records.push({ lsn: parsed.l, statements: parsed.s.map(([sql, params]) => [sql, params.map(decodeParam)]) });
    off += HEADER_BYTES + len;
  }
  return { records, validBytes: off, totalBytes: buf.length };
}

export interface ReplayPlan {
  records: JournalRecord[];
  segments: Segment[];
  /** Set when the newest segment ends in a torn tail: where the valid data ends. */
  tornTail?: { path: string; validBytes: number; totalBytes: number; reason: string };
}

/**
 * Collects the records after `afterLsn` from every segment, checking that sequence numbers follow on.
 * Damage anywhere but the tail of the newest segment is a STORAGE_CORRUPT error naming the file.
 */
export function planReplay(dbPath: string, afterLsn: number): ReplayPlan {
  const segments = listSegments(dbPath);
  const records: JournalRecord[] = [];
  let tornTail: ReplayPlan['tornTail'];
  let expected = afterLsn + 1;
  segments.forEach((segment, i) => {
    const isNewest = i === segments.length - 1;
    const result = readSegment(segment.path);
    if (result.stopReason) {
      if (!isNewest) {
        throw new RaosError('STORAGE_CORRUPT', `journal ${segment.path} is damaged: ${result.stopReason}`, {
          hint: 'Restore the workspace from a backup (`raos db backup`), or move the damaged file aside to open the database as of its last checkpoint.',
          details: { path: segment.path },
        });
      }
      tornTail = { path: segment.path, validBytes: result.validBytes, totalBytes: result.totalBytes, reason: result.stopReason };
    }
    for (const record of result.records) {
      if (record.lsn <= afterLsn) continue;
      if (record.lsn !== expected) {
        throw new RaosError(
          'STORAGE_CORRUPT',
          `journal ${segment.path} skips from record ${expected - 1} to ${record.lsn}`,
          { hint: 'A journal segment is missing; restore the workspace from a backup.', details: { path: segment.path } },
        );
      }
      records.push(record);
      expected++;
    }
  });
  return { records, segments, tornTail };
}


/** Creates an empty segment (magic only), durably. */
export function createSegment(path: string): void {
  const fd = openSync(path, 'wx');
  try {
    writeSync(fd, SEGMENT_MAGIC);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(dirname(path));
}

interface Pending {
  bytes: Buffer;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Appends records to the newest segment with group commit: records that arrive while an fsync is in
 * flight are written together and share the next fsync. A failed write or fsync fails every record
 * in the batch and every later one (the writer is then broken: memory and disk may differ).
 */
export class JournalWriter {
  #handle: FileHandle | null = null;
  #path: string;
  #bytes: number;
  #queue: Pending[] = [];
  #flushing: Promise<void> | null = null;
  #failure: unknown = null;
  #closed = false;
  /** fsyncs issued, for status and benchmarks. */
  syncs = 0;

  private constructor(path: string, bytes: number) {
    this.#path = path;
    this.#bytes = bytes;
  }

  static async open(path: string): Promise<JournalWriter> {
    if (!existsSync(path)) createSegment(path);
    const writer = new JournalWriter(path, statSync(path).size);
    writer.#handle = await open(path, 'a');
    return writer;
  }

  get path(): string {
    return this.#path;
  }

  /** Bytes in the current segment, including queued records. */
  get bytes(): number {
    return this.#bytes;
  }

  get broken(): unknown {
    return this.#failure;
  }

  /** Queues a record; the promise resolves once it is on disk. */
  append(bytes: Buffer): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new RaosError('UNAVAILABLE', 'the journal is closed'));
    this.#bytes += bytes.length;
    const done = new Promise<void>((resolve, reject) => this.#queue.push({ bytes, resolve, reject }));
    if (!this.#flushing) this.#flushing = this.#flushLoop();
    return done;
  }

  /** Resolves when every queued record is durable. */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /**
   * Switches appends to a new segment at `path`. The switch happens between two flushes, so every
   * record in the old segment is durable and no record lands there afterwards. Resolves after the switch.
   */
  async rotate(path: string): Promise<void> {
    createSegment(path);
    const handle = await open(path, 'a');
    await new Promise<void>((resolve) => {
      this.#swap = { handle, path, resolve };
      if (!this.#flushing) this.#applySwap();
    });
  }

  #swap: { handle: FileHandle; path: string; resolve(): void } | null = null;

  #applySwap(): void {
    const swap = this.#swap;
    if (!swap) return;
    this.#swap = null;
    const old = this.#handle;
    this.#handle = swap.handle;
    this.#path = swap.path;
    // Records queued but not yet written move with the switch: count them in the new segment.
    this.#bytes = SEGMENT_MAGIC.length + this.#queue.reduce((n, p) => n + p.bytes.length, 0);
    void old?.close();
    swap.resolve();
  }

  async #flushLoop(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        this.#applySwap();
        const batch = this.#queue;
        this.#queue = [];
        try {
          const handle = this.#handle!;
          const data = batch.length === 1 ? batch[0].bytes : Buffer.concat(batch.map((p) => p.bytes));
          let written = 0;
          while (written < data.length) {
            const { bytesWritten } = await handle.write(data, written, data.length - written);
            written += bytesWritten;
          }
          await handle.datasync();
          this.syncs++;
          for (const p of batch) p.resolve();
        } catch (err) {
          this.#failure = new RaosError('INTERNAL', `journal write failed (${this.#path}): ${(err as Error).message}`, {
            cause: err,
            hint: 'Check free disk space and permissions; restart the process to recover from the journal.',
          });
          for (const p of batch) p.reject(this.#failure);
          for (const p of this.#queue) p.reject(this.#failure);
          this.#queue = [];
        }
      }
    } finally {
      this.#flushing = null;
      this.#applySwap();
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.#closed = true;
    await this.#handle?.close();
    this.#handle = null;
  }
}
