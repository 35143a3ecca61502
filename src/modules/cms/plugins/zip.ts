/**
 * Plugin packages: a `.zip` holding `plugin.json` and the plugin's JavaScript. A zip is untrusted
 * input, so `readPluginZip` reads and checks ALL of it in memory (paths, entry types, counts, sizes
 * counted while inflating, plugin.json) before anything touches the disk; `writePluginFiles` then
 * writes the checked files into a temporary sibling folder and renames it into place.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { RaosError, conflict, invalidInput } from '../../../kernel/errors.js';
import { parseManifest, type PluginManifest } from './manifest.js';

export interface ZipLimits {
  /** Most entries (files and folders) in the archive. Default 200. */
  maxFiles: number;
  /** Most uncompressed bytes of all files together, counted while inflating. Default 10 MiB. */
  maxBytes: number;
  /** Most uncompressed bytes of one file, counted while inflating. Default 5 MiB. */
  maxFileBytes: number;
  /**
   * Highest compression ratio (uncompressed / compressed) of one entry, the zip bomb guard. Checked on
   * entries above 64 KiB only: small files of repeated text compress that well quite innocently.
   * Default 100.
   */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = Object.freeze({
  maxFiles: 200,
  maxBytes: 10 * 1024 * 1024,
  maxFileBytes: 5 * 1024 * 1024,
  maxRatio: 100,
});

/** Entries at most this big are not held to maxRatio. */
const RATIO_GRACE_BYTES = 64 * 1024;
const MAX_PATH_LENGTH = 512;

export interface PluginFile {
  /** Relative path with `/` separators, the common top folder (if any) stripped. */
  path: string;
  data: Buffer;
}

export interface PluginArchive {
  manifest: PluginManifest;
  files: PluginFile[];
  /** Sum of the files' sizes. */
  totalBytes: number;
  /** SHA-256 (hex) of the zip's bytes as uploaded. */
  sha256: string;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

function refuse(entry: string | undefined, rule: string, hint: string): RaosError {
  return invalidInput(entry === undefined ? `plugin zip: ${rule}` : `plugin zip: entry '${entry}': ${rule}`, {
    hint,
    details: entry === undefined ? undefined : { entry },
  });
}

const PATH_HINT = 'Zip the plugin folder itself: relative paths with / only, no .. segments, no links';

/** Why a path (as written in the zip) is not acceptable, or undefined when it is. */
export function pathProblem(name: string): string | undefined {
  if (name.length === 0) return 'has an empty name';
  if (name.length > MAX_PATH_LENGTH) return `has a name longer than ${MAX_PATH_LENGTH} characters`;
  if (name.includes('\0')) return 'has a NUL character in its name';
  if (/[\x01-\x1f\x7f]/.test(name)) return 'has a control character in its name';
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'is an absolute path';
  if (name.includes('\\')) return 'has a backslash in its name (zip paths use /)';
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.includes('..')) return 'has a .. segment (it would land outside the plugin folder)';
  if (segments.includes('.') || segments.includes('')) return 'has an empty or . segment';
  return undefined;
}

function decodeName(entry: yauzl.Entry): string {
  const raw = entry.fileNameRaw;
  const isUtf8 = (entry.generalPurposeBitFlag & 0x800) !== 0;
  if (isUtf8) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw refuse(raw.toString('latin1'), 'has a name that is not valid UTF-8', PATH_HINT);
    }
  }
  if (raw.some((b) => b >= 0x80)) {
    throw refuse(raw.toString('latin1'), 'has a non-ASCII name and the zip does not mark it as UTF-8', 'Re-create the zip with a tool that writes UTF-8 names, or rename the file');
  }
  return raw.toString('ascii');
}

function openZip(zip: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolvePromise, reject) => {
    // decodeStrings: false so every name is checked by pathProblem (yauzl would swap in the Info-ZIP
    // Unicode Path field and apply its own rules); sizes are counted by inflate() instead of yauzl.
    yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: false }, (err, zipfile) => {
      if (err || !zipfile) reject(refuse(undefined, `not a zip file (${err?.message ?? 'unreadable'})`, 'Upload a .zip made of the plugin folder'));
      else resolvePromise(zipfile);
    });
  });
}

function openStream(zipfile: yauzl.ZipFile, entry: yauzl.Entry, name: string): Promise<Readable> {
  return new Promise((resolvePromise, reject) => {
    zipfile.openReadStream(entry, (err, stream) => {
      if (err || !stream) reject(refuse(name, `cannot be read (${err?.message ?? 'no data'})`, 'Re-create the zip; the archive is damaged'));
      else resolvePromise(stream);
    });
  });
}

