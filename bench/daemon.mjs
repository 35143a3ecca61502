// The daemon (issue 3): three figures, each against a baseline measured in the same run.
//
//   node bench/daemon.mjs                 all three (after `npm run build`)
//   node bench/daemon.mjs --only=start    1. start-to-ready and idle RSS, against a bare node:http process
//   node bench/daemon.mjs --only=rest     2. REST (and tRPC HTTP) reads, against a bare node:http server
//   node bench/daemon.mjs --only=ws       3. /ws fan-out to 1,000 clients, against a bare `ws` broadcast
//
//   RAOS_BENCH_START_N (7), RAOS_BENCH_REST_SECONDS (5), RAOS_BENCH_REST_ROUNDS (3),
//   RAOS_BENCH_WS_CLIENTS (1000), RAOS_BENCH_WS_RATE (200 writes/s), RAOS_BENCH_WS_SECONDS (5),
//   RAOS_BENCH_WS_LATENCY_RATE (25 writes/s, for 4 s), RAOS_BENCH_WS_ROUNDS (2)
//   RAOS_BENCH_DAEMON_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"   node flags for the daemon (diagnosis)
//
// The daemon is `node bin/run.js daemon start --foreground` in a temp workspace, a child process of this
// one. The baselines (bare node:http, bare ws) and the 1,000 WebSocket clients are child processes too:
// this same file, started with --role=... (at the end of the file). The load generator (autocannon) and
// the REST publisher of the fan-out run in this process. Everything listens on 127.0.0.1. Every child
// process and temp folder is removed at exit, also after a failure, a timeout or Ctrl-C.
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, createServer, get, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { fmt, heading, machine, main, median, now, range, report, ROOT, tempDir, verdict } from './lib.mjs';
import {
  captureOutput,
  childEnv,
  cpuMs,
  forkRole as forkScriptRole,
  freePort,
  killChildrenAtExit,
  makeWorkspace,
  otherLoad,
  serveIpc,
  startDaemon as startDaemonIn,
  stopChild,
  track,
  vmRssKiB,
  waitForOutput,
} from './procs.mjs';

const SELF = fileURLToPath(import.meta.url);
const RUN_JS = join(ROOT, 'bin', 'run.js');
const forkRole = (name) => forkScriptRole(SELF, name);
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const role = arg('role');
const only = arg('only');
if (!role) killChildrenAtExit();

// 1. start-to-ready
const START_N = Number(process.env.RAOS_BENCH_START_N ?? 7);
const START_WARMUP = 1;
const POLL_MS = 5;
const SETTLE_MS = 2000;
const START_TARGET_MS = 500;
const RSS_TARGET_MB = 80; // decimal megabytes, the stricter reading of "80 MB"
// Idle RSS is read once a process has sat without requests long enough for V8's memory reducer to
// release what starting up left behind (it acts after several seconds of idleness); the RSS 2 s after
// ready is printed beside it.
const IDLE_N = Number(process.env.RAOS_BENCH_IDLE_N ?? 3);
const IDLE_SETTLE_MS = Number(process.env.RAOS_BENCH_IDLE_SETTLE_S ?? 15) * 1000;

// 2. REST
const REST_SECONDS = Number(process.env.RAOS_BENCH_REST_SECONDS ?? 5);
const REST_ROUNDS = Number(process.env.RAOS_BENCH_REST_ROUNDS ?? 3);
const REST_WARMUP_SECONDS = 2;
const CONNECTIONS = 10;
const REST_TARGET = 0.5;

// 3. /ws fan-out
const WS_CLIENTS = Number(process.env.RAOS_BENCH_WS_CLIENTS ?? 1000);
const WS_RATE = Number(process.env.RAOS_BENCH_WS_RATE ?? 200);
const WS_SECONDS = Number(process.env.RAOS_BENCH_WS_SECONDS ?? 5);
const WS_ROUNDS = Number(process.env.RAOS_BENCH_WS_ROUNDS ?? 2);
const WS_LAT_RATE = Number(process.env.RAOS_BENCH_WS_LATENCY_RATE ?? 25);
const WS_LAT_SECONDS = 4;
const WS_TARGET = 0.8;

// Node flags for the daemon of the REST and /ws parts, for diagnosis: e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
// (the profile is written when the daemon exits at the end of the part).
const DAEMON_NODE_ARGS = (process.env.RAOS_BENCH_DAEMON_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const startDaemon = (ws) => startDaemonIn(ws, DAEMON_NODE_ARGS);
const TIMEOUT_MS = Number(process.env.RAOS_BENCH_DAEMON_TIMEOUT_S ?? 600) * 1000;
const TS_KEY = '"timestamp":';

/** Sends `count` calls of fn(i) at a steady `rate` per second (open loop: it does not wait for answers). */
async function paced(rate, count, fn) {
  const t0 = performance.now();
  const pending = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait >= 1) await sleep(wait);
    pending.push(fn(i));
  }
  return Promise.all(pending);
}

