/**
 * Helpers for the end-to-end tests: they run the BUILT CLI (`node bin/run.js ...`, which loads dist/) in
 * fresh temp workspaces, exactly as a user would, and never import anything from src/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import { readFileSync } from 'node:fs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(REPO, 'bin', 'run.js');
export const DIST_INDEX = path.join(REPO, 'dist', 'index.js');

/** Fails loudly when the CLI has not been built: these tests run dist/, not src/. */
export function assertBuilt(): void {
  const needed = [DIST_INDEX, path.join(REPO, 'dist', 'cli.cjs'), path.join(REPO, 'dist', 'cli', 'code-cache.js'), path.join(REPO, 'oclif.manifest.json')];
  const missing = needed.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`The e2e tests run the built CLI, but ${missing.map((m) => path.relative(REPO, m)).join(', ')} is missing: run npm run build`);
  }
}

export interface RunOptions {
  cwd?: string;
  /** Merged over the base environment; a value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>;
  /** Written to standard input (which is a pipe, closed right after). */
  input?: string;
  /** Kill the process (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed with JSON.parse (so it must hold exactly one JSON value); throws with the output otherwise. */
  json<T = any>(): T;
}

/**
 * The CLI's compile cache (src/cli/code-cache.ts) of this test file's runs: a folder of its own, so a
 * developer's ~/.cache/raos neither speeds up nor breaks the tests. Removed when the process exits.
 */
const COMPILE_CACHE = mkdtempSync(path.join(tmpdir(), 'raos-e2e-cc-'));
process.once('exit', () => rmSync(COMPILE_CACHE, { recursive: true, force: true }));

/**
 * The environment every spawned CLI gets: the runner's, without any RAOS_* / RACORE_* variable (so a
 * developer's RAOS_HOME never leaks into a test), with CI=true and RAOS_COMPILE_CACHE set to this
 * file's own cache folder. NODE_ENV (vitest sets it to `test`) and
 * VITEST_* are dropped too: with NODE_ENV=test|development oclif registers tsx in the CLI process, which
 * makes every start about 4x slower and is not how users run raos.
 */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(RAOS|RACORE)_/.test(k) || /^VITEST/.test(k) || k === 'NODE_ENV' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  env.CI = 'true';
  env.RAOS_COMPILE_CACHE = COMPILE_CACHE;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function describeRun(args: readonly string[], r: { code: number | null; signal: string | null; stdout: string; stderr: string }): string {
  return `raos ${args.join(' ')}\n  exit: ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}\n  stdout: ${r.stdout.slice(0, 4000)}\n  stderr: ${r.stderr.slice(0, 4000)}`;
}

/** Starts the built CLI without waiting for it (for kill tests). */
export function spawnRaos(args: readonly string[], options: RunOptions & { detached?: boolean } = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: baseEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.detached,
  });
}

/**
 * The signature of a CLI started while `npm run build` (tsup with clean: true) was rewriting dist/ in
 * another process: a dist file missing at load time. Nothing ran yet, so the run is retried.
 */
const DIST_REBUILT = /ERR_MODULE_NOT_FOUND[\s\S]*\/dist\/|Cannot find module '[^']*\/dist\/|ENOENT[^\n]*\/dist\//;

/** Runs the built CLI to completion. */
export async function raos(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await runOnce(args, options);
    if (attempt >= 4 || result.code === 0 || !DIST_REBUILT.test(result.stderr)) return result;
    // Wait for the build to finish, then try again.
    for (let i = 0; i < 100 && !existsSync(path.join(REPO, 'oclif.manifest.json')); i++) await sleep(100);
    await sleep(1500);
  }
}

function runOnce(args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnRaos(args, options);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.stdin!.on('error', () => {
      /* the CLI may exit before reading its input */
    });
    child.stdin!.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const result: RunResult = {
        code,
        signal,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch (e) {
            throw new Error(`stdout is not exactly one JSON value (${(e as Error).message})\n${describeRun(args, result)}`);
          }
        },
      };
      resolve(result);
    });
  });
}

