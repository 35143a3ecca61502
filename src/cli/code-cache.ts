/**
 * Loads the CLI bundle (dist/cli.cjs) with V8's code cache, as Node 22's module.enableCompileCache()
 * would: the first run compiles the bundle and, when it exits, saves the compiled code of every
 * function it ran; later runs deserialise that instead of parsing and compiling again. On Node 20 the
 * only public way to hand V8 cached code is vm.Script's `cachedData`, so this compiles the CommonJS
 * wrapper itself and registers the result in require.cache, where oclif's `require` of the same file
 * finds it.
 *
 * The cache is a file per bundle content (its CRC-32 and length), Node version and architecture, in
 * `$RAOS_COMPILE_CACHE`, else `$XDG_CACHE_HOME/raos`, else `~/.cache/raos`. V8 checks the rest (its
 * version and flags) and rejects data that does not fit: the bundle is then compiled as usual and the
 * file written again. `RAOS_COMPILE_CACHE=0` turns the cache off. A folder that another user owns or
 * may write to is never used: cached code runs as the user.
 *
 * Bundled by tsup as its own entry (dist/cli/code-cache.js): bin/run.js loads it before the bundle.
 */
import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';

/** Cache files kept per folder; older ones (earlier builds or versions) are deleted. */
const KEEP = 4;

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the cache lives; default from the environment (see above). `null`: no cache. */
  cacheDir?: string | null;
  /** Saves the cache when the process exits (default); tests call the returned `save()` instead. */
  saveOnExit?: boolean;
}

export interface Loaded {
  exports: Record<string, unknown>;
  /** The cache file, when caching is on. */
  cacheFile?: string;
  /** `hit`: V8 took the cached code; `miss`: none was there; `rejected`: V8 refused it; `off`. */
  cache: 'hit' | 'miss' | 'rejected' | 'off';
  /** Writes the cache file now (if the run did not use one). Returns whether it wrote. */
  save(): boolean;
}

/** The cache folder from the environment, or null when caching is off or has no safe place. */
export function cacheDirFrom(env: NodeJS.ProcessEnv = process.env): string | null {
  const setting = env.RAOS_COMPILE_CACHE;
  if (setting !== undefined && /^(0|off|false|no)$/i.test(setting.trim())) return null;
  if (setting) return setting;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'raos');
  let home: string;
  try {
    home = homedir();
  } catch {
    return null;
  }
  return home ? join(home, '.cache', 'raos') : null;
}

/** Makes `dir` (0700) and checks it is ours and not writable by others. */
function usableDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (!st.isDirectory()) return false;
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return false;
    return (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function readCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    if (!st.isFile() || (typeof process.getuid === 'function' && st.uid !== process.getuid())) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeCache(file: string, data: Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // It was never written.
    }
    return;
  }
  // Keep the newest few cache files of this bundle name.
  try {
    const dir = dirname(file);
    const prefix = basename(file).split('.')[0] + '.';
    const files = readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.v8'))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(KEEP)) unlinkSync(join(dir, f));
  } catch {
    // Another process pruned first.
  }
}

/**
 * Code restored from V8's code cache cannot call `import()` on Node 20 (V8 hands Node the host options
 * of the process that made the cache, and Node refuses the call), so the bundle gets this function as
 * `__raosImport`, next to `require`: src/kernel/import-esm.ts uses it. It must not resolve relative
 * paths: it would resolve them from this file.
 */
const importFromHere = (specifier: string): Promise<unknown> => import(specifier);

/** The CommonJS wrapper, with `__raosImport` after Node's five arguments. */
const wrap = (source: string) =>
  `(function (exports, require, module, __filename, __dirname, __raosImport) { ${source}\n});`;

/** Loads the CommonJS file `file` (once per process, like require) through the code cache. */
export function loadWithCodeCache(file: string, options: LoadOptions = {}): Loaded {
  const cached = (Module as unknown as { _cache: Record<string, Module | undefined> })._cache[file];
  if (cached?.loaded) return { exports: cached.exports, cache: 'off', save: () => false };

  const bytes = readFileSync(file);
  // esbuild writes ASCII; reading it as latin1 is then exact and several times faster than UTF-8.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const dir = options.cacheDir === undefined ? cacheDirFrom(options.env) : options.cacheDir;
  const name = basename(file).replace(/\.[^.]*$/, '');
  const cacheFile =
    dir && usableDir(dir)
      ? join(dir, `${name}.${crc32(bytes).toString(16)}-${bytes.length}.${process.version}-${process.arch}.v8`)
      : undefined;
  const cachedData = cacheFile ? readCache(cacheFile) : undefined;

  // No importModuleDynamically: import() fails the same way whether the cache was used or not.
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  const cache: Loaded['cache'] = !cacheFile ? 'off' : !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';

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
    if (saved || !cacheFile || cache === 'hit') return false;
    saved = true;
    // After the run, so the data holds every function the command compiled, not only the top level.
    writeCache(cacheFile, script.createCachedData());
    return true;
  };
  if (cacheFile && cache !== 'hit' && options.saveOnExit !== false) process.once('exit', save);
  return { exports: mod.exports as Record<string, unknown>, cacheFile, cache, save };
}