/** Percentile of a histogram of whole milliseconds (index = ms). */
function histPercentile(hist, total, p) {
  if (total === 0) return NaN;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let ms = 0; ms < hist.length; ms++) {
    seen += hist[ms];
    if (seen >= rank) return ms;
  }
  return hist.length - 1;
}

// ---------------------------------------------------------------------------------------------------
// 1. Start-to-ready and idle RSS.

/** Polls `url` every POLL_MS until it answers 200; returns the ms since t0. */
async function pollReady(url, t0, child, out, timeoutMs = 20_000) {
  const probe = () =>
    new Promise((resolve) => {
      const req = get(url, { agent: false, timeout: 1000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  for (;;) {
    if (await probe()) return now() - t0;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before it was ready: ${out.text.trim()}`);
    if (now() - t0 > timeoutMs) throw new Error(`not ready after ${timeoutMs} ms: ${out.text.trim()}`);
    await sleep(POLL_MS);
  }
}

async function benchStart(tmp) {
  heading('daemon: start-to-ready and idle RSS');
  const ws = makeWorkspace(tmp, 'ws-start');
  const cases = [
    {
      key: 'node',
      label: 'bare node:http (node -e …listen)',
      args: (port) => ['-e', `require('http').createServer((q,s)=>s.end('ok')).listen(${port},'127.0.0.1',()=>console.log('up'))`],
    },
    {
      key: 'daemon',
      label: 'raos daemon start --foreground',
      args: (port, workspace = ws) => [RUN_JS, 'daemon', 'start', '--foreground', '-p', String(port), '--workspace', workspace],
    },
  ];
  const times = { node: [], daemon: [] };
  const rss = { node: [], daemon: [] };
  for (let i = 0; i < START_WARMUP + START_N; i++) {
    for (const c of cases) {
      const port = await freePort();
      const t0 = now();
      const child = track(spawn(process.execPath, c.args(port), { cwd: tmp, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] }));
      const out = captureOutput(child);
      try {
        const ms = await pollReady(`http://127.0.0.1:${port}/healthz`, t0, child, out);
        await sleep(SETTLE_MS);
        const kib = vmRssKiB(child.pid);
        if (i >= START_WARMUP) {
          times[c.key].push(ms);
          rss[c.key].push(kib);
        }
      } catch (err) {
        throw new Error(`${c.label}: ${err.message}`);
      } finally {
        await stopChild(child);
      }
    }
  }
  // Idle: IDLE_N processes of each kind at once, left without requests for IDLE_SETTLE_MS after ready.
  const idle = { node: [], daemon: [] };
  const idleChildren = [];
  try {
    for (let i = 0; i < IDLE_N; i++) {
      // One workspace per daemon: a workspace has one daemon at a time.
      const own = makeWorkspace(tmp, `ws-idle-${i}`);
      for (const c of cases) {
        const port = await freePort();
        const t0 = now();
        const child = track(spawn(process.execPath, c.args(port, own), { cwd: tmp, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] }));
        idleChildren.push({ c, child, ready: pollReady(`http://127.0.0.1:${port}/healthz`, t0, child, captureOutput(child)) });
      }
    }
    for (const x of idleChildren) await x.ready;
    await sleep(IDLE_SETTLE_MS);
    for (const x of idleChildren) idle[x.c.key].push(vmRssKiB(x.child.pid));
  } finally {
    for (const x of idleChildren) await stopChild(x.child);
  }

  console.log(
    `N=${START_N} per process after ${START_WARMUP} warm-up round, interleaved; from spawn() to the first 200 of GET /healthz, polled every ${POLL_MS} ms (a fresh free port passed to both); RSS = VmRSS ${SETTLE_MS / 1000} s after ready, and (idle) after ${IDLE_SETTLE_MS / 1000} s without requests (${IDLE_N} of each running side by side)`,
  );
  console.log(`${'process'.padEnd(34)} ${'median ms'.padStart(10)} ${'min-max ms'.padStart(12)} ${'RSS@2s MiB'.padStart(11)} ${'idle RSS MiB'.padStart(13)} ${'idle min-max'.padStart(13)}`);
  for (const c of cases) {
    const [lo, hi] = range(times[c.key]);
    const [ilo, ihi] = range(idle[c.key]);
    console.log(
      `${c.label.padEnd(34)} ${fmt(median(times[c.key]), 1).padStart(10)} ${`${fmt(lo, 0)}-${fmt(hi, 0)}`.padStart(12)} ${fmt(median(rss[c.key]) / 1024, 1).padStart(11)} ${fmt(median(idle[c.key]) / 1024, 1).padStart(13)} ${`${fmt(ilo / 1024, 1)}-${fmt(ihi / 1024, 1)}`.padStart(13)}`,
    );
  }
  const base = median(times.node);
  const ms = median(times.daemon);
  const pass = verdict(ms, START_TARGET_MS, 'atMost');
  console.log(`daemon start-to-ready: ${fmt(ms, 1)} ms = ${fmt(ms / base, 2)}× bare node:http (${fmt(base, 1)} ms); target ≤ ${START_TARGET_MS} ms → ${pass}`);
  report({
    figure: 'daemon start-to-ready',
    value: `${fmt(ms, 1)} ms`,
    baseline: `${fmt(base, 1)} ms (bare node:http)`,
    ratio: ms / base,
    target: `≤ ${START_TARGET_MS} ms`,
    pass,
  });
  const kib = median(idle.daemon);
  const mb = (kib * 1024) / 1e6;
  const rssPass = verdict(mb, RSS_TARGET_MB, 'atMost');
  const early = (median(rss.daemon) * 1024) / 1e6;
  console.log(
    `daemon idle RSS: ${fmt(mb, 1)} MB (${fmt(kib / 1024, 1)} MiB) = ${fmt(kib / median(idle.node), 2)}× bare node:http (${fmt((median(idle.node) * 1024) / 1e6, 1)} MB); ${fmt(early, 1)} MB 2 s after ready; target ≤ ${RSS_TARGET_MB} MB → ${rssPass}`,
  );
  report({
    figure: 'daemon idle RSS',
    value: `${fmt(mb, 1)} MB`,
    baseline: `${fmt((median(idle.node) * 1024) / 1e6, 1)} MB (bare node:http)`,
    ratio: kib / median(idle.node),
    target: `≤ ${RSS_TARGET_MB} MB`,
    pass: rssPass,
    note: `after ${IDLE_SETTLE_MS / 1000} s without requests; ${fmt(early, 1)} MB 2 s after ready`,
  });
}

// ---------------------------------------------------------------------------------------------------
// 2. REST and tRPC reads against a bare node:http server answering the same bytes.

/** `headers`: the REST answer's own headers, less those node:http adds itself (date, connection, ...). */
async function startBareHttp(body, headers) {
  const child = track(
    spawn(process.execPath, [SELF, '--role=bare-http'], {
      env: { ...childEnv, RAOS_BENCH_BODY: body.toString('base64'), RAOS_BENCH_HEADERS: JSON.stringify(headers) },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const out = captureOutput(child);
  const m = await waitForOutput(child, out, /listening (\d+)/, 10_000, 'bare node:http');
  return { child, pid: child.pid, url: `http://127.0.0.1:${m[1]}` };
}

async function cannon(target, seconds) {
  const cpu0 = cpuMs(target.pid);
  const own0 = process.cpuUsage();
  const others = otherLoad([target.pid]);
  const t0 = now();
  const r = await autocannon({ url: target.url, connections: CONNECTIONS, duration: seconds, headers: target.headers });
  const wall = now() - t0;
  const serverCpu = cpuMs(target.pid) - cpu0;
  const own = process.cpuUsage(own0);
  const { other, steal } = others();
  if (r.non2xx > 0 || r.requests.total === 0) {
    throw new Error(`${target.label}: ${r.non2xx} non-2xx answers of ${r.requests.total} (status codes ${JSON.stringify(r.statusCodeStats)})`);
  }
  return {
    rps: r.requests.total / r.duration,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    serverUsPerReq: (serverCpu * 1000) / r.requests.total,
    serverCores: serverCpu / wall,
    genCores: (own.user + own.system) / 1000 / wall,
    other,
    steal,
  };
}

async function benchRest(tmp) {
  heading('daemon: REST and tRPC HTTP reads against bare node:http (autocannon)');
  const ws = makeWorkspace(tmp, 'ws-rest');
  const d = await startDaemon(ws);
  let bare;
  try {
    const headers = { authorization: `Bearer ${d.token}` };
    const path = '/api/memory/entry/get?key=greeting';
    const restUrl = `${d.url}${path}`;
    const trpcUrl = `${d.url}/trpc/memory.get?input=${encodeURIComponent(JSON.stringify({ key: 'greeting' }))}`;
    const res = await fetch(restUrl, { headers });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || JSON.parse(body.toString('utf8')).data?.value !== 'hello') {
      throw new Error(`REST read failed (${res.status}): ${body}`);
    }
    const tres = await fetch(trpcUrl, { headers });
    const tbody = await tres.text();
    if (tres.status !== 200 || JSON.parse(tbody).result?.data?.value !== 'hello') throw new Error(`tRPC read failed (${tres.status}): ${tbody}`);
    const skip = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);
    const same = Object.fromEntries([...res.headers].filter(([k]) => !skip.has(k)));
    bare = await startBareHttp(body, same);
    const check = await fetch(`${bare.url}${path}`);
    if (!Buffer.from(await check.arrayBuffer()).equals(body)) throw new Error('the bare server does not answer the same bytes');
    if ([...res.headers.keys()].sort().join() !== [...check.headers.keys()].sort().join()) {
      throw new Error(`the bare server does not send the same headers: ${[...check.headers.keys()]} vs ${[...res.headers.keys()]}`);
    }

    const targets = [
      { key: 'bare', label: 'bare node:http, same bytes', url: `${bare.url}${path}`, pid: bare.pid, headers },
      { key: 'rest', label: 'daemon REST /api/memory/entry/get', url: restUrl, pid: d.pid, headers },
      { key: 'trpc', label: 'daemon tRPC /trpc/memory.get', url: trpcUrl, pid: d.pid, headers },
    ];
    console.log(
      `autocannon in this process, ${CONNECTIONS} connections; each server in its own process; ${REST_WARMUP_SECONDS} s warm-up each, then ${REST_ROUNDS} interleaved rounds of ${REST_SECONDS} s`,
    );
    console.log(`answer: ${body.length} bytes (${body.toString('utf8').slice(0, 60)}…), headers ${Object.keys(same).join(', ')} + content-length`);
    for (const t of targets) await cannon(t, REST_WARMUP_SECONDS);
    const results = { bare: [], rest: [], trpc: [] };
    for (let round = 1; round <= REST_ROUNDS; round++) {
      for (const t of targets) {
        const r = await cannon(t, REST_SECONDS);
        results[t.key].push(r);
        console.log(
          `round ${round} ${t.label.padEnd(34)} ${fmt(r.rps, 0).padStart(8)} req/s  p99 ${fmt(r.p99, 0)} ms  server ${fmt(r.serverUsPerReq, 1)} µs CPU/req (${fmt(r.serverCores, 2)} cores)  autocannon ${fmt(r.genCores, 2)} cores  other work ${fmt(r.other, 2)} cores${r.steal >= 0.05 ? `, stolen ${fmt(r.steal, 2)}` : ''}${r.errors ? `  ${r.errors} errors` : ''}`,
        );
      }
    }
    const med = (key, f) => median(results[key].map(f));
    const base = med('bare', (r) => r.rps);
    const gen = med('bare', (r) => r.genCores);
    const cpuNote = `autocannon runs on the same ${cpus().length}-core machine and used ${fmt(med('rest', (r) => r.genCores), 2)}–${fmt(gen, 2)} of a core; same setup for every target`;
    console.log(`note: ${cpuNote}. The ratio compares like with like; absolute req/s are bounded by the shared CPU.`);
    for (const t of targets) {
      const [lo, hi] = range(results[t.key].map((r) => r.rps));
      console.log(
        `${t.label.padEnd(34)} median ${fmt(med(t.key, (r) => r.rps), 0).padStart(8)} req/s (${fmt(lo, 0)}-${fmt(hi, 0)})  ${fmt(med(t.key, (r) => r.rps) / base, 3)}× bare  server CPU ${fmt(med(t.key, (r) => r.serverUsPerReq), 1)} µs/req`,
      );
    }
    const maxOther = Math.max(...Object.values(results).flat().map((r) => r.other));
    console.log(
      `other work on the machine during the rounds: up to ${fmt(maxOther, 2)} cores${maxOther > 0.25 ? ' (a disturbed run: the figures are less reliable)' : ''}`,
    );
    const paired = (key) => results[key].map((r, i) => fmt(r.rps / results.bare[i].rps, 3)).join(', ');
    console.log(`per-round ratios to bare: REST ${paired('rest')}; tRPC ${paired('trpc')}`);
    const rest = med('rest', (r) => r.rps);
    const pass = verdict(rest / base, REST_TARGET, 'atLeast');
    console.log(`daemon REST GET: ${fmt(rest, 0)} req/s = ${fmt(rest / base, 3)}× bare node:http (${fmt(base, 0)} req/s); target ≥ ${REST_TARGET}× → ${pass}`);
    report({
      figure: 'daemon REST GET /api/memory/entry/get',
      value: `${fmt(rest, 0)} req/s`,
      baseline: `${fmt(base, 0)} req/s (bare node:http)`,
      ratio: rest / base,
      target: `≥ ${REST_TARGET}×`,
      pass,
      note: `${cpuNote}; other work up to ${fmt(maxOther, 2)} cores; server CPU per request: REST ${fmt(med('rest', (r) => r.serverUsPerReq), 1)} µs, bare ${fmt(med('bare', (r) => r.serverUsPerReq), 1)} µs`,
    });
    const trpc = med('trpc', (r) => r.rps);
    console.log(`daemon tRPC GET (informational): ${fmt(trpc, 0)} req/s = ${fmt(trpc / base, 3)}× bare node:http`);
    report({
      figure: 'daemon tRPC GET /trpc/memory.get',
      value: `${fmt(trpc, 0)} req/s`,
      baseline: `${fmt(base, 0)} req/s (bare node:http)`,
      ratio: trpc / base,
      note: `informational; server CPU ${fmt(med('trpc', (r) => r.serverUsPerReq), 1)} µs/req`,
    });
  } finally {
    await stopChild(bare?.child);
    await stopChild(d.child);
  }
}

// ---------------------------------------------------------------------------------------------------
// 3. /ws fan-out against a bare ws broadcast of the same messages.

function wsClientCount() {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const limit = Number(r.stdout?.trim());
  // Each end of a connection is one descriptor in its process; keep 100 spare for everything else.
  if (Number.isFinite(limit) && limit < WS_CLIENTS + 100) {
    const n = Math.min(900, limit - 100);
    return { n, why: `ulimit -n is ${limit}: ${n} clients instead of ${WS_CLIENTS}` };
  }
  return { n: WS_CLIENTS, why: `ulimit -n is ${r.stdout?.trim()}` };
}

/** POSTs /api/memory/entry/set with a keep-alive agent; resolves with the status and the round trip. */
function postSet(d, agent, key) {
  const body = JSON.stringify({ key, value: 'v' });
  return new Promise((resolve) => {
    const t0 = now();
    const req = request(
      `${d.url}/api/memory/entry/set`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: now() - t0 }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, ms: now() - t0, error: err.message }));
    req.end(body);
  });
}

