/**
 * The output side of a site build: the manifest that makes builds incremental, and file writes that
 * never leave a half-written file behind.
 *
 * The manifest (`<outDir>/.raos-build.json`) maps each output path to two hashes: of the output's inputs
 * (decides whether it must be rendered at all) and of the bytes last written (decides whether a rendered
 * output must be written). Only paths listed there are ever deleted, so the user's own files in outDir stay.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isSafeOutputPath } from './paths.js';

export const MANIFEST_FILE = '.raos-build.json';
const MANIFEST_VERSION = 1;

/** [input hash, output bytes hash] per output path. */
export type ManifestEntries = Map<string, [string, string]>;

export type ManifestStatus = 'used' | 'missing' | 'corrupt' | 'forced';

/** Reads the manifest; anything missing, unreadable or malformed yields null (a full build, never an error). */
export interface ManifestRead {
  entries: ManifestEntries | null;
  status: 'used' | 'missing' | 'corrupt';
  /** The file as read, so an unchanged manifest need not be written again. */
  text?: string;
}

export async function readManifest(outDir: string): Promise<ManifestRead> {
  let text: string;
  try {
    text = await readFile(join(outDir, MANIFEST_FILE), 'utf8');
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
    return { entries, status: 'used', text };
  } catch {
    return { entries: null, status: 'corrupt', text };
  }
}

/**
 * Writes the manifest unless `previous` (the text read at the start) is already identical, so a build that
 * changes nothing touches nothing. `order` lists the paths in a stable order (the plan's); entries it
 * misses follow, sorted.
 */
export async function writeManifest(
  files: OutputFiles,
  entries: ManifestEntries,
  { order = [], previous }: { order?: string[]; previous?: string } = {},
): Promise<void> {
  const outputs: Record<string, [string, string]> = {};
  for (const path of order) {
    const entry = entries.get(path);
    if (entry) outputs[path] = entry;
  }
  for (const path of [...entries.keys()].filter((p) => !(p in outputs)).sort()) outputs[path] = entries.get(path)!;
  const text = `${JSON.stringify({ version: MANIFEST_VERSION, generator: 'raos', outputs })}\n`;
  if (text !== previous) await files.write(MANIFEST_FILE, Buffer.from(text));
}

/** Writes and deletes files under one outDir, creating folders once and pruning the ones deletes empty. */
export class OutputFiles {
  readonly #outDir: string;
  readonly #dirs = new Map<string, Promise<unknown>>();
  readonly #tmpPrefix = `.raos-${process.pid}-${randomBytes(4).toString('hex')}-`;
  #counter = 0;

  constructor(outDir: string) {
    this.#outDir = outDir;
  }

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
  async write(path: string, bytes: Buffer): Promise<void> {
    const file = join(this.#outDir, path);
    const dir = dirname(file);
    await this.#ensureDir(dir);
    const tmp = join(dir, `${this.#tmpPrefix}${this.#counter++}.tmp`);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Deletes an output (already gone is fine) and then every parent folder it leaves empty, up to outDir. */
  async delete(path: string): Promise<void> {
    await unlink(join(this.#outDir, path)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    const segments = path.split('/');
    for (let i = segments.length - 1; i > 0; i--) {
      const dir = join(this.#outDir, ...segments.slice(0, i));
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
