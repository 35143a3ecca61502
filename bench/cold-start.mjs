// Cold start: wall time of whole `raos` processes against `node -e 0`, measured in the same run.
//
//   node bench/cold-start.mjs            (after `npm run build`)
//   RAOS_BENCH_N=30 node bench/cold-start.mjs
//
// A temp workspace is made with `raos init DIR` and `raos memory set greeting hello`; then the
// commands run interleaved (baseline, --version, memory get, baseline, ...) N times each after 2
// warm-up rounds, and the medians are compared. The CLI's compile cache lives in the run's temp folder:
// the warm-up writes it, as a user's first command does; `memory get` is also timed on a first run
// (empty cache) and with the cache off, for information.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { fmt, heading, machine, main, median, now, range, report, ROOT, tempDir, verdict } from './lib.mjs';

const N = Number(process.env.RAOS_BENCH_N ?? 15);
// The journal part: `memory get` when the journal has grown to the checkpoint threshold (the default
// storage.checkpointBytes, 4 MiB), which is as large as it gets before a checkpoint empties it.
const JOURNAL_BYTES = Number(process.env.RAOS_BENCH_JOURNAL_MB ?? 4) * 2 ** 20;
const N_JOURNAL = 5;
const WARMUP = 2;
const RUN_JS = join(ROOT, 'bin', 'run.js');