/** Keys of one length (the event frame's size must not change): phase letter, round, index. */
const keyFor = (phase, round, i) => `${phase}${round % 10}-${String(i).padStart(6, '0')}`;

/** One real event frame, as the daemon sends it, to build the baseline's messages from. */
async function sampleEvent(d, agent) {
  const ws = new WebSocket(`${d.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${d.token}` }, perMessageDeflate: false });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no event from /ws within 10 s')), 10_000);
      ws.on('error', reject);
      ws.on('message', (data) => {
        const text = data.toString('utf8');
        const msg = JSON.parse(text);
        if (msg.type === 'ready') ws.send(JSON.stringify({ type: 'subscribe', topics: ['memory'] }));
        else if (msg.type === 'subscribed') postSet(d, agent, keyFor('s', 0, 0));
        else if (msg.eventType === 'memory:set') {
          clearTimeout(timer);
          resolve(text);
        }
      });
    });
  } finally {
    ws.terminate();
  }
}

/** One phase: `count` messages at `rate`/s to the connected clients, then the figures. */
async function fanoutPhase(target, call, clientPid, { phase, round, rate, count, clients }) {
  await call({ type: 'reset' });
  const cpu0 = cpuMs(target.pid);
  const ccpu0 = cpuMs(clientPid);
  const others = otherLoad([target.pid, clientPid]);
  const t0 = now();
  const pub = await target.publish(phase, round, rate, count);
  const expected = count * clients;
  // Drain: until every delivery arrived, or nothing arrived for 1 s (at most 20 s).
  let last = -1;
  let still = now();
  for (const end = now() + 20_000; now() < end; ) {
    const { delivered } = await call({ type: 'count' });
    if (delivered >= expected) break;
    if (delivered !== last) {
      last = delivered;
      still = now();
    } else if (now() - still > 1000) break;
    await sleep(50);
  }
  const wall = now() - t0;
  const { other, steal } = others();
  const s = await call({ type: 'report' });
  return {
    ...s,
    other,
    steal,
    expected,
    perSec: s.delivered / ((s.lastRecv - s.firstTs) / 1000),
    serverCores: (cpuMs(target.pid) - cpu0) / wall,
    clientCores: (cpuMs(clientPid) - ccpu0) / wall,
    pub,
  };
}

