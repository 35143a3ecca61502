// Runs every benchmark, each in its own child process (so one crash does not hide the others), then
// prints a summary table. `npm run bench` builds first and then runs this.
//
//   node bench/run.mjs
//   RAOS_BENCH_BIG_MB=50 node bench/run.mjs     a quick run (smaller big database)
//
// Exits 1 only if a benchmark itself broke; a missed target is printed as MISS.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fmt, load, machine, now, ROOT } from './lib.mjs';

const benches = [
  { name: 'cold start', args: [join(ROOT, 'bench', 'cold-start.mjs')] },
  { name: 'commits: throughput', args: [join(ROOT, 'bench', 'commits.mjs'), '--only=throughput'] },
  // --expose-gc lets the size benchmark free the hundreds of MiB it builds before it measures.
  { name: 'commits: cost vs size', args: ['--expose-gc', join(ROOT, 'bench', 'commits.mjs'), '--only=size'] },
  // The daemon (issue 3): each part starts its own daemon and baselines as child processes.
  { name: 'daemon: start and RSS', args: [join(ROOT, 'bench', 'daemon.mjs'), '--only=start'] },
  { name: 'daemon: REST', args: [join(ROOT, 'bench', 'daemon.mjs'), '--only=rest'] },
  { name: 'daemon: /ws fan-out', args: [join(ROOT, 'bench', 'daemon.mjs'), '--only=ws'] },
  // Live play (issue 5): 1,000 clients in one scene, 500 entities moving every tick.
  { name: 'game: live play', args: [join(ROOT, 'bench', 'game.mjs')] },
  // The CMS (issue 6): saves with plugin hooks, and the static site build.
  { name: 'cms: save with plugin hooks', args: [join(ROOT, 'bench', 'cms.mjs'), '--only=hooks'] },
  { name: 'cms: site build', args: [join(ROOT, 'bench', 'cms.mjs'), '--only=build'] },
];

function runChild(bench) {
  return new Promise((resolve) => {
    const results = [];
    const child = spawn(process.execPath, bench.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('BENCH_RESULT ')) {
          try {
            results.push(JSON.parse(line.slice('BENCH_RESULT '.length)));
          } catch {
            /* a garbled line counts as missing */
          }
        } else {
          process.stdout.write(line + '\n');
        }
      }
    });
    child.on('error', (err) => resolve({ code: 1, signal: null, results, error: err }));
    child.on('close', (code, signal) => {
      if (buf) process.stdout.write(buf + '\n');
      resolve({ code, signal, results });
    });
  });
}

function formatRatio(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '-';
  if (ratio >= 100) return `${fmt(ratio, 0)}×`;
  if (ratio < 0.1) return `1/${fmt(1 / ratio, 0)}`;
  return `${fmt(ratio, 2)}×`;
}

const t0 = now();
console.log(`raos benchmarks: ${machine()}`);
const rows = [];
let broken = 0;
for (const bench of benches) {
  const r = await runChild(bench);
  rows.push(...r.results);
  if (r.code !== 0 || r.results.length === 0) {
    broken++;
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
    rows.push({ figure: bench.name, value: 'BROKEN', baseline: '-', ratio: null, target: '-', verdict: `BROKEN (${why})` });
  }
}

const header = ['figure', 'value', 'baseline (same run)', 'ratio', 'target', 'result'];
const table = rows.map((r) => [
  r.figure,
  r.value,
  r.baseline ?? '-',
  formatRatio(r.ratio),
  r.target ?? '-',
  r.verdict ?? '-',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
console.log('\n== summary ==');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const row of table) console.log(line(row));
for (const r of rows) if (r.note) console.log(`note: ${r.figure}: ${r.note}`);
console.log(`\nratio = value / baseline; both measured in this run. ${load()}. Total ${fmt((now() - t0) / 1000, 0)} s.`);
if (broken) {
  console.log(`${broken} benchmark(s) broke.`);
  process.exitCode = 1;
}
