// Live play (issue 5): one scene, 1,000 /ws clients joined to it, 500 entities moving every tick.
// Deltas delivered per second and p99 tick-to-client latency, against a bare `ws` broadcast of the same
// bytes at the same rate, in the same run; and the daemon's memory per connected client.
//
//   npm run build && node bench/game.mjs
//
//   RAOS_BENCH_GAME_CLIENTS (1000), RAOS_BENCH_GAME_ENTITIES (500), RAOS_BENCH_GAME_SECONDS (5),
//   RAOS_BENCH_GAME_ROUNDS (2), RAOS_BENCH_GAME_TICK_HZ (20), RAOS_BENCH_GAME_ENCODING (binary; or json)
//
// The daemon is `raos daemon start --foreground` in a temp workspace holding the scene (imported with
// `raos game scene import`). The mover runs in this process: one /ws connection (the owner token) that
// joins the scene and sends one `moves` message per tick moving every entity. The clients are a child
// process (this file with --role=clients); the bare server another (--role=bare). A client does not parse
// what it receives: it reads the tick's timestamp from the first bytes of the frame and counts the move
// rows, the same work for both servers.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { fmt, heading, machine, main, median, report, ROOT, tempDir, verdict } from './lib.mjs';
import { cli, cpuMs, forkRole, killChildrenAtExit, makeWorkspace, otherLoad, serveIpc, startDaemon, stopChild, vmRssKiB } from './procs.mjs';

const SELF = fileURLToPath(import.meta.url);
const role = process.argv.find((a) => a.startsWith('--role='))?.slice(7);

const CLIENTS = Number(process.env.RAOS_BENCH_GAME_CLIENTS ?? 1000);
const ENTITIES = Number(process.env.RAOS_BENCH_GAME_ENTITIES ?? 500);
const SECONDS = Number(process.env.RAOS_BENCH_GAME_SECONDS ?? 5);
const ROUNDS = Number(process.env.RAOS_BENCH_GAME_ROUNDS ?? 2);
const TICK_HZ = Number(process.env.RAOS_BENCH_GAME_TICK_HZ ?? 20);
/** How the clients take their ticks: binary (22 bytes a move) or json (about 42). */
const ENCODING = process.env.RAOS_BENCH_GAME_ENCODING ?? 'binary';
const WARMUP_MS = 1000;
const RATIO_TARGET = 0.7;
const P99_TARGET_MS = 50;
const TS_KEY = Buffer.from('"timestamp":');
const ROW_KEY = Buffer.from('["e_');

/** Counts the moves of a tick frame and reads its timestamp, without parsing it. */
function readFrame(buf) {
  if (buf[0] === 0x52 && buf[1] === 0x54) {
    // Binary: timestamp f64 at 8; after the scene id and the deltas, the move count.
    const sid = buf.readUInt16LE(16);
    const deltas = buf.readUInt32LE(18 + sid);
    return { ts: buf.readDoubleLE(8), rows: buf.readUInt32LE(22 + sid + deltas) };
  }
  const at = buf.indexOf(TS_KEY);
  if (at === -1 || at > 200) return null;
  const ts = Number(buf.toString('latin1', at + TS_KEY.length, at + TS_KEY.length + 13));
  let rows = 0;
  for (let i = buf.indexOf(ROW_KEY, at); i !== -1; i = buf.indexOf(ROW_KEY, i + 4)) rows++;
  return { ts, rows };
}

// ---------------------------------------------------------------------------------------------------
// Roles