/** Connects the clients (a fresh child process), runs the latency phase, then the throughput phase. */
async function fanoutRound(target, round, clients) {
  const { child, call } = forkRole('ws-clients');
  try {
    const conn = await call({ type: 'connect', url: target.wsUrl, headers: target.headers, count: clients, subscribe: target.subscribe }, 120_000);
    // Warm-up, not counted: the first events on fresh connections (and the daemon's first writes) are slow.
    await fanoutPhase(target, call, child.pid, { phase: 'w', round, rate: WS_LAT_RATE, count: WS_LAT_RATE, clients });
    const lat = await fanoutPhase(target, call, child.pid, { phase: 'l', round, rate: WS_LAT_RATE, count: Math.round(WS_LAT_RATE * WS_LAT_SECONDS), clients });
    const thr = await fanoutPhase(target, call, child.pid, { phase: 't', round, rate: WS_RATE, count: Math.round(WS_RATE * WS_SECONDS), clients });
    return { lat, thr, connectMs: conn.ms };
  } finally {
    await call({ type: 'close' }, 30_000).catch(() => {});
    await stopChild(child);
  }
}

function describePhase(r) {
  const closes = Object.entries(r.closes).map(([c, k]) => `${k}×${c}`).join(', ');
  return (
    `${fmt(r.perSec, 0).padStart(8)} deliveries/s  ${r.delivered}/${r.expected}  latency p50 ${r.p50} p99 ${r.p99} max ${r.max} ms  ` +
    `server ${fmt(r.serverCores, 2)} cores, clients ${fmt(r.clientCores, 2)}, other work ${fmt(r.other, 2)}${r.steal >= 0.05 ? `, stolen ${fmt(r.steal, 2)}` : ''}  (${r.pub}${closes ? `; closed early: ${closes}` : ''})`
  );
}

