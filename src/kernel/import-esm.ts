/**
 * `import()` of a module outside the code that calls it: an installed package, a Node built-in, an
 * external module's file. Use it instead of a bare `import(specifier)` for anything not bundled.
 *
 * The CLI's bundle (dist/cli.cjs) is loaded from V8's code cache (src/cli/code-cache.ts), and on
 * Node 20 code restored from that cache cannot run `import()`: V8 hands Node the host options of the
 * process that made the cache, and Node rejects the call ("A dynamic import callback was not
 * specified"). The loader therefore passes the bundle `__raosImport`, an `import()` made in an
 * ordinary ES module; everywhere else (the daemon, the library, tests) the native one runs.
 *
 * @param specifier a package name, `node:` built-in, or absolute `file:` URL (not a relative path: it
 *   would resolve from the loader's file).
 */
declare const __raosImport: ((specifier: string) => Promise<unknown>) | undefined;

export function importEsm<T>(specifier: string): Promise<T> {
  return (typeof __raosImport === 'function' ? __raosImport(specifier) : import(specifier)) as Promise<T>;
}
