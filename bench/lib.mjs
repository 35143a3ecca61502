// Shared helpers for the benchmarks: timing, statistics, temp dirs, durable writes, and result lines.
// Node only: no tools outside the Node standard library and the package's own dependencies.
import { closeSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
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

/** One line describing the machine, printed at the top of each benchmark. */
export function machine() {
  const c = cpus();
  return `${c.length} cores (${c[0]?.model?.trim() ?? 'unknown cpu'}), ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.versions.node}, ${process.platform}`;
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
