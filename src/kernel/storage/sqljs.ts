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
 * @param longRunning false for one-shot CLI runs. V8 then compiles all of sql.js at once with its
 *   baseline compiler, on background threads, while the CLI's own code loads on the main thread; and
 *   it skips the optimising tier, whose background jobs a process must wait for before it can exit
 *   (about 70 ms added to every short command, for speed it never gets to use). Long-running hosts
 *   keep V8's defaults.
 */
export function loadSqlJs(longRunning = true): Promise<SqlJsStatic> {
  loading ??= (async () => {
    if (!longRunning) setFlagsFromString('--liftoff-only --no-wasm-lazy-compilation');
    const require = createRequire(import.meta.url);
    const initSqlJs = require('sql.js') as (options: object) => Promise<SqlJsStatic>;
    const wasmBinary = readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'));
    return initSqlJs({ wasmBinary });
  })();
  return loading;
}