/** Inflates one entry, counting real bytes and stopping at the first one over a limit. */
async function inflate(
  zipfile: yauzl.ZipFile,
  entry: yauzl.Entry,
  name: string,
  limits: ZipLimits,
  bytesBefore: number,
): Promise<Buffer> {
  const stream = await openStream(zipfile, entry, name);
  const chunks: Buffer[] = [];
  let size = 0;
  const bombHint = 'The entry inflates far beyond its packed size or its declared size; a plugin never needs that (zip bomb guard)';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > entry.uncompressedSize) {
        throw refuse(name, `inflates past the ${entry.uncompressedSize} bytes its header declares; stopped after ${size} bytes`, bombHint);
      }
      if (size > limits.maxFileBytes) {
        throw refuse(name, `is larger than ${limits.maxFileBytes} bytes; stopped after ${size} bytes`, 'Keep each plugin file under the limit (cms.plugins limits)');
      }
      if (bytesBefore + size > limits.maxBytes) {
        throw refuse(name, `takes the archive past ${limits.maxBytes} uncompressed bytes; stopped after ${bytesBefore + size} bytes`, 'Make the plugin smaller: leave out tests, sources and images');
      }
      if (size > RATIO_GRACE_BYTES && size / Math.max(1, entry.compressedSize) > limits.maxRatio) {
        throw refuse(name, `inflates more than ${limits.maxRatio} times its packed size; stopped after ${size} bytes`, bombHint);
      }
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  if (size !== entry.uncompressedSize) {
    throw refuse(name, `inflates to ${size} bytes but its header declares ${entry.uncompressedSize}`, 'Re-create the zip; the archive is damaged');
  }
  return Buffer.concat(chunks, size);
}

function nextEntry(zipfile: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolvePromise, reject) => {
    const cleanup = () => {
      zipfile.off('entry', onEntry);
      zipfile.off('end', onEnd);
      zipfile.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolvePromise(entry);
    };
    const onEnd = () => {
      cleanup();
      resolvePromise(undefined);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(refuse(undefined, `damaged zip (${err.message})`, 'Re-create the zip'));
    };
    zipfile.on('entry', onEntry);
    zipfile.on('end', onEnd);
    zipfile.on('error', onError);
    zipfile.readEntry();
  });
}

/**
 * Reads and checks a plugin zip entirely in memory. Refuses (INVALID_INPUT naming the entry and the
 * rule) unsafe paths (`..`, absolute, backslashes, NUL), links and other non-regular entries,
 * duplicates (also differing only in case), encrypted entries, more than `maxFiles` entries, sizes
 * or ratios over the limits (counted on the real inflated bytes: headers can lie), and a missing or
 * invalid `plugin.json` or entry file. `plugin.json` may sit at the root or in one top folder.
 */