function run(args, env, cwd) {
  const t0 = now();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = now() - t0;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mustSucceed(label, r, expect) {
  if (r.status !== 0 || (expect && !expect.test(r.stdout))) {
    throw new Error(`${label} failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
  }
}

/**
 * Grows the newest journal segment of `<ws>/data/memory.db` to about `bytes` by appending copies of its
 * last record (the `memory set` the CLI just made) with the following sequence numbers, in the format
 * documented in src/kernel/storage/journal.ts: u32 LE length | u32 LE crc32 | JSON {"l": lsn, "s": [...]}.
 * Replaying them repeats that upsert, as many `memory set` runs would. Returns the record count.
 */
function growJournal(ws, bytes) {
  const data = join(ws, 'data');
  const segments = readdirSync(data).filter((f) => /^memory\.db\.journal-\d{6,}$/.test(f)).sort();
  if (segments.length === 0) throw new Error(`no memory.db journal segment in ${data}`);
  const path = join(data, segments.at(-1));
  const buf = readFileSync(path);
  let off = 8;
  let last = null;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32LE(off);
    last = JSON.parse(buf.subarray(off + 8, off + 8 + len).toString('utf8'));
    off += 8 + len;
  }
  if (!last || typeof last.l !== 'number' || !Array.isArray(last.s)) throw new Error(`unexpected journal layout in ${path}`);
  const chunks = [];
  let size = buf.length;
  let lsn = last.l;
  while (size < bytes) {
    const payload = Buffer.from(JSON.stringify({ ...last, l: ++lsn }), 'utf8');
    const head = Buffer.alloc(8);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt32LE(crc32(payload), 4);
    chunks.push(head, payload);
    size += 8 + payload.length;
  }
  appendFileSync(path, Buffer.concat(chunks));
  return lsn;
}

await main(async () => {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  heading('cold start');
  console.log(machine());

  const tmp = tempDir('raos-bench-cold-');
  const ws = join(tmp, 'ws');
  const baseEnv = { ...process.env };
  delete baseEnv.RAOS_HOME;
  // Never colour or page: the outputs are checked.
  baseEnv.NO_COLOR = '1';
  // The CLI's compile cache (src/cli/code-cache.ts) in a folder of this run: the warm-up rounds write
  // it, as a user's first command does. The first-run and cache-off cases below measure without it.
  const cacheDir = join(tmp, 'compile-cache');
  baseEnv.RAOS_COMPILE_CACHE = cacheDir;
  mustSucceed('raos init', run([RUN_JS, 'init', ws], baseEnv, tmp));
  const wsEnv = { ...baseEnv, RAOS_HOME: ws };
  mustSucceed('raos memory set', run([RUN_JS, 'memory', 'set', 'greeting', 'hello'], wsEnv, tmp));

  const cases = [
    { key: 'node', label: 'node -e 0', args: ['-e', '0'], env: baseEnv },
    { key: 'version', label: 'node bin/run.js --version', args: [RUN_JS, '--version'], env: baseEnv, expect: /raos\/\d/ },
    { key: 'get', label: 'node bin/run.js memory get greeting', args: [RUN_JS, 'memory', 'get', 'greeting'], env: wsEnv, expect: /^hello\s*$/ },
    // Informational: the first run on a machine (it compiles everything and writes the cache), and runs
    // with the cache turned off.
    { key: 'first', label: '  the same, first run (writes the cache)', args: [RUN_JS, 'memory', 'get', 'greeting'], env: () => ({ ...wsEnv, RAOS_COMPILE_CACHE: join(tmp, `first-${++firstRuns}`) }), expect: /^hello\s*$/ },
    { key: 'off', label: '  the same, RAOS_COMPILE_CACHE=0', args: [RUN_JS, 'memory', 'get', 'greeting'], env: { ...wsEnv, RAOS_COMPILE_CACHE: '0' }, expect: /^hello\s*$/ },
  ];
  let firstRuns = 0;
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let i = 0; i < WARMUP + N; i++) {
    for (const c of cases) {
      const r = run(c.args, typeof c.env === 'function' ? c.env() : c.env, tmp);
      mustSucceed(c.label, r, c.expect);
      if (i >= WARMUP) times[c.key].push(r.ms);
    }
  }

  const base = median(times.node);
  console.log(`N=${N} per command after ${WARMUP} warm-up rounds, interleaved; wall time of spawnSync`);
  console.log(`${'command'.padEnd(40)} ${'median ms'.padStart(10)} ${'min-max ms'.padStart(14)} ${'ratio'.padStart(7)}`);
  for (const c of cases) {
    const m = median(times[c.key]);
    if (c.key === 'first' || c.key === 'off') {
      report({ figure: `cold start: memory get, ${c.key === 'first' ? 'first run' : 'compile cache off'}`, value: `${fmt(m, 1)} ms`, baseline: `${fmt(base, 1)} ms (node -e 0)`, ratio: m / base, target: '(informational)' });
    }
    const [lo, hi] = range(times[c.key]);
    console.log(`${c.label.padEnd(40)} ${fmt(m, 1).padStart(10)} ${`${fmt(lo, 0)}-${fmt(hi, 0)}`.padStart(14)} ${fmt(m / base, 2).padStart(6)}×`);
  }

  const targets = [
    { key: 'version', figure: 'cold start: raos --version', max: 2.5 },
    { key: 'get', figure: 'cold start: raos memory get', max: 4 },
  ];
  for (const t of targets) {
    const m = median(times[t.key]);
    const ratio = m / base;
    const pass = verdict(ratio, t.max, 'atMost');
    console.log(`${t.figure}: ${fmt(m, 1)} ms = ${fmt(ratio, 2)}× node -e 0 (${fmt(base, 1)} ms); target ≤ ${t.max}× → ${pass}`);
    report({
      figure: t.figure,
      value: `${fmt(m, 1)} ms`,
      baseline: `${fmt(base, 1)} ms (node -e 0)`,
      ratio,
      target: `≤ ${t.max}×`,
      pass,
    });
  }

  // Informational: the same read when the journal is as long as it gets before a checkpoint.
  const wsJ = join(tmp, 'ws-journal');
  mustSucceed('raos init', run([RUN_JS, 'init', wsJ], baseEnv, tmp));
  const envJ = { ...baseEnv, RAOS_HOME: wsJ };
  mustSucceed('raos memory set', run([RUN_JS, 'memory', 'set', 'greeting', 'hello'], envJ, tmp));
  const records = growJournal(wsJ, JOURNAL_BYTES);
  const jt = { node: [], get: [] };
  for (let i = 0; i < 1 + N_JOURNAL; i++) {
    const a = run(cases[0].args, baseEnv, tmp);
    const b = run([RUN_JS, 'memory', 'get', 'greeting'], envJ, tmp);
    mustSucceed('memory get (long journal)', b, /^hello\s*$/);
    if (i >= 1) {
      jt.node.push(a.ms);
      jt.get.push(b.ms);
    }
  }
  const jBase = median(jt.node);
  const jGet = median(jt.get);
  const mib = fmt(JOURNAL_BYTES / 2 ** 20, 0);
  console.log(
    `memory get with a ${mib} MiB journal (${records} records to replay, the default checkpoint threshold): ${fmt(jGet, 0)} ms` +
      ` = ${fmt(jGet / jBase, 2)}× node -e 0 (${fmt(jBase, 1)} ms); N=${N_JOURNAL}, interleaved`,
  );
  report({
    figure: `cold start: memory get, ${mib} MiB journal (${records} records)`,
    value: `${fmt(jGet, 0)} ms`,
    baseline: `${fmt(jBase, 1)} ms (node -e 0)`,
    ratio: jGet / jBase,
    target: '(≤ 4× is for a fresh workspace)',
  });
});