/** The clients: connect, (join), then count rows and latencies while measuring. */
function roleClients() {
  let sockets = [];
  let measuring = false;
  let rows = 0;
  let frames = 0;
  let first = 0;
  let last = 0;
  const hist = new Uint32Array(10_000);
  let closedEarly = 0;
  serveIpc(async (m) => {
    if (m.type === 'connect') {
      const t0 = Date.now();
      sockets = await Promise.all(
        Array.from(
          { length: m.count },
          () =>
            new Promise((resolve, reject) => {
              const ws = new WebSocket(m.url, { headers: m.headers, perMessageDeflate: false, skipUTF8Validation: true });
              const timer = setTimeout(() => reject(new Error('connect timed out')), 60_000);
              const ready = (data) => {
                const text = data.toString('utf8', 0, Math.min(data.length, 200));
                if (m.sceneId ? text.startsWith('{"type":"joined"') : text.startsWith('{"type":"ready"') || !m.headers.authorization) {
                  ws.off('message', ready);
                  clearTimeout(timer);
                  ws.on('message', (buf) => {
                    if (!measuring) return;
                    const f = readFrame(buf);
                    if (!f) return;
                    const now = Date.now();
                    if (!first) first = f.ts;
                    last = now;
                    frames++;
                    rows += f.rows;
                    hist[Math.min(hist.length - 1, Math.max(0, now - f.ts))]++;
                  });
                  ws.on('close', () => {
                    if (measuring) closedEarly++;
                  });
                  resolve(ws);
                } else if (text.startsWith('{"type":"ready"') && m.sceneId) ws.send(JSON.stringify({ type: 'join', sceneId: m.sceneId, encoding: m.encoding }));
                else if (text.startsWith('{"type":"error"')) reject(new Error(text));
              };
              ws.on('message', ready);
              // The bare server sends nothing first: open is ready.
              ws.once('open', () => {
                if (!m.headers.authorization) ready(Buffer.from('{"type":"ready"}'));
              });
              ws.once('error', reject);
            }),
        ),
      );
      return { connectMs: Date.now() - t0 };
    }
    if (m.type === 'measure') {
      rows = frames = first = last = closedEarly = 0;
      hist.fill(0);
      measuring = true;
      await sleep(m.ms);
      measuring = false;
      const total = hist.reduce((a, b) => a + b, 0);
      const pct = (p) => {
        let seen = 0;
        const rank = Math.ceil((p / 100) * total);
        for (let i = 0; i < hist.length; i++) if ((seen += hist[i]) >= rank) return i;
        return hist.length - 1;
      };
      return { rows, frames, seconds: (last - first) / 1000, p50: pct(50), p99: pct(99), max: pct(100), closedEarly };
    }
    if (m.type === 'close') {
      for (const ws of sockets) ws.terminate();
      sockets = [];
      return {};
    }
    throw new Error(`unknown request ${m.type}`);
  });
}

/** The baseline: a bare ws server broadcasting a captured tick frame, with a fresh timestamp, every tick. */
function roleBare() {
  let wss;
  let timer;
  serveIpc(async (m) => {
    if (m.type === 'listen') {
      wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
      await new Promise((resolve) => wss.once('listening', resolve));
      return { port: wss.address().port };
    }
    if (m.type === 'start') {
      const template = Buffer.from(m.template, 'base64');
      const binary = template[0] === 0x52 && template[1] === 0x54;
      timer = setInterval(() => {
        const frame = Buffer.from(template);
        if (binary) frame.writeDoubleLE(Date.now(), 8);
        else frame.write(String(Date.now()), m.tsOffset, 'latin1');
        for (const ws of wss.clients) ws.send(frame, { binary });
      }, 1000 / m.hz);
      return {};
    }
    if (m.type === 'stop') {
      clearInterval(timer);
      return {};
    }
    if (m.type === 'close') {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
      return {};
    }
    throw new Error(`unknown request ${m.type}`);
  });
}

// ---------------------------------------------------------------------------------------------------
// The benchmark

/** A scene of `n` entities in a grid, as `raos game scene export` writes it. */
function sceneFile(dir, n) {
  const side = Math.ceil(Math.sqrt(n));
  const entities = Array.from({ length: n }, (_, i) => ({
    id: `b${i}`,
    parent: null,
    name: `unit ${i}`,
    position: [(i % side) * 2, 0, Math.floor(i / side) * 2],
    rotation: [0, 0, 0],
    scale: [1, 1, 1],
    components: { health: { current: 100, max: 100 } },
  }));
  const file = join(dir, 'scene.json');
  writeFileSync(file, JSON.stringify({ format: 'raos-scene/1', scene: { name: 'Arena', description: 'benchmark' }, entities, chatRooms: [] }));
  return file;
}

