// Cold start: wall time of whole `raos` processes against `node -e 0`, measured in the same run.
//
//   node bench/cold-start.mjs            (after `npm run build`)
//   RAOS_BENCH_N=30 node bench/cold-start.mjs
//
// A temp workspace is made with `raos init DIR` and `raos memory set greeting hello`; then the three
// commands run interleaved (baseline, --version, memory get, baseline, ...) N times each after 2
// warm-up rounds, and the medians are compared.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, heading, machine, main, median, now, range, report, ROOT, tempDir, verdict } from './lib.mjs';

const N = Number(process.env.RAOS_BENCH_N ?? 15);
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
  mustSucceed('raos init', run([RUN_JS, 'init', ws], baseEnv, tmp));
  const wsEnv = { ...baseEnv, RAOS_HOME: ws };
  mustSucceed('raos memory set', run([RUN_JS, 'memory', 'set', 'greeting', 'hello'], wsEnv, tmp));

  const cases = [
    { key: 'node', label: 'node -e 0', args: ['-e', '0'], env: baseEnv },
    { key: 'version', label: 'node bin/run.js --version', args: [RUN_JS, '--version'], env: baseEnv, expect: /raos\/\d/ },
    { key: 'get', label: 'node bin/run.js memory get greeting', args: [RUN_JS, 'memory', 'get', 'greeting'], env: wsEnv, expect: /^hello\s*$/ },
  ];
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let i = 0; i < WARMUP + N; i++) {
    for (const c of cases) {
      const r = run(c.args, c.env, tmp);
      mustSucceed(c.label, r, c.expect);
      if (i >= WARMUP) times[c.key].push(r.ms);
    }
  }

  const base = median(times.node);
  console.log(`N=${N} per command after ${WARMUP} warm-up rounds, interleaved; wall time of spawnSync`);
  console.log(`${'command'.padEnd(40)} ${'median ms'.padStart(10)} ${'min-max ms'.padStart(14)} ${'ratio'.padStart(7)}`);
  for (const c of cases) {
    const m = median(times[c.key]);
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
});
