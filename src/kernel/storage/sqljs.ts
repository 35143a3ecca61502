/**
 * Loads sql.js once per process. sql.js stays outside the bundle and its wasm file is read from the
 * installed package, so this works from the source tree, from dist/ and from a global install alike.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const { default: initSqlJs } = (await import('sql.js')) as unknown as { default: (o: object) => Promise<SqlJsStatic> };
    const wasmBinary = readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'));
    return initSqlJs({ wasmBinary });
  })();
  return loading;
}
