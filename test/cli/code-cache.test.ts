import {
  chmodSync,
  chownSync,
  lchownSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDirFrom, loadWithCodeCache, trustedDir, type LoadOptions } from '../../src/cli/code-cache.js';
import { useTempDirs } from '../helpers.js';

const tempDir = useTempDirs();
const requireCache = createRequire(import.meta.url).cache;
const loaded: string[] = [];
afterEach(() => {
  for (const file of loaded.splice(0)) delete requireCache[file];
});
const isRoot = process.geteuid?.() === 0;
/** uid and gid of `nobody`, for folders and files that belong to someone else (tests run as root). */
const NOBODY = 65534;

/** Writes a CommonJS "bundle" that uses what dist/cli.cjs uses: require, __filename, __raosImport. */
function bundle(dir: string, body = ''): string {
  writeFileSync(join(dir, 'helper.cjs'), 'exports.twice = (n) => n * 2;\n');
  const file = join(dir, 'cli.cjs');
  writeFileSync(
    file,
    `const path = require('node:path');
const { twice } = require('./helper.cjs');
exports.answer = twice(21);
exports.file = __filename;
exports.dir = __dirname;
exports.base = path.basename(__filename);
exports.load = (spec) => __raosImport(spec);
exports.nativeImport = () => import('node:os');
${body}`,
  );
  return file;
}

/**
 * The same bundle at another path: V8 keeps compiled scripts in memory by source and file name, so a
 * second load from the same path would not read the cache file at all, as a new process would.
 */
function copyOf(file: string): string {
  const dir = tempDir();
  bundle(dir);
  writeFileSync(join(dir, 'cli.cjs'), readFileSync(file));
  return join(dir, 'cli.cjs');
}

