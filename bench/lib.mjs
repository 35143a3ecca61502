// Shared helpers for the benchmarks: timing, statistics, temp dirs, durable writes, and result lines.
// Node only: no tools outside the Node standard library and the package's own dependencies.
import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the folder holding package.json, bin/ and dist/). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Milliseconds, high resolution. */
export const now = () => performance.now();

export function median(values) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mean(values) {
  return values.reduce((n, v) => n + v, 0) / values.length;
}

/** Lowest and highest value, for a spread next to a median. */
export function range(values) {
  return [Math.min(...values), Math.max(...values)];
}

export function fmt(value, digits = 2) {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** PASS when `value` meets the target: `atMost` (value ≤ target) or `atLeast` (value ≥ target). */
export function verdict(value, target, kind) {
  const ok = kind === 'atMost' ? value <= target : value >= target;
  return ok ? 'PASS' : 'MISS';
}

const temps = new Set();
let hooked = false;

function cleanupTemps() {
  for (const dir of temps) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  temps.clear();
}

/** A fresh temp folder, removed at exit (also on Ctrl-C and on an uncaught error). */
export function tempDir(prefix = 'raos-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.add(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', cleanupTemps);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.on(sig, () => {
        cleanupTemps();
        process.exit(130);
      });
    }
  }
  return dir;
}

export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  temps.delete(dir);
}

/**
 * The NAIVE durable write used as a baseline: write the whole image to a temp file, fsync it, rename
 * it over the file, fsync the folder. (What a design without a journal has to do per commit.)
 */
export function writeFileDurablySync(path, data) {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dfd);
  } catch {
    /* some platforms cannot fsync a folder */
  } finally {
    closeSync(dfd);
  }
}

/**
 * fsync latency probe on the disk holding `dir`: appends 4 KiB and fdatasyncs, `count` times.
 * Returns the latencies in ms.
 */
export function probeFsync(dir, count) {
  const path = join(dir, 'fsync-probe');
  const buf = Buffer.alloc(4096, 7);
  const fd = openSync(path, 'a');
  const out = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = now();
      writeSync(fd, buf);
      fdatasyncSync(fd);
      out.push(now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  return out;
}

/**
 * Waits until the disk is quiet again after a large write (the naive baseline writes, fsyncs and
 * renames over whole database files; the freed blocks are discarded and written back for a while after,
 * which slows every later fsync). Quiet: the median of 9 probe fsyncs is within 2× of `quietMs` (or
 * under 1 ms). Gives up after `timeoutMs`. Returns the time waited in ms.
 */
export function settleDisk(dir, quietMs, timeoutMs = 15000) {
  const t0 = now();
  const limit = Math.max(1, 2 * quietMs);
  while (now() - t0 < timeoutMs) {
    if (median(probeFsync(dir, 9)) <= limit) break;
  }
  return now() - t0;
}

/** One line describing the machine, printed at the top of each benchmark. */
export function machine() {
  const c = cpus();
  return `${c.length} cores (${c[0]?.model?.trim() ?? 'unknown cpu'}), ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.versions.node}, ${process.platform}; ${load()}`;
}

/** The 1-minute load average: other work on the machine skews every figure, so it is printed. */
export function load() {
  return `load average ${loadavg().map((l) => fmt(l, 2)).join(' ')}`;
}

/**
 * Prints one result as a machine-readable line that bench/run.mjs collects into its table.
 * value and baseline are display strings with units; ratio is a number; target is a display string;
 * pass is 'PASS', 'MISS' or '-' (no target).
 */
export function report({ figure, value, baseline = '-', ratio = null, target = '-', pass = '-', note }) {
  console.log(`BENCH_RESULT ${JSON.stringify({ figure, value, baseline, ratio, target, verdict: pass, note })}`);
  return pass;
}

export function heading(text) {
  console.log(`\n== ${text} ==`);
}

/** Runs `fn` and prints the error and exits 1 if it throws: a broken benchmark, not a missed target. */
export async function main(fn) {
  try {
    await fn();
  } catch (err) {
    console.error(`benchmark failed: ${err?.stack ?? err}`);
    process.exitCode = 1;
  }
}

/** Resident set size in MiB, for the peak-memory notes. */
export function rssMiB() {
  return process.memoryUsage().rss / 2 ** 20;
}
