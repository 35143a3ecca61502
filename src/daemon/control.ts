/**
 * Starting, finding and stopping the daemon from the CLI. `start` spawns `raos daemon start
 * --foreground` detached (execa, no IPC channel, so this process can exit), then waits until the
 * daemon has written daemon.json and answers /healthz.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RaosError } from '../kernel/errors.js';
import { importEsm } from '../kernel/import-esm.js';
import { isAlive } from '../kernel/storage/lock.js';
import { clearDaemonState, readDaemonState, type DaemonState } from './state.js';

export interface DaemonStatus {
  running: boolean;
  pid: number | null;
  url: string | null;
  port: number | null;
  version: string | null;
  uptimeMs: number | null;
  tokenFile: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const outFile = (dataDir: string) => join(dataDir, 'logs', 'daemon.out');

async function health(url: string, timeoutMs = 1000): Promise<{ version: string; uptimeMs: number; pid: number } | null> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    return (await res.json()) as { version: string; uptimeMs: number; pid: number };
  } catch {
    return null;
  }
}

export async function daemonStatus(dataDir: string): Promise<DaemonStatus> {
  const state = readDaemonState(dataDir);
  if (!state) return { running: false, pid: null, url: null, port: null, version: null, uptimeMs: null, tokenFile: null };
  const h = await health(state.url);
  return {
    running: true,
    pid: state.pid,
    url: state.url,
    port: state.port,
    version: h?.version ?? state.version,
    uptimeMs: h?.uptimeMs ?? Date.now() - Date.parse(state.startedAt),
    tokenFile: state.tokenFile,
  };
}

function tail(file: string, bytes = 2000): string {
  if (!existsSync(file)) return '';
  const size = statSync(file).size;
  const buf = readFileSync(file);
  return buf.subarray(Math.max(0, size - bytes)).toString('utf8').trim();
}

export async function spawnDaemon(options: {
  dataDir: string;
  /** `node bin/run.js` and the arguments for `daemon start --foreground ...`. */
  command: string;
  args: string[];
  timeoutMs?: number;
}): Promise<DaemonState> {
  mkdirSync(join(options.dataDir, 'logs'), { recursive: true });
  const out = outFile(options.dataDir);
  const before = existsSync(out) ? statSync(out).size : 0;
  const { execa } = await importEsm<typeof import('execa')>('execa');
  // No IPC channel and no cleanup: this process must be free to exit while the daemon lives on.
  const child = execa(options.command, options.args, {
    detached: true,
    ipc: false,
    cleanup: false,
    stdin: 'ignore',
    stdout: { file: out, append: true },
    stderr: { file: out, append: true },
    reject: false,
  });
  let exited: number | null = null;
  child.then((r) => (exited = r.exitCode ?? 1));
  child.unref();
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (exited !== null) break;
    const state = readDaemonState(options.dataDir);
    if (state && state.pid === child.pid && (await health(state.url, 500))) return state;
    await sleep(25);
  }
  const log = tail(out).slice(-1500);
  const newOutput = existsSync(out) ? readFileSync(out).subarray(before).toString('utf8').trim() : '';
  if (exited === null && child.pid) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // The foreground daemon prints its own error as the last thing it says.
  const reason = (newOutput || log).split('\n').filter(Boolean).slice(-3).join(' | ');
  throw new RaosError(exited !== null ? 'UNAVAILABLE' : 'UNAVAILABLE', `the daemon did not start${reason ? `: ${reason}` : ''}`, {
    hint: `See ${out} and \`raos daemon logs\`; or run \`raos daemon start --foreground\` to watch it start.`,
  });
}

/** The `-c key=value` overrides `daemon start` and `daemon restart` pass on: --config, --port, --host. */
export function daemonOverrides(flags: { config?: string[]; port?: number; host?: string }): string[] {
  const overrides = [...(flags.config ?? [])];
  if (flags.port !== undefined) overrides.push(`server.port=${flags.port}`);
  if (flags.host !== undefined) overrides.push(`server.host=${flags.host}`);
  return overrides;
}

/** Starts `raos daemon start --foreground` for workspace `root` in the background (see spawnDaemon). */
export function startInBackground(options: { cliRoot: string; root: string; dataDir: string; overrides: string[] }): Promise<DaemonState> {
  const args = [join(options.cliRoot, 'bin', 'run.js'), 'daemon', 'start', '--foreground', '--workspace', options.root];
  for (const c of options.overrides) args.push('-c', c);
  return spawnDaemon({ dataDir: options.dataDir, command: process.execPath, args });
}

/** SIGTERM, wait, then SIGKILL after `timeoutMs`. Cleans up files a killed daemon left behind. */
export async function stopDaemon(dataDir: string, timeoutMs = 10_000): Promise<{ stopped: boolean; pid: number | null; forced: boolean }> {
  const state = readDaemonState(dataDir);
  if (!state) return { stopped: false, pid: null, forced: false };
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch {
    clearDaemonState(dataDir);
    return { stopped: true, pid: state.pid, forced: false };
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(state.pid)) {
      clearDaemonState(dataDir);
      return { stopped: true, pid: state.pid, forced: false };
    }
    await sleep(25);
  }
  try {
    process.kill(state.pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
  while (isAlive(state.pid)) await sleep(10);
  clearDaemonState(dataDir);
  return { stopped: true, pid: state.pid, forced: true };
}