async function benchWs(tmp) {
  const { n: clients, why } = wsClientCount();
  heading(`daemon: /ws fan-out to ${clients} clients against a bare ws broadcast`);
  const ws = makeWorkspace(tmp, 'ws-fanout');
  const d = await startDaemon(ws);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let server;
  try {
    const sample = await sampleEvent(d, agent);
    const tsOffset = sample.lastIndexOf(TS_KEY) + TS_KEY.length;
    if (tsOffset < TS_KEY.length || !/^\d{13}\}$/.test(sample.slice(tsOffset))) throw new Error(`unexpected event frame: ${sample}`);
    server = forkRole('ws-server');
    const { port } = await server.call({ type: 'listen' });

    const targets = [
      {
        key: 'daemon',
        label: 'daemon /ws, writes via REST',
        wsUrl: `${d.url.replace('http', 'ws')}/ws`,
        headers: { authorization: `Bearer ${d.token}` },
        subscribe: true,
        pid: d.pid,
        publish: async (phase, round, rate, n) => {
          const rs = await paced(rate, n, (i) => postSet(d, agent, keyFor(phase, round, i)));
          const failed = rs.filter((r) => r.status !== 200);
          if (failed.length) throw new Error(`${failed.length} of ${n} writes failed, e.g. ${JSON.stringify(failed[0])}`);
          const ms = rs.map((r) => r.ms).sort((a, b) => a - b);
          return `${n} POSTs, round trip p50 ${fmt(median(ms), 1)} p99 ${fmt(ms[Math.ceil(0.99 * ms.length) - 1], 1)} ms`;
        },
      },
      {
        key: 'bare',
        label: 'bare ws broadcast, same bytes',
        wsUrl: `ws://127.0.0.1:${port}/`,
        headers: {},
        subscribe: false,
        pid: server.child.pid,
        publish: async (_phase, _round, rate, n) => {
          const r = await server.call({ type: 'broadcast', rate, count: n, template: sample, tsOffset }, 120_000);
          return `${r.sent} broadcasts to ${r.clients} clients`;
        },
      },
    ];
    console.log(
      `${clients} clients (${why}) in one child process; the daemon and the bare server in others; the REST publisher here. ${WS_ROUNDS} interleaved rounds each; per round, fresh connections, then`,
    );
    console.log(
      `  a warm-up of 1 s at ${WS_LAT_RATE} messages/s, not counted; latency phase: ${WS_LAT_RATE} messages/s for ${WS_LAT_SECONDS} s (${fmt(WS_LAT_RATE * clients, 0)} deliveries/s offered, below what either side can do)`,
    );
    console.log(
      `  throughput phase: ${WS_RATE} messages/s for ${WS_SECONDS} s (${fmt(WS_RATE * clients, 0)} deliveries/s offered; when that is more than a side can do, its deliveries/s is its capacity)`,
    );
    console.log(`message: ${Buffer.byteLength(sample)} bytes, ${sample.slice(0, 70)}…`);
    console.log(
      "deliveries/s = deliveries / (last receipt - first event's timestamp). latency = receipt (Date.now() in the clients' process) - the event's timestamp, whole ms; the daemon takes that timestamp when memory.set starts, so its latency includes the durable commit",
    );
    const results = { daemon: [], bare: [] };
    for (let round = 1; round <= WS_ROUNDS; round++) {
      for (const t of targets) {
        const r = await fanoutRound(t, round, clients);
        results[t.key].push(r);
        console.log(`round ${round} ${t.label} (connected in ${fmt(r.connectMs, 0)} ms)`);
        console.log(`  latency    ${describePhase(r.lat)}`);
        console.log(`  throughput ${describePhase(r.thr)}`);
      }
    }
    const med = (key, f) => median(results[key].map(f));
    const base = med('bare', (r) => r.thr.perSec);
    const value = med('daemon', (r) => r.thr.perSec);
    const lost = results.daemon.reduce((n, r) => n + (r.thr.expected - r.thr.delivered) + (r.lat.expected - r.lat.delivered), 0);
    const lostBare = results.bare.reduce((n, r) => n + (r.thr.expected - r.thr.delivered) + (r.lat.expected - r.lat.delivered), 0);
    const pass = verdict(value / base, WS_TARGET, 'atLeast');
    const p99 = { daemon: med('daemon', (r) => r.lat.p99), bare: med('bare', (r) => r.lat.p99) };
    const p99Thr = { daemon: med('daemon', (r) => r.thr.p99), bare: med('bare', (r) => r.thr.p99) };
    const cores = (key, f) => fmt(med(key, f), 2);
    console.log(
      `daemon /ws fan-out: ${fmt(value, 0)} deliveries/s = ${fmt(value / base, 3)}× bare ws (${fmt(base, 0)}/s) at ${WS_RATE} messages/s offered; target ≥ ${WS_TARGET}× → ${pass}`,
    );
    console.log(
      `p99 delivery latency: at ${WS_LAT_RATE}/s daemon ${p99.daemon} ms, bare ${p99.bare} ms; at ${WS_RATE}/s daemon ${p99Thr.daemon} ms, bare ${p99Thr.bare} ms`,
    );
    console.log(
      `CPU in the throughput phase (cores, median): server daemon ${cores('daemon', (r) => r.thr.serverCores)} / bare ${cores('bare', (r) => r.thr.serverCores)}; clients' process ${cores('daemon', (r) => r.thr.clientCores)} / ${cores('bare', (r) => r.thr.clientCores)}; the publisher and this process share the same 2 cores`,
    );
    const maxOther = Math.max(...Object.values(results).flat().flatMap((r) => [r.lat.other, r.thr.other]));
    console.log(
      `other work on the machine during the phases: up to ${fmt(maxOther, 2)} cores${maxOther > 0.25 ? ' (a disturbed run: the figures are less reliable)' : ''}`,
    );
    if (lost || lostBare) console.log(`deliveries missing: daemon ${lost}, bare ${lostBare}`);
    report({
      figure: `daemon /ws fan-out, ${clients} clients`,
      value: `${fmt(value, 0)} deliveries/s`,
      baseline: `${fmt(base, 0)}/s (bare ws)`,
      ratio: value / base,
      target: `≥ ${WS_TARGET}×`,
      pass,
      note: `offered ${WS_RATE}/s × ${clients} clients; other work up to ${fmt(maxOther, 2)} cores; server CPU daemon ${cores('daemon', (r) => r.thr.serverCores)} vs bare ${cores('bare', (r) => r.thr.serverCores)} cores${lost ? `; ${lost} deliveries missing` : ''}`,
    });
    report({
      figure: `daemon /ws p99 latency at ${WS_LAT_RATE}/s (at ${WS_RATE}/s)`,
      value: `${p99.daemon} ms (${p99Thr.daemon} ms)`,
      baseline: `${p99.bare} ms (${p99Thr.bare} ms) (bare ws)`,
      note: `informational; write-start to receipt for the daemon (includes the durable commit), send to receipt for the bare server`,
    });
  } finally {
    agent.destroy();
    if (server) {
      await server.call({ type: 'close' }, 10_000).catch(() => {});
      await stopChild(server.child);
    }
    await stopChild(d.child);
  }
}