export async function readPluginZip(zip: Buffer, limits: Partial<ZipLimits> = {}): Promise<PluginArchive> {
  const lim: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
  const sha256 = createHash('sha256').update(zip).digest('hex');
  const zipfile = await openZip(zip);
  const files: PluginFile[] = [];
  const seen = new Map<string, string>(); // lower-cased path -> path as written
  const dirs = new Set<string>(); // lower-cased folder paths implied by files and folder entries
  let totalBytes = 0;
  try {
    if (zipfile.entryCount > lim.maxFiles) {
      throw refuse(undefined, `has ${zipfile.entryCount} entries, more than the limit of ${lim.maxFiles}`, 'Bundle the plugin into fewer files');
    }
    for (let entry = await nextEntry(zipfile); entry; entry = await nextEntry(zipfile)) {
      const name = decodeName(entry);
      const problem = pathProblem(name);
      if (problem) throw refuse(name, problem, PATH_HINT);
      // macOS Finder adds resource forks under __MACOSX/; they are never part of a plugin.
      if (name === '__MACOSX/' || name.startsWith('__MACOSX/')) continue;

      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      const isDir = name.endsWith('/');
      if (mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) {
        const kind = mode === 0o120000 ? 'a symbolic link' : `a special file (mode ${mode.toString(8)})`;
        throw refuse(name, `is ${kind}; only regular files and folders are allowed`, PATH_HINT);
      }
      if ((mode === S_IFDIR) !== isDir && mode !== 0) {
        throw refuse(name, 'has a folder name but a file type, or the reverse', 'Re-create the zip; the archive is damaged');
      }
      if (entry.isEncrypted()) throw refuse(name, 'is encrypted', 'Zip the plugin without a password');
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw refuse(name, `uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are read`, 'Re-create the zip with standard deflate compression');
      }

      const path = name.replace(/\/$/, '');
      const key = path.toLowerCase();
      const earlier = seen.get(key);
      if (earlier !== undefined || (!isDir && dirs.has(key))) {
        throw refuse(name, earlier === undefined || earlier === path ? 'appears twice' : `clashes with '${earlier}' (names differ only in case)`, 'Keep one entry per path; names must differ by more than case');
      }
      const parts = key.split('/');
      for (let i = 1; i < parts.length; i++) {
        const ancestor = parts.slice(0, i).join('/');
        const clash = seen.get(ancestor);
        if (clash !== undefined && !dirs.has(ancestor)) {
          throw refuse(name, `sits under '${clash}', which is a file`, 'Keep one entry per path');
        }
        dirs.add(ancestor);
      }
      seen.set(key, path);
      if (isDir) {
        dirs.add(key);
        continue;
      }

      if (entry.uncompressedSize > lim.maxFileBytes) {
        throw refuse(name, `declares ${entry.uncompressedSize} bytes, more than the limit of ${lim.maxFileBytes} per file`, 'Keep each plugin file under the limit');
      }
      if (totalBytes + entry.uncompressedSize > lim.maxBytes) {
        throw refuse(name, `takes the archive past ${lim.maxBytes} uncompressed bytes`, 'Make the plugin smaller: leave out tests, sources and images');
      }
      if (entry.uncompressedSize > RATIO_GRACE_BYTES && entry.uncompressedSize / Math.max(1, entry.compressedSize) > lim.maxRatio) {
        throw refuse(name, `declares a compression ratio over ${lim.maxRatio} (${entry.uncompressedSize} bytes from ${entry.compressedSize})`, 'A plugin never compresses that well; this looks like a zip bomb');
      }
      const data = await inflate(zipfile, entry, name, lim, totalBytes);
      totalBytes += data.length;
      files.push({ path, data });
    }
  } finally {
    zipfile.close();
  }

  const stripped = stripTopFolder(files);
  const manifestFile = stripped.find((f) => f.path === 'plugin.json');
  if (!manifestFile) {
    throw refuse(undefined, 'has no plugin.json at its root (or in a single top folder)', 'Put plugin.json beside the entry file and zip that folder');
  }
  let json: unknown;
  try {
    json = JSON.parse(manifestFile.data.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw invalidInput(`plugin.json: not valid JSON (${(err as Error).message})`, { hint: 'Check plugin.json with a JSON validator' });
  }
  const manifest = parseManifest(json, 'plugin.json');
  if (!stripped.some((f) => f.path === manifest.entry)) {
    throw invalidInput(`plugin.json: entry: '${manifest.entry}' is not in the archive`, {
      hint: 'Set entry to the path of the main .js file, relative to plugin.json',
      details: { entry: manifest.entry },
    });
  }
  return { manifest, files: stripped, totalBytes, sha256 };
}

/** `myplugin/plugin.json` + `myplugin/index.js` → `plugin.json` + `index.js`, when nothing else is at the root. */
function stripTopFolder(files: PluginFile[]): PluginFile[] {
  if (files.some((f) => f.path === 'plugin.json') || files.length === 0) return files;
  const top = files[0].path.split('/')[0];
  const prefix = `${top}/`;
  if (!files.every((f) => f.path.startsWith(prefix))) return files;
  if (!files.some((f) => f.path === `${prefix}plugin.json`)) return files;
  return files.map((f) => ({ path: f.path.slice(prefix.length), data: f.data }));
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a checked archive's files to `destDir`, which must not exist (CONFLICT otherwise). The files
 * go into `destDir.tmp-<random>` first, are fsynced, and the folder is renamed into place; on any
 * failure the temporary folder is removed and `destDir` is not created.
 */
export async function writePluginFiles(archive: PluginArchive, destDir: string): Promise<void> {
  const dest = resolve(destDir);
  if (await exists(dest)) {
    throw conflict(`the plugin folder ${dest} exists already`, { hint: 'Uninstall the plugin first, or remove the folder' });
  }
  for (const file of archive.files) {
    const problem = pathProblem(file.path) ?? (file.path.endsWith('/') ? 'is a folder name' : undefined);
    if (problem || !inside(dest, resolve(dest, file.path))) {
      throw invalidInput(`plugin file '${file.path}' ${problem ?? 'resolves outside the plugin folder'}`, { hint: PATH_HINT });
    }
  }
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
  await mkdir(tmp);
  try {
    const folders = new Set<string>([tmp]);
    for (const file of archive.files) {
      const target = resolve(tmp, file.path);
      if (!inside(tmp, target)) throw invalidInput(`plugin file '${file.path}' resolves outside the plugin folder`, { hint: PATH_HINT });
      const parent = dirname(target);
      if (!folders.has(parent)) {
        await mkdir(parent, { recursive: true });
        for (let d = parent; d !== tmp && inside(tmp, d); d = dirname(d)) folders.add(d);
      }
      // 'wx': never follows or replaces anything already there.
      const handle = await open(target, 'wx', 0o644);
      try {
        await handle.writeFile(file.data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const folder of folders) await fsyncPath(folder);
    if (await exists(dest)) {
      throw conflict(`the plugin folder ${dest} appeared while the plugin was being written`, { hint: 'Retry once the other install has finished' });
    }
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await fsyncPath(dirname(dest)).catch(() => undefined);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
