/**
 * Loads the CLI bundle (dist/cli.cjs) with V8's code cache, as Node 22's module.enableCompileCache()
 * would: a run without a cache compiles the bundle and, when it exits, saves the compiled code of
 * every function it ran; later runs deserialise that instead of parsing and compiling again. On
 * Node 20 the only public way to hand V8 cached code is vm.Script's `cachedData`, so this compiles the
 * CommonJS wrapper itself and registers the result in require.cache, where oclif's `require` of the
 * same file finds it.
 *
 * Cached code is code: whoever can write the cache can run code as the user. So the cache is used only
 * where nobody else can write (see trustedDir), files are opened without following links and must be
 * the user's own, private and unlinked elsewhere, and each carries a checksum of its data: a damaged
 * file is ignored and replaced (V8 checks only a header and would crash on a damaged payload).
 *
 * One file per bundle content (CRC-32 and length), Node version, architecture, V8 options and
 * `variant` (the command's topic: `memory` and `cms` commands compile different code), in
 * `$RAOS_COMPILE_CACHE`, else `$XDG_CACHE_HOME/raos`, else `~/.cache/raos` (absolute paths only).
 * `RAOS_COMPILE_CACHE=0` turns it off; so does a platform without user ids (Windows).
 *
 * Built by tsup as its own entry (dist/cli/code-cache.js): bin/run.js loads it before the bundle.
 */
import { isAscii } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire, Module } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, parse, sep } from 'node:path';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';

/** Cache files kept of builds other than the running one (the running one's are all kept). */
const KEEP_OTHERS = 24;
/** Temp files of runs that died while writing are deleted after this long. */
const STALE_TEMP_MS = 10 * 60_000;
/** File header: magic, then u32 LE length and u32 LE CRC-32 of the V8 data that follows. */
const MAGIC = Buffer.from('RAOSV8C1');
const HEADER = MAGIC.length + 8;
/** Cache files are 1–2 MB; anything over this is refused unread. */
const MAX_BYTES = 64 * 2 ** 20;

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the cache lives; default from the environment (see above). `null`: no cache. */
  cacheDir?: string | null;
  /** Which cache file of the bundle: the command's topic. Default `other`. */
  variant?: string;
  /** Saves the cache when the process exits (default); tests call the returned `save()` instead. */
  saveOnExit?: boolean;
}

export interface Loaded {
  exports: Record<string, unknown>;
  /** The cache file, when caching is on. */
  cacheFile?: string;
  /**
   * `hit`: V8 took the cached code; `miss`: there was none; `rejected`: V8 refused it (another V8
   * or other flags); `damaged`: its checksum was wrong; `off`: no usable cache folder.
   */
  cache: 'hit' | 'miss' | 'rejected' | 'damaged' | 'off';
  /** Writes the cache file now (if the run did not use one). Returns whether it wrote. */
  save(): boolean;
}

/** The cache folder from the environment, or null when caching is off or has no safe place. */
export function cacheDirFrom(env: NodeJS.ProcessEnv = process.env): string | null {
  if (typeof process.geteuid !== 'function') return null;
  const setting = env.RAOS_COMPILE_CACHE;
  if (setting !== undefined && setting !== '') {
    if (/^(0|off|false|no)$/i.test(setting.trim())) return null;
    return isAbsolute(setting) ? setting : null;
  }
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'raos');
  let home: string;
  try {
    home = homedir();
  } catch {
    return null;
  }
  return home && isAbsolute(home) ? join(home, '.cache', 'raos') : null;
}

/** Owned by us or by root, and writable by nobody else unless sticky (as /tmp is). */
function safeAncestor(st: { uid: number; mode: number }, euid: number): boolean {
  if (st.uid !== euid && st.uid !== 0) return false;
  return (st.mode & 0o022) === 0 || (st.mode & 0o1000) !== 0;
}

/**
 * Whether the path as written can be trusted before anything in it is followed: every folder on the
 * way is safe (see safeAncestor), and every link on the way, the last part included, belongs to this
 * user or root. A link another user made (in their home, or in /tmp) must not steer where the cache
 * is made, written or pruned. Parts that do not exist yet are fine.
 */