/** The mover: joins the scene, then sends every entity's new transform once per tick. */
async function mover(url, token, sceneId) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  const snapshot = await new Promise((resolve, reject) => {
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"ready"')) ws.send(JSON.stringify({ type: 'join', sceneId, encoding: ENCODING }));
      else if (text.startsWith('{"type":"joined"')) resolve(JSON.parse(text));
      else if (text.startsWith('{"type":"error"')) reject(new Error(text));
    });
    ws.once('error', reject);
  });
  const ids = snapshot.entities.map((e) => e.id);
  const base = snapshot.entities.map((e) => e.position);
  let sample;
  ws.on('message', (data, isBinary) => {
    if (!sample && (isBinary || String(data).startsWith('{"type":"tick"'))) sample = Buffer.from(data);
    if (!isBinary && String(data).startsWith('{"type":"error"')) console.error(`mover: ${data}`);
  });
  let step = 0;
  const timer = setInterval(() => {
    step++;
    const moves = ids.map((id, i) => {
      const a = (step + i) / 10;
      return [id, Math.round((base[i][0] + Math.cos(a)) * 1000) / 1000, 0, Math.round((base[i][2] + Math.sin(a)) * 1000) / 1000, 0, (step * 7 + i) % 360, 0];
    });
    ws.send(JSON.stringify({ type: 'moves', moves }));
  }, 1000 / TICK_HZ);
  return {
    sample: async () => {
      for (let i = 0; i < 100 && !sample; i++) await sleep(20);
      if (!sample) throw new Error('no tick frame reached the mover');
      return sample;
    },
    stop: () => {
      clearInterval(timer);
      ws.terminate();
    },
  };
}

async function measureRound(target, clients) {
  await clients.call({ type: 'connect', url: target.wsUrl, headers: target.headers, sceneId: target.sceneId, encoding: ENCODING, count: CLIENTS }, 180_000);
  await target.start();
  await sleep(WARMUP_MS);
  const c0 = cpuMs(target.pid);
  const cc0 = cpuMs(clients.child.pid);
  const others = otherLoad([target.pid, clients.child.pid]);
  const r = await clients.call({ type: 'measure', ms: SECONDS * 1000 }, SECONDS * 1000 + 60_000);
  const wall = SECONDS * 1000;
  const serverCores = (cpuMs(target.pid) - c0) / wall;
  const clientCores = (cpuMs(clients.child.pid) - cc0) / wall;
  const { other } = others();
  await target.stop();
  await clients.call({ type: 'close' }, 60_000);
  return { ...r, perSec: r.rows / Math.max(r.seconds, 1e-3), serverCores, clientCores, other };
}

