import { chmodSync, existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDirFrom, loadWithCodeCache } from '../../src/cli/code-cache.js';
import { useTempDirs } from '../helpers.js';

const tempDir = useTempDirs();
const requireCache = createRequire(import.meta.url).cache;
const loaded: string[] = [];
afterEach(() => {
  for (const file of loaded.splice(0)) delete requireCache[file];
});

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
function load(file: string, cacheDir: string | null) {
  delete requireCache[file];
  loaded.push(file);
  return loadWithCodeCache(file, { cacheDir, saveOnExit: false });
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.v8'));

describe('loadWithCodeCache', () => {
  it('compiles on the first load, saves the cache, and takes it on the next', () => {
    const dir = tempDir();
    const cache = join(tempDir(), 'cache');
    const file = bundle(dir);

    const first = load(file, cache);
    expect(first.cache).toBe('miss');
    expect(first.exports).toMatchObject({ answer: 42, file, dir, base: 'cli.cjs' });
    expect(first.save()).toBe(true);
    expect(first.save()).toBe(false);
    expect(cacheFiles(cache)).toEqual([expect.stringMatching(/^cli\.[0-9a-f]+-\d+\.v\d+\.\d+\.\d+-\w+\.v8$/)]);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(join(cache, cacheFiles(cache)[0]!)).mode & 0o777).toBe(0o600);

    const copy = copyOf(file);
    const second = load(copy, cache);
    expect(second.cache).toBe('hit');
    expect(second.exports).toMatchObject({ answer: 42, file: copy });
    expect(second.save()).toBe(false);
  });

  it('registers the module where require finds it, once per process', () => {
    const dir = tempDir();
    const file = bundle(dir);
    const result = load(file, null);
    expect(result.cache).toBe('off');
    expect(createRequire(import.meta.url)(file)).toBe(result.exports);
    const again = loadWithCodeCache(file, { cacheDir: null });
    expect(again.exports).toBe(result.exports);
  });

  it('gives the loaded code __raosImport for ES modules; its own import() fails, cached or not', async () => {
    const cache = join(tempDir(), 'cache');
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

  it('keys the cache by content: a changed bundle compiles again', () => {
    const dir = tempDir();
    const cache = join(tempDir(), 'cache');
    const file = bundle(dir);
    load(file, cache).save();
    writeFileSync(file, readFileSync(file, 'utf8').replace('twice(21)', 'twice(20)'));
    const changed = load(file, cache);
    expect(changed.cache).toBe('miss');
    expect(changed.exports.answer).toBe(40);
  });

  it('survives damaged cache data: V8 refuses it, the bundle compiles, the file is written again', () => {
    const dir = tempDir();
    const cache = join(tempDir(), 'cache');
    const file = bundle(dir);
    load(file, cache).save();
    const cached = join(cache, cacheFiles(cache)[0]!);
    writeFileSync(cached, Buffer.alloc(4096, 7));
    const damaged = load(copyOf(file), cache);
    expect(damaged.cache).toBe('rejected');
    expect(damaged.exports.answer).toBe(42);
    expect(damaged.save()).toBe(true);
    expect(load(copyOf(file), cache).cache).toBe('hit');
  });

  it('reads non-ASCII bundles as UTF-8', () => {
    const file = bundle(tempDir(), "exports.text = 'naïve ×2 — ok';\n");
    expect(load(file, null).exports.text).toBe('naïve ×2 — ok');
  });

  it('never uses a folder others may write to', () => {
    const cache = join(tempDir(), 'cache');
    const file = bundle(tempDir());
    load(file, cache).save();
    chmodSync(cache, 0o777);
    const result = load(file, cache);
    expect(result.cache).toBe('off');
    expect(result.cacheFile).toBeUndefined();
  });

  it('keeps the four newest cache files of a bundle', () => {
    const cache = join(tempDir(), 'cache');
    const dir = tempDir();
    const file = bundle(dir);
    for (let i = 0; i < 6; i++) {
      writeFileSync(file, `exports.n = ${i};\n`);
      load(file, cache).save();
      // Distinct modification times, oldest first.
      for (const f of cacheFiles(cache)) {
        const t = statSync(join(cache, f)).mtimeMs / 1000;
        if (!f.includes(String(i))) utimesSync(join(cache, f), t - 1, t - 1);
      }
    }
    expect(cacheFiles(cache)).toHaveLength(4);
  });

  it('leaves nothing registered when the bundle throws while loading', () => {
    const file = bundle(tempDir(), "throw new Error('broken bundle');\n");
    expect(() => load(file, null)).toThrow('broken bundle');
    expect(requireCache[file]).toBeUndefined();
  });
});

describe('cacheDirFrom', () => {
  it('takes RAOS_COMPILE_CACHE, else XDG_CACHE_HOME/raos, else ~/.cache/raos; 0 or off turns it off', () => {
    expect(cacheDirFrom({ RAOS_COMPILE_CACHE: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheDirFrom({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'raos'));
    expect(cacheDirFrom({})).toMatch(/[/\\]\.cache[/\\]raos$/);
    for (const off of ['0', 'off', 'OFF', 'false', 'no']) expect(cacheDirFrom({ RAOS_COMPILE_CACHE: off })).toBeNull();
    expect(existsSync('/c')).toBe(false);
  });
});