/** Loads `file` as a new process would (forgetting this process's copy first). */
function load(file: string, cacheDir: string | null, options: LoadOptions = {}) {
  delete requireCache[file];
  loaded.push(file);
  return loadWithCodeCache(file, { cacheDir, saveOnExit: false, env: {}, ...options });
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.v8'));
/** A fresh cache folder, 0700, in a temp folder. */
const cacheDir = () => join(tempDir(), 'cache');

describe('loadWithCodeCache', () => {
  it('compiles on the first load, saves the cache, and takes it on the next', () => {
    const cache = cacheDir();
    const file = bundle(tempDir());

    const first = load(file, cache);
    expect(first.cache).toBe('miss');
    expect(first.exports).toMatchObject({ answer: 42, file, base: 'cli.cjs' });
    expect(first.save()).toBe(true);
    expect(first.save()).toBe(false);
    expect(cacheFiles(cache)).toEqual([expect.stringMatching(/^cli\.[0-9a-f]+-\d+\.v\d+\.\d+\.\d+-\w+-[0-9a-f]+\.other\.v8$/)]);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(join(cache, cacheFiles(cache)[0]!)).mode & 0o777).toBe(0o600);

    const copy = copyOf(file);
    const second = load(copy, cache);
    expect(second.cache).toBe('hit');
    expect(second.exports).toMatchObject({ answer: 42, file: copy });
    expect(second.save()).toBe(false);
  });

  it('registers the module where require finds it, once per process', () => {
    const file = bundle(tempDir());
    const result = load(file, null);
    expect(result.cache).toBe('off');
    expect(createRequire(import.meta.url)(file)).toBe(result.exports);
    expect(loadWithCodeCache(file, { cacheDir: null }).exports).toBe(result.exports);
  });

  it('gives the loaded code __raosImport for ES modules; its own import() fails, cached or not', async () => {
    const cache = cacheDir();
    const file = bundle(tempDir());
    const first = load(file, cache);
    first.save();
    const second = load(copyOf(file), cache);
    expect(second.cache).toBe('hit');
    for (const { exports } of [first, second]) {
      const os = await (exports.load as (s: string) => Promise<{ platform(): string }>)('node:os');
      expect(os.platform()).toBe(process.platform);
      await expect((exports.nativeImport as () => Promise<unknown>)()).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING/) });
    }
  });

  it('keys the cache by content, variant and V8 options', () => {
    const cache = cacheDir();
    const file = bundle(tempDir());
    load(file, cache, { variant: 'memory' }).save();
    expect(load(copyOf(file), cache, { variant: 'memory' }).cache).toBe('hit');
    expect(load(copyOf(file), cache, { variant: 'cms' }).cache).toBe('miss');
    expect(load(copyOf(file), cache, { variant: 'memory', env: { NODE_OPTIONS: '--max-old-space-size=100' } }).cache).toBe('miss');
    // Anything but a plain topic name is `other`.
    expect(load(copyOf(file), cache, { variant: '../x' }).cacheFile).toMatch(/\.other\.v8$/);
    writeFileSync(file, readFileSync(file, 'utf8').replace('twice(21)', 'twice(20)'));
    const changed = load(file, cache, { variant: 'memory' });
    expect(changed.cache).toBe('miss');
    expect(changed.exports.answer).toBe(40);
  });

  it('ignores damaged data (a checksum over it), compiles, and writes the file again', () => {
    const cache = cacheDir();
    const file = bundle(tempDir());
    load(file, cache).save();
    const cached = join(cache, cacheFiles(cache)[0]!);
    // Damage inside V8's data, past its header: V8 itself would accept it and crash.
    const bytes = readFileSync(cached);
    for (let i = bytes.length - 64; i < bytes.length - 32; i++) bytes[i] ^= 0xff;
    writeFileSync(cached, bytes, { mode: 0o600 });
    const damaged = load(copyOf(file), cache);
    expect(damaged.cache).toBe('damaged');
    expect(damaged.exports.answer).toBe(42);
    expect(damaged.save()).toBe(true);
    expect(load(copyOf(file), cache).cache).toBe('hit');
    // A file that is not ours at all (no header).
    writeFileSync(cached, Buffer.alloc(4096, 7), { mode: 0o600 });
    expect(load(copyOf(file), cache).cache).toBe('damaged');
    // A huge file is refused without reading it.
    truncateSync(cached, 3 * 2 ** 30);
    expect(load(copyOf(file), cache).cache).toBe('damaged');
  });

  it('data V8 refuses (made for another script, intact for our checksum) is a rejected miss', () => {
    const cacheA = cacheDir();
    const cacheB = cacheDir();
    const a = bundle(tempDir());
    const b = bundle(tempDir(), 'exports.more = "a longer source";\n');
    load(a, cacheA).save();
    load(b, cacheB).save();
    const [fileA] = cacheFiles(cacheA);
    writeFileSync(join(cacheA, fileA!), readFileSync(join(cacheB, cacheFiles(cacheB)[0]!)), { mode: 0o600 });
    const rejected = load(copyOf(a), cacheA);
    expect(rejected.cache).toBe('rejected');
    expect(rejected.exports.answer).toBe(42);
    expect(rejected.save()).toBe(true);
    expect(load(copyOf(a), cacheA).cache).toBe('hit');
  });

  it('reads non-ASCII bundles as UTF-8', () => {
    const file = bundle(tempDir(), "exports.text = 'naïve ×2 — ok';\n");
    expect(load(file, null).exports.text).toBe('naïve ×2 — ok');
  });

  it('never reads a cache file that is a link, shared, hard-linked, or not private', () => {
    const cache = cacheDir();
    const file = bundle(tempDir());
    load(file, cache).save();
    const name = cacheFiles(cache)[0]!;
    const cached = join(cache, name);
    const good = readFileSync(cached);

    chmodSync(cached, 0o644);
    expect(load(copyOf(file), cache).cache).toBe('miss');
    chmodSync(cached, 0o600);

    const elsewhere = join(tempDir(), 'elsewhere.v8');
    linkSync(cached, elsewhere);
    expect(load(copyOf(file), cache).cache).toBe('miss');

    // A link in place of the cache file: not followed, and replaced, not written through.
    const target = join(tempDir(), 'target');
    writeFileSync(target, good, { mode: 0o600 });
    const unrelated = join(tempDir(), 'victim');
    writeFileSync(unrelated, 'keep me', { mode: 0o600 });
    unlinkSync(elsewhere);
    unlinkSync(cached);
    symlinkSync(unrelated, cached);
    const viaLink = load(copyOf(file), cache);
    expect(viaLink.cache).toBe('miss');
    expect(viaLink.save()).toBe(true);
    expect(readFileSync(unrelated, 'utf8')).toBe('keep me');
    expect(statSync(cached).isFile()).toBe(true);

    // A FIFO in its place: opened without blocking, refused, replaced.
    unlinkSync(cached);
    execFileSync('mkfifo', ['-m', '600', cached]);
    const fifo = load(copyOf(file), cache);
    expect(fifo.cache).toBe('miss');
    expect(fifo.save()).toBe(true);
    expect(statSync(cached).isFile()).toBe(true);
  });

  it('keeps every file of the running build and the newest others; deletes stale temp files', () => {
    const cache = cacheDir();
    const file = bundle(tempDir());
    const first = load(file, cache, { variant: 'memory' });
    mkdirSync(cache, { recursive: true, mode: 0o700 });
    const now = Date.now() / 1000;
    for (let i = 0; i < 30; i++) {
      const f = join(cache, `cli.old${i}-1.v20.0.0-x64-0.memory.v8`);
      writeFileSync(f, 'x', { mode: 0o600 });
      utimesSync(f, now - 1000 - i, now - 1000 - i);
    }
    const stale = join(cache, '.cli.x.v8.1.aa.tmp');
    const fresh = join(cache, '.cli.x.v8.2.bb.tmp');
    writeFileSync(stale, 'x');
    utimesSync(stale, now - 3600, now - 3600);
    writeFileSync(fresh, 'x');
    first.save();
    load(copyOf(file), cache, { variant: 'cms' }).save();
    const left = cacheFiles(cache);
    expect(left.filter((f) => f.startsWith('cli.old')).sort()).toEqual(
      Array.from({ length: 24 }, (_, i) => `cli.old${i}-1.v20.0.0-x64-0.memory.v8`).sort(),
    );
    expect(left.filter((f) => !f.startsWith('cli.old'))).toHaveLength(2);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it('leaves nothing registered when the bundle throws while loading', () => {
    const file = bundle(tempDir(), "throw new Error('broken bundle');\n");
    expect(() => load(file, null)).toThrow('broken bundle');
    expect(requireCache[file]).toBeUndefined();
  });
});

