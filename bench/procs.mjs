// Process plumbing the benchmarks share: child processes that are tracked, stopped gracefully and
// killed at exit whatever happens; IPC with forked roles; CPU and memory figures from /proc; free
// ports; workspaces made with the CLI; the daemon as a child process.
import { fork, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { now, ROOT } from './lib.mjs';

export const RUN_JS = join(ROOT, 'bin', 'run.js');

// ---------------------------------------------------------------------------------------------------
// Child processes: tracked, stopped gracefully when done, killed at exit whatever happens.

const children = new Set();

export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function zombieOrGone(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

function killAll() {
  const pids = [];
  for (const c of children) {
    try {
      c.kill('SIGKILL');
      pids.push(c.pid);
    } catch {
      /* gone */
    }
  }
  // Wait (at most 1 s) until they are really dead, so that the temp folders are not removed under a
  // process that still writes into them.
  const deadline = Date.now() + 1000;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (const pid of pids) while (Date.now() < deadline && !zombieOrGone(pid)) Atomics.wait(cell, 0, 0, 5);
}

/** In the benchmark's own process (not in its roles): kill every child at exit, also on Ctrl-C. */
export function killChildrenAtExit() {
  // Registered before lib.mjs's temp-folder hooks (tempDir() adds them later), so children die first.
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));
}

export async function stopChild(child, timeoutMs = 15_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Keeps the last few KiB of a child's stdout+stderr, for error messages. */
export function captureOutput(child) {
  const out = { text: '' };
  const add = (chunk) => {
    out.text = (out.text + chunk).slice(-4000);
  };
  child.stdout?.setEncoding('utf8').on('data', add);
  child.stderr?.setEncoding('utf8').on('data', add);
  return out;
}

export function waitForOutput(child, out, re, timeoutMs, label) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(out.text);
      if (m) finish(null, m);
    };
    const onExit = (code, sig) => finish(new Error(`${label} exited (${code ?? sig}) before it was ready: ${out.text.trim()}`));
    const timer = setTimeout(() => finish(new Error(`${label} not ready after ${timeoutMs} ms: ${out.text.trim()}`)), timeoutMs);
    const finish = (err, m) => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m);
    };
    child.stdout.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** Request/answer over the IPC channel of a forked role. */
export function ipc(child, label) {
  let next = 0;
  const waiting = new Map();
  child.on('message', (m) => {
    const w = waiting.get(m?.id);
    if (!w) return;
    waiting.delete(m.id);
    clearTimeout(w.timer);
    if (m.error) w.reject(new Error(`${label}: ${m.error}`));
    else w.resolve(m);
  });
  child.once('exit', (code, sig) => {
    for (const w of waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error(`${label} exited (${code ?? sig})`));
    }
    waiting.clear();
  });
  return (msg, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`${label}: no answer to ${msg.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, { resolve, reject, timer });
      child.send({ ...msg, id });
    });
}

/** Forks `script` with `--role=NAME` and an IPC channel; `call(msg)` sends a request and awaits its answer. */
export function forkRole(script, name) {
  const child = track(fork(script, [`--role=${name}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  return { child, call: ipc(child, name) };
}

/** The other side of forkRole: answers each request with handler(msg). */
export function serveIpc(handler) {
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.on('message', async (m) => {
    try {
      const r = (await handler(m)) ?? {};
      process.send({ ...r, id: m.id });
    } catch (err) {
      process.send({ id: m.id, error: String(err?.stack ?? err) });
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Process figures from /proc.

export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU time (user + system) a process has used, in ms. */
export function cpuMs(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** Machine-wide CPU time from /proc/stat, in ms: busy (user, nice, system, irq, softirq) and steal. */
export function machineCpuMs() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  const ms = (ticks) => (ticks * 1000) / CLK_TCK;
  return { busy: ms(user + nice + system + irq + softirq), steal: ms(steal ?? 0) };
}

/**
 * CPU that processes other than this benchmark's used meanwhile (other work on the machine, and
 * kernel time not charged to any process), and time stolen by the hypervisor, both in cores.
 * `pids` are this benchmark's child processes in the measurement; this process is counted too.
 */
export function otherLoad(pids) {
  const m0 = machineCpuMs();
  const c0 = pids.map(cpuMs);
  const own0 = process.cpuUsage();
  const t0 = now();
  return () => {
    const wall = now() - t0;
    const m1 = machineCpuMs();
    const mine = pids.reduce((n, pid, i) => n + cpuMs(pid) - c0[i], 0) + Object.values(process.cpuUsage(own0)).reduce((a, b) => a + b, 0) / 1000;
    return { other: Math.max(0, (m1.busy - m0.busy - mine) / wall), steal: (m1.steal - m0.steal) / wall };
  };
}

/** Resident set size of a process in KiB (VmRSS). */
export function vmRssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Workspaces and the daemon.

export const childEnv = { ...process.env, NO_COLOR: '1' };
for (const k of ['RAOS_HOME', 'RAOS_PORT', 'RACORE_PORT']) delete childEnv[k];

export function cli(args, cwd) {
  const r = spawnSync(process.execPath, [RUN_JS, ...args], { cwd, env: childEnv, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`raos ${args.join(' ')} failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A workspace made by `raos init`, holding greeting=hello. */
export function makeWorkspace(tmp, name) {
  const ws = join(tmp, name);
  cli(['init', ws], tmp);
  cli(['memory', 'set', 'greeting', 'hello', '--workspace', ws], tmp);
  return ws;
}

/** `raos daemon start --foreground -p 0` as a child process; resolves once it has printed its URL. */
export async function startDaemon(ws, nodeArgs = []) {
  const child = track(
    spawn(process.execPath, [...nodeArgs, RUN_JS, 'daemon', 'start', '--foreground', '-p', '0', '--workspace', ws], {
      cwd: ws,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const out = captureOutput(child);
  const m = await waitForOutput(child, out, /listening on (http:\/\/\S+) \(pid (\d+)\)/, 30_000, 'raos daemon');
  if (Number(m[2]) !== child.pid) throw new Error(`the daemon runs as pid ${m[2]}, not as the spawned ${child.pid}`);
  const state = JSON.parse(readFileSync(join(ws, 'data', 'daemon.json'), 'utf8'));
  const token = readFileSync(state.tokenFile, 'utf8').trim();
  return { child, pid: child.pid, url: m[1], token };
}