function pathSafe(dir: string, euid: number): boolean {
  const { root } = parse(dir);
  if (!safeAncestor(lstatSync(root), euid)) return false;
  const parts = dir.slice(root.length).split(sep).filter(Boolean);
  let prefix = root;
  for (let i = 0; i < parts.length; i++) {
    prefix = join(prefix, parts[i]!);
    let link;
    try {
      link = lstatSync(prefix);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw err;
    }
    if (link.isSymbolicLink() && link.uid !== euid && link.uid !== 0) return false;
    if (i === parts.length - 1) return true;
    const st = link.isSymbolicLink() ? statSync(prefix) : link;
    if (!st.isDirectory() || !safeAncestor(st, euid)) return false;
  }
  return true;
}

/**
 * The real path of `dir` when nobody but this user (and root) can change what it holds: the path as
 * written passes pathSafe; the folder is ours, a directory, mode 0700; and every folder above its
 * real path is ours or root's and writable by nobody else (or sticky). Missing folders are made, 0700,
 * only below a folder that is ours: running as root with another user's HOME must not leave
 * root-owned folders in their home.
 */
export function trustedDir(dir: string): string | null {
  if (typeof process.geteuid !== 'function' || !isAbsolute(dir)) return null;
  const euid = process.geteuid();
  try {
    if (!pathSafe(dir, euid)) return null;
    const missing: string[] = [];
    let existing = dir;
    for (;;) {
      try {
        lstatSync(existing);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return null;
        missing.unshift(existing);
        const up = dirname(existing);
        if (up === existing) return null;
        existing = up;
      }
    }
    if (missing.length > 0) {
      if (statSync(existing).uid !== euid) return null;
      for (const folder of missing) {
        try {
          mkdirSync(folder, { mode: 0o700 });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return null;
        }
      }
      // Someone may have put a link where a folder was missing (a sticky /tmp allows that).
      if (!pathSafe(dir, euid)) return null;
    }
    const real = realpathSync(dir);
    const st = lstatSync(real);
    if (!st.isDirectory() || st.uid !== euid || (st.mode & 0o077) !== 0) return null;
    for (let up = dirname(real); ; up = dirname(up)) {
      if (!safeAncestor(lstatSync(up), euid)) return null;
      if (up === parse(up).root) break;
    }
    return real;
  } catch {
    return null;
  }
}

/** The V8 data of `file`, if it is ours, private, a regular file with one link, and intact. */
function readCache(file: string): { data?: Buffer; damaged?: boolean } {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a FIFO at this name must not hang the command (fstat then refuses it).
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.geteuid!() || st.nlink !== 1 || (st.mode & 0o077) !== 0) return {};
    // Far larger than any cache of this bundle: not one of ours.
    if (st.size > MAX_BYTES) return { damaged: true };
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off !== buf.length || buf.length < HEADER || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return { damaged: true };
    const length = buf.readUInt32LE(MAGIC.length);
    const data = buf.subarray(HEADER);
    if (data.length !== length || crc32(data) !== buf.readUInt32LE(MAGIC.length + 4)) return { damaged: true };
    return { data };
  } catch {
    return {};
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `data` to `file` in `dir` (a trusted real path) through a new private temp file. */
function writeCache(dir: string, file: string, data: Buffer, keep: (name: string) => boolean): boolean {
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    // wx: O_CREAT | O_EXCL, which never follows a link at that name.
    fd = openSync(temp, 'wx', 0o600);
    const header = Buffer.alloc(HEADER);
    MAGIC.copy(header);
    header.writeUInt32LE(data.length, MAGIC.length);
    header.writeUInt32LE(crc32(data), MAGIC.length + 4);
    writeSync(fd, header);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // It was never made.
    }
    return false;
  }
  prune(dir, keep);
  return true;
}