async function run() {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  heading('game: live play, one scene');
  console.log(machine());
  const tmp = tempDir('raos-bench-game-');
  const ws = makeWorkspace(tmp, 'ws-game');
  cli(['config', 'set', 'game.tickHz', String(TICK_HZ), '--workspace', ws], tmp);
  const imported = JSON.parse(cli(['game', 'scene', 'import', sceneFile(tmp, ENTITIES), '--workspace', ws, '--json'], tmp));
  const d = await startDaemon(ws);
  const clients = forkRole(SELF, 'clients');
  const bare = forkRole(SELF, 'bare');
  let move;
  try {
    const { port } = await bare.call({ type: 'listen' });
    // Memory per connected client: the daemon's RSS before and after the clients connected (authenticated,
    // idle), then after they also joined the scene (each got a snapshot); 3 s to settle each time.
    const wsUrl = `${d.url.replace('http', 'ws')}/ws`;
    const auth = { authorization: `Bearer ${d.token}` };
    await sleep(3000);
    const rss0 = vmRssKiB(d.pid);
    await clients.call({ type: 'connect', url: wsUrl, headers: auth, count: CLIENTS }, 180_000);
    await sleep(3000);
    const rss1 = vmRssKiB(d.pid);
    await clients.call({ type: 'close' }, 60_000);
    await sleep(3000);
    const rss2 = vmRssKiB(d.pid);
    await clients.call({ type: 'connect', url: wsUrl, headers: auth, sceneId: imported.id, count: CLIENTS }, 180_000);
    await sleep(3000);
    const rss3 = vmRssKiB(d.pid);
    await clients.call({ type: 'close' }, 60_000);
    const perClientKiB = (rss1 - rss0) / CLIENTS;
    const perJoinedKiB = (rss3 - rss2) / CLIENTS;

    move = await mover(d.url, d.token, imported.id);
    const template = await move.sample();
    move.stop();
    move = undefined;
    const tsOffset = template.indexOf('"timestamp":') + '"timestamp":'.length;
    const rowsPerTick = readFrame(template).rows;
    console.log(
      `${CLIENTS} clients joined to one scene of ${ENTITIES} entities; the mover moves every entity every tick at ${TICK_HZ} Hz; ${ROUNDS} interleaved rounds of ${SECONDS} s after ${WARMUP_MS / 1000} s of warm-up`,
    );
    console.log(
      `tick frame (${ENCODING}): ${template.length} bytes, ${rowsPerTick} moves (${fmt(template.length / Math.max(rowsPerTick, 1), 1)} bytes per move); the bare server sends the same frame at the same rate`,
    );

    const targets = [
      {
        key: 'daemon',
        label: 'daemon /ws, moves from the mover',
        wsUrl: `${d.url.replace('http', 'ws')}/ws`,
        headers: { authorization: `Bearer ${d.token}` },
        sceneId: imported.id,
        pid: d.pid,
        start: async () => {
          move = await mover(d.url, d.token, imported.id);
        },
        stop: async () => {
          move?.stop();
          move = undefined;
          await sleep(200);
        },
      },
      {
        key: 'bare',
        label: 'bare ws broadcast, same frame',
        wsUrl: `ws://127.0.0.1:${port}/`,
        headers: {},
        pid: bare.child.pid,
        start: () => bare.call({ type: 'start', template: template.toString('base64'), tsOffset, hz: TICK_HZ }),
        stop: () => bare.call({ type: 'stop' }),
      },
    ];
    const results = { daemon: [], bare: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of targets) {
        const r = await measureRound(t, clients);
        results[t.key].push(r);
        console.log(
          `round ${round} ${t.label}: ${fmt(r.perSec, 0)} deltas/s (${r.frames} frames), latency p50 ${r.p50} p99 ${r.p99} max ${r.max} ms; CPU server ${fmt(r.serverCores, 2)} clients ${fmt(r.clientCores, 2)} other ${fmt(r.other, 2)} cores${r.closedEarly ? `; ${r.closedEarly} clients closed early` : ''}`,
        );
      }
    }
    const med = (key, f) => median(results[key].map(f));
    const value = med('daemon', (r) => r.perSec);
    const base = med('bare', (r) => r.perSec);
    const p99 = med('daemon', (r) => r.p99);
    const pass = verdict(value / base, RATIO_TARGET, 'atLeast');
    const latPass = verdict(p99, P99_TARGET_MS, 'atMost');
    const offered = CLIENTS * rowsPerTick * TICK_HZ;
    console.log(`daemon: ${fmt(value, 0)} deltas/s = ${fmt(value / base, 3)}× bare ws (${fmt(base, 0)}/s); offered ${fmt(offered, 0)}/s; target ≥ ${RATIO_TARGET}× → ${pass}`);
    console.log(`daemon p99 tick-to-client latency ${p99} ms (bare ${med('bare', (r) => r.p99)} ms); target ≤ ${P99_TARGET_MS} ms → ${latPass}`);
    console.log(
      `daemon memory per connected client: ${fmt(perClientKiB, 1)} KiB (RSS ${fmt(rss0 / 1024, 1)} → ${fmt(rss1 / 1024, 1)} MiB with ${CLIENTS} clients connected and idle); ${fmt(perJoinedKiB, 1)} KiB when they have also joined the scene (${fmt(rss2 / 1024, 1)} → ${fmt(rss3 / 1024, 1)} MiB)`,
    );
    report({
      figure: `game deltas/s, ${CLIENTS} clients × ${ENTITIES} entities at ${TICK_HZ} Hz`,
      value: `${fmt(value, 0)}/s`,
      baseline: `${fmt(base, 0)}/s (bare ws)`,
      ratio: value / base,
      target: `≥ ${RATIO_TARGET}×`,
      pass,
      note: `offered ${fmt(offered, 0)}/s; ${ENCODING} frames of ${template.length} bytes`,
    });
    report({ figure: 'game p99 tick-to-client latency', value: `${p99} ms`, baseline: `${med('bare', (r) => r.p99)} ms (bare ws)`, target: `≤ ${P99_TARGET_MS} ms`, pass: latPass });
    report({
      figure: 'game memory per connected client',
      value: `${fmt(perClientKiB, 1)} KiB`,
      baseline: 'Colyseus guide: 2-5 KB',
      note: `daemon RSS growth per authenticated idle client; ${fmt(perJoinedKiB, 1)} KiB once joined to the scene`,
    });
  } finally {
    move?.stop();
    await clients.call({ type: 'close' }, 10_000).catch(() => {});
    await bare.call({ type: 'close' }, 10_000).catch(() => {});
    await stopChild(clients.child);
    await stopChild(bare.child);
    await stopChild(d.child);
  }
}

if (role === 'clients') roleClients();
else if (role === 'bare') roleBare();
else if (role) {
  console.error(`unknown role ${role}`);
  process.exit(2);
} else {
  killChildrenAtExit();
  await main(run);
  process.exit();
}
