/**
 * The output side of a site build: the manifest that makes builds incremental, and file writes that
 * never leave a half-written file behind.
 *
 * The manifest (`<outDir>/.raos-build.json`) maps each output path to two hashes: of the output's inputs
 * (decides whether it must be rendered at all) and of the bytes last written (decides whether a rendered
 * output must be written). Only paths listed there are ever deleted, so the user's own files in outDir stay.
 */
import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { mkdir, open, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isSafeOutputPath } from './paths.js';

export const MANIFEST_FILE = '.raos-build.json';
const MANIFEST_VERSION = 1;

/** [input hash, output bytes hash]. */
export type ManifestEntry = readonly [string, string];
/** An entry per output path; an entry is replaced, never changed in place. */
export type ManifestEntries = Map<string, ManifestEntry>;

export type ManifestStatus = 'used' | 'missing' | 'corrupt' | 'forced';

/** Reads the manifest; anything missing, unreadable or malformed yields null (a full build, never an error). */
export interface ManifestRead {
  entries: ManifestEntries | null;
  status: 'used' | 'missing' | 'corrupt';
  /** The file as read from disk, so an unchanged manifest need not be written again. */
  text?: string;
  /** The identity of the file the entries came from (see stampOf). */
  stamp?: string;
  /** Set when the entries are the ones this process last wrote: the order they were written in. */
  order?: readonly string[];
}

/**
 * The last manifest of each outDir this process read or wrote, so a rebuild in the daemon neither reads
 * nor parses 10,000 entries. It is used only while the file still has the identity it had then (device,
 * inode, size, mtime and ctime to the nanosecond): a manifest replaced or edited by anyone else is read
 * again. A build takes its outDir's entry (and mutates the map); saveManifest gives it back.
 */
const kept = new Map<string, { entries: ManifestEntries; stamp: string; order: readonly string[] }>();
const KEPT_DIRS = 8;