/** Deletes cache files of other builds beyond the newest KEEP_OTHERS, and stale temp files. */
function prune(dir: string, keep: (name: string) => boolean): void {
  try {
    const others: { path: string; t: number }[] = [];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.endsWith('.tmp') && name.startsWith('.cli.')) {
        if (Date.now() - lstatSync(path).mtimeMs > STALE_TEMP_MS) unlinkSync(path);
      } else if (name.startsWith('cli.') && name.endsWith('.v8') && !keep(name)) {
        others.push({ path, t: lstatSync(path).mtimeMs });
      }
    }
    others.sort((a, b) => b.t - a.t);
    for (const { path } of others.slice(KEEP_OTHERS)) unlinkSync(path);
  } catch {
    // Another process pruned first.
  }
}

/**
 * Code restored from V8's code cache cannot call `import()` on Node 20 (V8 hands Node the host options
 * of the process that made the cache, and Node refuses the call), so the bundle gets this function as
 * `__raosImport`, next to `require`: src/kernel/import-esm.ts uses it. It must not be given relative
 * paths: it would resolve them from this file.
 */
const importFromHere = (specifier: string): Promise<unknown> => import(specifier);

/** The CommonJS wrapper, with `__raosImport` after Node's five arguments, on the source's first line. */
const wrap = (source: string) =>
  `(function (exports, require, module, __filename, __dirname, __raosImport) { ${source}\n});`;

/** V8 options that change what it compiles (cache data made under others is refused). */
function optionsKey(env: NodeJS.ProcessEnv): string {
  return crc32(JSON.stringify([process.execArgv, env.NODE_OPTIONS ?? ''])).toString(16);
}

/** Loads the CommonJS file `file` (once per process, like require) through the code cache. */
export function loadWithCodeCache(file: string, options: LoadOptions = {}): Loaded {
  const cached = (Module as unknown as { _cache: Record<string, Module | undefined> })._cache[file];
  if (cached?.loaded) return { exports: cached.exports, cache: 'off', save: () => false };

  const env = options.env ?? process.env;
  const bytes = readFileSync(file);
  // The build makes the bundle ASCII (tsup.config.ts): latin1 is then exact and much faster than UTF-8.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const dirSetting = options.cacheDir === undefined ? cacheDirFrom(env) : options.cacheDir;
  const dir = dirSetting ? trustedDir(dirSetting) : null;
  const variant = options.variant && /^[a-z][a-z0-9-]{0,31}$/.test(options.variant) ? options.variant : 'other';
  const name = basename(file).replace(/\.[^.]*$/, '');
  const key = `${name}.${crc32(bytes).toString(16)}-${bytes.length}.${process.version}-${process.arch}-${optionsKey(env)}`;
  const cacheFile = dir ? join(dir, `${key}.${variant}.v8`) : undefined;
  const read = cacheFile ? readCache(cacheFile) : {};

  // No importModuleDynamically: import() fails the same way whether the cache was used or not.
  const script = new vm.Script(wrap(source), { filename: file, cachedData: read.data });
  const cache: Loaded['cache'] = !cacheFile
    ? 'off'
    : read.damaged
      ? 'damaged'
      : !read.data
        ? 'miss'
        : script.cachedDataRejected
          ? 'rejected'
          : 'hit';

  const mod = new Module(file, undefined) as Module & { filename: string; paths: string[]; loaded: boolean };
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  (Module as unknown as { _cache: Record<string, Module> })._cache[file] = mod;
  const require = createRequire(file);
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  try {
    wrapper.call(mod.exports, mod.exports, require, mod, file, dirname(file), importFromHere);
  } catch (err) {
    delete (Module as unknown as { _cache: Record<string, Module> })._cache[file];
    throw err;
  }
  mod.loaded = true;

  let saved = false;
  const save = (): boolean => {
    if (saved || !cacheFile || !dir || cache === 'hit') return false;
    saved = true;
    // Checked again: the folder may have changed while the command ran.
    if (trustedDir(dir) !== dir) return false;
    // After the run, so the data holds every function the command compiled, not only the top level.
    return writeCache(dir, cacheFile, script.createCachedData(), (n) => n.startsWith(`${key}.`));
  };
  if (cacheFile && cache !== 'hit' && options.saveOnExit !== false) process.once('exit', save);
  return { exports: mod.exports as Record<string, unknown>, cacheFile, cache, save };
}