describe('trustedDir', () => {
  it('makes a missing folder 0700 and returns its real path', () => {
    const base = tempDir();
    const dir = join(base, 'a', 'b');
    expect(trustedDir(dir)).toBe(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(base, 'a')).mode & 0o777).toBe(0o700);
    const link = join(tempDir(), 'link');
    symlinkSync(dir, link);
    expect(trustedDir(link)).toBe(dir);
  });

  it('refuses relative paths, folders others may write to or read, and folders under such folders', () => {
    expect(trustedDir('relative/cache')).toBeNull();
    const open = join(tempDir(), 'open');
    mkdirSync(open, { mode: 0o700 });
    chmodSync(open, 0o777);
    expect(trustedDir(open)).toBeNull();
    chmodSync(open, 0o755);
    expect(trustedDir(open)).toBeNull();
    // Below a folder anyone may write to: refused; below a sticky one (like /tmp): fine.
    const shared = join(tempDir(), 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    expect(trustedDir(join(shared, 'cache'))).toBeNull();
    chmodSync(shared, 0o1777);
    expect(trustedDir(join(shared, 'cache'))).toBe(join(shared, 'cache'));
    // A link to a folder others may write to: the real path counts.
    const link = join(tempDir(), 'to-open');
    chmodSync(open, 0o777);
    symlinkSync(open, link);
    expect(trustedDir(link)).toBeNull();
  });

  it.runIf(isRoot)('as root: refuses folders of other users and makes nothing in another user\'s home', () => {
    const home = join(tempDir(), 'home');
    mkdirSync(home, { mode: 0o755 });
    chownSync(home, NOBODY, NOBODY);
    expect(trustedDir(join(home, '.cache', 'raos'))).toBeNull();
    expect(existsSync(join(home, '.cache'))).toBe(false);
    const theirs = join(tempDir(), 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, NOBODY, NOBODY);
    expect(trustedDir(theirs)).toBeNull();
  });

  it.runIf(isRoot)('as root: a link another user made never decides where the cache goes', () => {
    // Root's own private folder, which a link should not lead root to write into.
    const mine = join(tempDir(), 'mine');
    mkdirSync(mine, { mode: 0o700 });
    // Their home holds .cache → mine.
    const home = join(tempDir(), 'home');
    mkdirSync(home, { mode: 0o755 });
    chownSync(home, NOBODY, NOBODY);
    symlinkSync(mine, join(home, '.cache'));
    expect(trustedDir(join(home, '.cache', 'raos'))).toBeNull();
    expect(readdirSync(mine)).toEqual([]);
    // In a sticky folder, their link by the name root was told to use.
    const sticky = join(tempDir(), 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const link = join(sticky, 'cc');
    symlinkSync(mine, link);
    lchownSync(link, NOBODY, NOBODY);
    expect(trustedDir(link)).toBeNull();
    // The same link made by root itself is fine.
    lchownSync(link, 0, 0);
    expect(trustedDir(link)).toBe(mine);
  });
});

describe('cacheDirFrom', () => {
  it('takes RAOS_COMPILE_CACHE, else XDG_CACHE_HOME/raos, else ~/.cache/raos; 0 or off turns it off', () => {
    expect(cacheDirFrom({ RAOS_COMPILE_CACHE: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheDirFrom({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'raos'));
    expect(cacheDirFrom({})).toMatch(/[/\\]\.cache[/\\]raos$/);
    for (const off of ['0', 'off', 'OFF', 'false', 'no']) expect(cacheDirFrom({ RAOS_COMPILE_CACHE: off })).toBeNull();
  });

  it('never takes a relative path: RAOS_COMPILE_CACHE turns off, a relative XDG_CACHE_HOME is ignored', () => {
    expect(cacheDirFrom({ RAOS_COMPILE_CACHE: 'cache' })).toBeNull();
    expect(cacheDirFrom({ XDG_CACHE_HOME: 'cache' })).toMatch(/[/\\]\.cache[/\\]raos$/);
  });
});