// ---------------------------------------------------------------------------------------------------
// Roles: the child processes.

/** Answers IPC requests with handler(msg); exits when the parent goes away. */

/** A bare node:http server answering every request with the same bytes and headers (RAOS_BENCH_BODY, base64; RAOS_BENCH_HEADERS). */
function roleBareHttp() {
  const body = Buffer.from(process.env.RAOS_BENCH_BODY ?? '', 'base64');
  const headers = { ...JSON.parse(process.env.RAOS_BENCH_HEADERS ?? '{}'), 'content-length': body.length };
  const srv = createServer((req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  srv.keepAliveTimeout = 5_000; // as the daemon's
  srv.listen(0, '127.0.0.1', () => console.log(`listening ${srv.address().port}`));
  // Orphan guard: the parent holds our stdin; when it goes, so do we.
  process.stdin.on('end', () => process.exit(0)).resume();
  process.on('SIGTERM', () => process.exit(0));
}

/** A bare `ws` server that broadcasts a message at a steady rate to every connected client. */
function roleWsServer() {
  let wss;
  serveIpc(async (m) => {
    if (m.type === 'listen') {
      wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
      await new Promise((resolve) => wss.once('listening', resolve));
      return { port: wss.address().port };
    }
    if (m.type === 'broadcast') {
      const template = Buffer.from(m.template, 'utf8');
      let sent = 0;
      await paced(m.rate, m.count, () => {
        // A fresh copy per message: the previous one may still be queued on slow sockets.
        const buf = Buffer.from(template);
        buf.write(String(Date.now()), m.tsOffset, 'latin1');
        for (const c of wss.clients) c.send(buf, { binary: false });
        sent++;
      });
      return { sent, clients: wss.clients.size };
    }
    if (m.type === 'close') {
      for (const c of wss?.clients ?? []) c.terminate();
      await new Promise((resolve) => (wss ? wss.close(resolve) : resolve()));
      return {};
    }
    throw new Error(`unknown request ${m.type}`);
  });
}

/** N WebSocket clients; counts the events they receive and the latency of each from its timestamp. */
function roleWsClients() {
  const sockets = [];
  const tsKey = Buffer.from(TS_KEY);
  const hist = new Uint32Array(60_001);
  let delivered = 0;
  let other = 0;
  let firstTs = Infinity;
  let lastRecv = 0;
  const closes = {};
  let closing = false;

  const onData = (data) => {
    const recv = Date.now();
    const buf = Array.isArray(data) ? Buffer.concat(data) : data;
    const at = buf.lastIndexOf(tsKey);
    if (at < 0) {
      other++;
      return;
    }
    let ts = 0;
    for (let j = at + tsKey.length; j < buf.length; j++) {
      const c = buf[j];
      if (c < 48 || c > 57) break;
      ts = ts * 10 + (c - 48);
    }
    delivered++;
    if (ts < firstTs) firstTs = ts;
    lastRecv = recv;
    hist[Math.min(Math.max(recv - ts, 0), hist.length - 1)]++;
  };

  const openOne = (url, headers, subscribe) =>
    new Promise((resolve, reject) => {
      const s = new WebSocket(url, { headers, perMessageDeflate: false });
      const timer = setTimeout(() => reject(new Error('connect timed out')), 30_000);
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      s.on('close', (code) => {
        if (!closing) closes[code] = (closes[code] ?? 0) + 1;
      });
      const ready = () => {
        clearTimeout(timer);
        s.on('message', onData);
        resolve(s);
      };
      if (!subscribe) {
        s.once('open', ready);
        return;
      }
      const onControl = (data) => {
        const msg = JSON.parse(data.toString('utf8'));
        if (msg.type === 'ready') s.send(JSON.stringify({ type: 'subscribe', topics: ['memory'] }));
        else if (msg.type === 'subscribed') {
          s.off('message', onControl);
          ready();
        } else if (msg.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`${msg.code}: ${msg.message}`));
        }
      };
      s.on('message', onControl);
    });

  serveIpc(async (m) => {
    if (m.type === 'connect') {
      const t0 = performance.now();
      for (let i = 0; i < m.count; i += 50) {
        const batch = [];
        for (let j = i; j < Math.min(m.count, i + 50); j++) batch.push(openOne(m.url, m.headers, m.subscribe));
        sockets.push(...(await Promise.all(batch)));
      }
      return { connected: sockets.length, ms: performance.now() - t0 };
    }
    if (m.type === 'count') return { delivered };
    if (m.type === 'reset') {
      hist.fill(0);
      delivered = 0;
      other = 0;
      firstTs = Infinity;
      lastRecv = 0;
      for (const k of Object.keys(closes)) delete closes[k];
      return {};
    }
    if (m.type === 'report') {
      let max = 0;
      for (let i = hist.length - 1; i >= 0; i--) if (hist[i]) {
        max = i;
        break;
      }
      return {
        delivered,
        other,
        firstTs,
        lastRecv,
        closes,
        p50: histPercentile(hist, delivered, 50),
        p99: histPercentile(hist, delivered, 99),
        max,
      };
    }
    if (m.type === 'close') {
      closing = true;
      for (const s of sockets) s.terminate();
      return {};
    }
    throw new Error(`unknown request ${m.type}`);
  });
}

// ---------------------------------------------------------------------------------------------------

if (role === 'bare-http') roleBareHttp();
else if (role === 'ws-server') roleWsServer();
else if (role === 'ws-clients') roleWsClients();
else if (role) {
  console.error(`unknown role ${role}`);
  process.exit(2);
} else {
  await main(async () => {
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    const watchdog = setTimeout(() => {
      console.error(`benchmark failed: still running after ${TIMEOUT_MS / 1000} s; stopping`);
      process.exit(1);
    }, TIMEOUT_MS);
    watchdog.unref();
    heading('daemon');
    console.log(machine());
    const tmp = tempDir('raos-bench-daemon-');
    if (!only || only === 'start') await benchStart(tmp);
    if (!only || only === 'rest') await benchRest(tmp);
    if (!only || only === 'ws') await benchWs(tmp);
    clearTimeout(watchdog);
  });
  // Nothing must keep this process alive (keep-alive sockets, a child that did not exit).
  process.exit();
}
