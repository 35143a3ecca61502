/**
 * Loads sql.js once per process. sql.js stays outside the bundle and its wasm file is read from the
 * installed package, so this works from the source tree, from dist/ and from a global install alike.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import type { SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/**
 * sql.js runs on V8's baseline wasm compiler (Liftoff) only. Its optimising tier (TurboFan) would
 * compile the hot parts of sql.js again on background threads: one-shot commands would wait for
 * those jobs before they can exit (about 70 ms each, for speed they never get to use), and a daemon
 * would keep about 10 MB more memory, varying from run to run by as much, for SQL that is seldom
 * what it waits on (writes wait for fsync, hot reads come from the Memory module's cache; the
 * durable-commit benchmark runs as fast on Liftoff alone, BENCHMARKS.md).
 *
 * @param longRunning false for one-shot CLI runs: then all of sql.js is compiled at once, on
 *   background threads, while the CLI's own code loads on the main thread. Long-running hosts compile
 *   each function when it is first called.
 */
export function loadSqlJs(longRunning = true): Promise<SqlJsStatic> {
  loading ??= (async () => {
    setFlagsFromString(longRunning ? '--liftoff-only' : '--liftoff-only --no-wasm-lazy-compilation');
    const require = createRequire(import.meta.url);
    const initSqlJs = require('sql.js') as (options: object) => Promise<SqlJsStatic>;
    const wasmBinary = readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'));
    return initSqlJs({ wasmBinary });
  })();
  return loading;
}