/** Readable failure text for expect(...) messages. */
export function show(args: readonly string[], r: RunResult): string {
  return describeRun(args, r);
}

const tempDirs: string[] = [];

/** A fresh folder under the OS temp dir, removed by cleanup(). */
export function tempDir(prefix = 'raos-e2e-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every folder made by tempDir()/workspace(). Call in afterAll. */
export function cleanup(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Workspace {
  root: string;
  dataDir: string;
  modulesDir: string;
  /** Runs the CLI against this workspace (RAOS_HOME=root). */
  raos(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Like raos(), but asserts exit 0 and returns the parsed --json output. */
  ok<T = any>(args: readonly string[], options?: RunOptions): Promise<T>;
  /** Like raos(), but asserts the exit code and error code of a --json error and returns the error. */
  fails(args: readonly string[], code: string, exit: number, options?: RunOptions): Promise<{ code: string; message: string; hint?: string; details?: any }>;
}

/** Makes a workspace with `raos init` in a fresh temp folder. */
export async function workspace(): Promise<Workspace> {
  const root = path.join(tempDir(), 'ws');
  const init = await raos(['init', root, '--json']);
  expect(init.code, show(['init', root], init)).toBe(0);
  return bindWorkspace(root);
}

export function bindWorkspace(root: string): Workspace {
  const run = (args: readonly string[], options: RunOptions = {}) =>
    raos(args, { ...options, env: { RAOS_HOME: root, ...options.env } });
  return {
    root,
    dataDir: path.join(root, 'data'),
    modulesDir: path.join(root, 'modules'),
    raos: run,
    async ok(args, options) {
      const full = [...args, '--json'];
      const r = await run(full, options);
      expect(r.code, show(full, r)).toBe(0);
      return r.json();
    },
    async fails(args, code, exit, options) {
      const full = [...args, '--json'];
      const r = await run(full, options);
      const parsed = r.json<{ error: { code: string; message: string; hint?: string } }>();
      expect(parsed.error?.code, show(full, r)).toBe(code);
      expect(r.code, show(full, r)).toBe(exit);
      return parsed.error;
    },
  };
}

/** Writes an external module folder: package.json plus an ESM entry. */
export function writeModule(
  modulesDir: string,
  folder: string,
  source: string,
  pkg: Record<string, unknown> = {},
): string {
  const dir = path.join(modulesDir, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: `raos-module-${folder}`, version: '1.0.0', private: true, type: 'module', ...pkg }, null, 2),
  );
  const entry = path.join(dir, (pkg.main as string | undefined) ?? 'index.js');
  mkdirSync(path.dirname(entry), { recursive: true });
  writeFileSync(entry, source);
  return dir;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `memory list --json` items as { key → value } for comparisons. */
export async function memoryMap(ws: Workspace, extra: string[] = []): Promise<Record<string, unknown>> {
  const list = await ws.ok<{ items: { key: string; namespace: string; scope: string; value: unknown }[] }>(['memory', 'list', ...extra]);
  return Object.fromEntries(list.items.map((i) => [`${i.namespace}/${i.scope}/${i.key}`, i.value]));
}

/**
 * Daemons started by a test file (`raos daemon start -p 0`), stopped after each test. `start` gives
 * the daemon's URL and owner token; `stopped(ws)` is for a test that stopped one itself.
 */
export function useDaemons() {
  const running: Workspace[] = [];
  afterEach(async () => {
    for (const ws of running.splice(0)) await ws.raos(['daemon', 'stop']);
  });
  return {
    async start(ws: Workspace): Promise<{ url: string; ownerToken: string }> {
      const started = await ws.ok<{ url: string; tokenFile: string }>(['daemon', 'start', '-p', '0']);
      running.push(ws);
      return { url: started.url, ownerToken: readFileSync(started.tokenFile, 'utf8').trim() };
    },
    stopped(ws: Workspace): void {
      running.splice(running.indexOf(ws) >>> 0, 1);
    },
  };
}
