/**
 * The built CLI loads dist/cli.cjs through V8's code cache (src/cli/code-cache.ts): the first run
 * writes the cache, the next ones use it, and the output is the same either way.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, REPO, show, tempDir, workspace, type Workspace } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

describe('the compile cache', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace();
    await ws.ok(['memory', 'set', 'greeting', 'hello']);
  });

  const files = (dir: string) => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith('.v8'));
    } catch {
      return [];
    }
  };

  it('is written by the first run in XDG_CACHE_HOME/raos and used by the next, with the same output', async () => {
    const xdg = tempDir();
    const cacheDir = path.join(xdg, 'raos');
    const env = { RAOS_COMPILE_CACHE: undefined, XDG_CACHE_HOME: xdg, HOME: tempDir() };
    const first = await ws.raos(['memory', 'get', 'greeting', '--json'], { env });
    expect(first.code, show(['memory', 'get'], first)).toBe(0);
    // One file per topic: this one is memory's.
    expect(files(cacheDir)).toEqual([expect.stringMatching(/^cli\..+\.memory\.v8$/)]);
    const [file] = files(cacheDir);
    const written = statSync(path.join(cacheDir, file!)).mtimeMs;
    expect(statSync(path.join(cacheDir, file!)).size).toBeGreaterThan(100_000);

    const second = await ws.raos(['memory', 'get', 'greeting', '--json'], { env });
    expect(second.code, show(['memory', 'get'], second)).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
    // A hit is not written again.
    expect(statSync(path.join(cacheDir, file!)).mtimeMs).toBe(written);

    // Damaged data is refused (by its checksum): the run works and replaces it.
    writeFileSync(path.join(cacheDir, file!), Buffer.alloc(8192, 1), { mode: 0o600 });
    const third = await ws.raos(['memory', 'get', 'greeting'], { env });
    expect(third.code, show(['memory', 'get'], third)).toBe(0);
    expect(third.stdout).toBe('hello\n');
    expect(statSync(path.join(cacheDir, file!)).size).toBeGreaterThan(100_000);
  });

  it('RAOS_COMPILE_CACHE chooses the folder, and 0 turns it off', async () => {
    const chosen = path.join(tempDir(), 'cc');
    const xdg = tempDir();
    const on = await ws.raos(['memory', 'get', 'greeting'], { env: { RAOS_COMPILE_CACHE: chosen, XDG_CACHE_HOME: xdg } });
    const help = await ws.raos(['--help'], { env: { RAOS_COMPILE_CACHE: chosen } });
    expect(help.code, show(['--help'], help)).toBe(0);
    expect(on.code, show(['memory', 'get'], on)).toBe(0);
    expect(files(chosen).map((f) => f.split('.').at(-2)).sort()).toEqual(['memory', 'other']);
    expect(files(path.join(xdg, 'raos'))).toHaveLength(0);

    // A relative path is never taken (it would depend on where the command runs).
    const relative = await ws.raos(['memory', 'get', 'greeting'], { env: { RAOS_COMPILE_CACHE: 'cc' }, cwd: xdg });
    expect(relative.code, show(['memory', 'get'], relative)).toBe(0);
    expect(files(path.join(xdg, 'cc'))).toHaveLength(0);

    const off = await ws.raos(['memory', 'get', 'greeting'], { env: { RAOS_COMPILE_CACHE: '0', XDG_CACHE_HOME: xdg } });
    expect(off.code, show(['memory', 'get'], off)).toBe(0);
    expect(off.stdout).toBe('hello\n');
    expect(files(path.join(xdg, 'raos'))).toHaveLength(0);
  });

  it('a cache folder nobody may write to leaves the CLI working, uncached', async () => {
    const home = tempDir();
    const xdg = path.join(home, 'not-a-dir');
    writeFileSync(xdg, 'a file where the cache folder would go');
    const r = await ws.raos(['memory', 'get', 'greeting', '--json'], { env: { RAOS_COMPILE_CACHE: path.join(xdg, 'raos') } });
    expect(r.code, show(['memory', 'get'], r)).toBe(0);
    expect(r.json()).toMatchObject({ key: 'greeting', value: 'hello' });
  });
});

describe('the bundle', () => {
  it('is ASCII, so the loader reads it as latin1', () => {
    const bytes = readFileSync(path.join(REPO, 'dist', 'cli.cjs'));
    expect(bytes.every((b) => b < 0x80)).toBe(true);
  });

  it('has no import() of our own but the one in import-esm.ts (code from the cache cannot run it)', () => {
    const bundle = readFileSync(path.join(REPO, 'dist', 'cli.cjs'), 'utf8');
    // esbuild marks where each source file starts with a `// path` comment line.
    const sections = bundle.split(/^\/\/ (?=(?:src|node_modules)\/)/m);
    const ours = sections.filter((s) => s.startsWith('src/'));
    expect(ours.length).toBeGreaterThan(100);
    const offenders = ours
      .filter((s) => /(^|[^\w$.])import\(/m.test(s.replace(/^\s*\/\/.*$/gm, '')))
      .map((s) => s.slice(0, s.indexOf('\n')));
    expect(offenders).toEqual(['src/kernel/import-esm.ts']);
  });
});