function stampOf(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

function keep(outDir: string, entries: ManifestEntries, stamp: string | undefined, order: readonly string[]): void {
  kept.delete(outDir);
  if (stamp === undefined) return;
  kept.set(outDir, { entries, stamp, order });
  if (kept.size > KEPT_DIRS) kept.delete(kept.keys().next().value!);
}

/**
 * The manifest of outDir: the one kept in memory while the file is still the one it was written to (or
 * read from), else the file read again. The caller owns the entries (they are no longer kept) until it
 * hands them to saveManifest.
 */
export async function loadManifest(outDir: string): Promise<ManifestRead> {
  const mine = kept.get(outDir);
  if (mine) {
    kept.delete(outDir);
    const info = await stat(join(outDir, MANIFEST_FILE), { bigint: true }).catch(() => undefined);
    if (info && stampOf(info) === mine.stamp) return { entries: mine.entries, status: 'used', stamp: mine.stamp, order: mine.order };
  }
  return readManifest(outDir);
}

export async function readManifest(outDir: string): Promise<ManifestRead> {
  let text: string;
  let stamp: string;
  try {
    // The stamp from the handle the text is read through, so it names exactly this content.
    const handle = await open(join(outDir, MANIFEST_FILE), 'r');
    try {
      stamp = stampOf(await handle.stat({ bigint: true }));
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return { entries: null, status: 'missing' };
  }
  try {
    const data = JSON.parse(text) as { version?: unknown; outputs?: unknown };
    if (data?.version !== MANIFEST_VERSION || typeof data.outputs !== 'object' || data.outputs === null) throw new Error('shape');
    const entries: ManifestEntries = new Map();
    for (const [path, value] of Object.entries(data.outputs as Record<string, unknown>)) {
      if (!isSafeOutputPath(path) || path === MANIFEST_FILE) throw new Error(`path ${path}`);
      if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') {
        throw new Error(`entry ${path}`);
      }
      entries.set(path, [value[0], value[1]]);
    }
    return { entries, status: 'used', text, stamp };
  } catch {
    return { entries: null, status: 'corrupt', text, stamp };
  }
}

/**
 * The manifest's text in blocks of MANIFEST_BLOCK entries, per entries map: a block whose paths and entries
 * are the ones it was made from is not made again, so saving a manifest after a few outputs changed
 * costs the blocks they are in. (Entries are replaced, never changed in place: see ManifestEntries.)
 */
const manifestBlocks = new WeakMap<ManifestEntries, { paths: string[]; entries: ManifestEntry[]; text: string }[]>();
const MANIFEST_BLOCK = 128;

/**
 * The manifest's text: `{"version":1,"generator":"raos","outputs":{path: [in, out], ...}}`, written out by
 * hand (the same text JSON.stringify gives, without building an object of 10,000 keys first). Undefined
 * when `keys` names a path that has no entry.
 */
function manifestText(entries: ManifestEntries, keys: readonly string[]): string | undefined {
  const before = manifestBlocks.get(entries) ?? [];
  const blocks: typeof before = [];
  for (let start = 0; start < keys.length; start += MANIFEST_BLOCK) {
    const end = Math.min(keys.length, start + MANIFEST_BLOCK);
    const known = before[blocks.length] as (typeof before)[number] | undefined;
    let same = known !== undefined && known.paths.length === end - start;
    const list: ManifestEntry[] = new Array(end - start);
    for (let i = start; i < end; i++) {
      const entry = entries.get(keys[i]);
      if (entry === undefined) return undefined;
      list[i - start] = entry;
      if (same) same = known!.entries[i - start] === entry && known!.paths[i - start] === keys[i];
    }
    if (same) {
      blocks.push(known!);
      continue;
    }
    const paths = keys.slice(start, end);
    const text = paths.map((path, i) => `${JSON.stringify(path)}:[${JSON.stringify(list[i][0])},${JSON.stringify(list[i][1])}]`).join(',');
    blocks.push({ paths, entries: list, text });
  }
  manifestBlocks.set(entries, blocks);
  return `{"version":${MANIFEST_VERSION},"generator":"raos","outputs":{${blocks.map((b) => b.text).join(',')}}}\n`;
}

function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Writes the manifest (temp + rename) unless it is unchanged: the entries are the ones loaded, untouched
 * (`changed` false) and in the same order, or the text is the one read. `order` lists the paths in a
 * stable order (the plan's); entries it misses follow, sorted. Keeps the entries in memory for the next build.
 */
export async function saveManifest(
  files: OutputFiles,
  entries: ManifestEntries,
  { order = [], previous, changed }: { order?: readonly string[]; previous: ManifestRead; changed: boolean },
): Promise<void> {
  if (previous.order && previous.entries === entries && !changed && sameOrder(previous.order, order)) {
    keep(files.outDir, entries, previous.stamp, previous.order);
    return;
  }
  let keys: readonly string[] = order;
  let text = order.length === entries.size ? manifestText(entries, order) : undefined;
  if (text === undefined) {
    const listed = order.filter((path) => entries.has(path));
    const seen = new Set(listed);
    keys = [...listed, ...[...entries.keys()].filter((path) => !seen.has(path)).sort()];
    text = manifestText(entries, keys)!;
  }
  const stamp = text === previous.text ? previous.stamp : await files.write(MANIFEST_FILE, Buffer.from(text), { stamp: true });
  keep(files.outDir, entries, stamp, keys);
}

/** Writes and deletes files under one outDir, creating folders once and pruning the ones deletes empty. */
export class OutputFiles {
  readonly #dirs = new Map<string, Promise<unknown>>();
  readonly #tmpPrefix = `.raos-${process.pid}-${randomBytes(4).toString('hex')}-`;
  #counter = 0;

  constructor(readonly outDir: string) {}

  #ensureDir(dir: string): Promise<unknown> {
    let made = this.#dirs.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      this.#dirs.set(dir, made);
    }
    return made;
  }

  /**
   * Writes to a temp file beside the target, then renames it over the target, so readers (and a crash)
   * see the old bytes or the new ones, never half. No fsync: a lost write after a power cut is repaired by
   * the next build (its bytes hash will not match), and fsync per file would cost seconds on big sites.
   */
  write(path: string, bytes: Buffer): Promise<undefined>;
  /** With `stamp`: the identity of the file written (see loadManifest), unless it was replaced at once. */
  write(path: string, bytes: Buffer, options: { stamp: true }): Promise<string | undefined>;
  async write(path: string, bytes: Buffer, options?: { stamp: true }): Promise<string | undefined> {
    const file = join(this.outDir, path);
    const dir = dirname(file);
    await this.#ensureDir(dir);
    const tmp = join(dir, `${this.#tmpPrefix}${this.#counter++}.tmp`);
    let ino: bigint | undefined;
    try {
      await writeFile(tmp, bytes);
      if (options?.stamp) ino = (await stat(tmp, { bigint: true })).ino;
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    if (ino === undefined) return undefined;
    // After the rename (which changes the ctime); a file that is no longer ours is not stamped.
    const info = await stat(file, { bigint: true }).catch(() => undefined);
    return info && info.ino === ino ? stampOf(info) : undefined;
  }

  /** Deletes an output (already gone is fine) and then every parent folder it leaves empty, up to outDir. */
  async delete(path: string): Promise<void> {
    await unlink(join(this.outDir, path)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    const segments = path.split('/');
    for (let i = segments.length - 1; i > 0; i--) {
      const dir = join(this.outDir, ...segments.slice(0, i));
      try {
        await rmdir(dir);
        this.#dirs.delete(dir);
      } catch {
        break; // not empty (or already gone, or in use): stop climbing
      }
    }
  }
}

/** Runs `task` over `items` with at most `limit` in flight; the first failure rejects (the rest still settle). */
export async function runPool<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        await task(items[index], index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
}
