import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `src/commands/cms/content/create.ts` → `cms:content:create`, as oclif names commands found on disk. */
function commandId(file: string): string {
  return relative('src/commands', file).replace(/\.ts$/, '').split(sep).join(':').replace(/(^|:)index$/, '');
}

/**
 * `raos:commands`, the command table of the CLI bundle: one getter per file in src/commands, which
 * evaluates that command's module (esbuild turns the `require` into a lazy init) when oclif first asks
 * for it. Generated on every build, so a new command file cannot be missed.
 */
const commandTable: EsbuildPlugin = {
  name: 'raos-commands',
  setup(build) {
    build.onResolve({ filter: /^raos:commands$/ }, () => ({ path: 'commands', namespace: 'raos' }));
    build.onLoad({ filter: /.*/, namespace: 'raos' }, () => {
      const entries = walk('src/commands')
        .sort()
        .map((file) => {
          const from = `./${relative('src/cli', file).split(sep).join('/').replace(/\.ts$/, '.js')}`;
          return `  get ${JSON.stringify(commandId(file))}() { return require(${JSON.stringify(from)}).default; },`;
        });
      return { contents: `export const commands = {\n${entries.join('\n')}\n};\n`, resolveDir: resolve('src/cli'), loader: 'js' };
    });
  },
};

/** The console screen (ink) stays an ES module: the bundle imports dist/cli/console/ui.js at run time. */
const consoleScreen: EsbuildPlugin = {
  name: 'raos-console-screen',
  setup(build) {
    build.onResolve({ filter: /^\.\/ui\.js$/ }, (args) =>
      resolve(args.resolveDir) === resolve('src/cli/console') ? { path: './cli/console/ui.js', external: true } : undefined,
    );
  },
};

/**
 * The CLI bundle in ASCII: code-cache.ts can then read it as latin1, about 8 ms faster than decoding
 * UTF-8 at every start. esbuild already escapes strings and identifiers; what it leaves are comments
 * and regular expression literals, where a `\uXXXX` escape means the same code unit.
 */
const asciiOnly: NonNullable<Options['plugins']>[number] = {
  name: 'raos-ascii-only',
  renderChunk(code) {
    return { code: code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) };
  },
};

// One build writes both outputs: clean once, here.
rmSync('dist', { recursive: true, force: true });

// Packages that stay in node_modules: sql.js finds its wasm file beside itself; the others are loaded
// only by the daemon or on rare paths, or (execa, ink, react) are ES modules the CommonJS bundle
// cannot require. typescript/ts-node: oclif's development mode, never used (bin/run.js turns it off).
const external = ['sql.js', 'ws', 'pino', 'prom-client', 'execa', 'ink', 'react', 'typescript', 'ts-node'];

export default defineConfig([
  // The library (dist/index.js), the daemon, and the files other processes and threads run, as ES
  // modules with shared chunks in dist/chunk-*.js.
  {
    entry: {
      index: 'src/index.ts',
      'daemon/main': 'src/daemon/main.ts',
      'storage-worker': 'src/kernel/storage/checkpoint-worker.ts',
      'plugin-host': 'src/modules/cms/plugins/host.mjs',
      'cli/code-cache': 'src/cli/code-cache.ts',
      'cli/console/ui': 'src/cli/console/ui.ts',
    },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: true,
    clean: false,
    dts: { entry: { index: 'src/index.ts' } },
    sourcemap: false,
    external: ['@oclif/core', ...external],
    noExternal: ['kysely', 'zod', '@trpc/server', '@trpc/client', 'chalk'],
  },
  // The one-shot CLI: oclif, every command and what they use, in one CommonJS file that bin/run.js
  // loads through V8's code cache (src/cli/code-cache.ts). ES modules have no code cache on Node 20,
  // and compiling the CLI's ~1.6 MB of modules was the largest part of its start-up (BENCHMARKS.md).
  {
    entry: { cli: 'src/cli/bundle.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    target: 'node20',
    platform: 'node',
    splitting: false,
    clean: false,
    dts: false,
    sourcemap: false,
    external,
    // Everything else is bundled (tsup would leave package.json's dependencies out).
    noExternal: [new RegExp(`^(?!(${external.map((e) => e.replace(/[.]/g, '\\.')).join('|')})(/|$))`)],
    esbuildPlugins: [commandTable, consoleScreen],
    plugins: [asciiOnly],
    // CommonJS has no import.meta: give its `url` the bundle's own file URL (code finds files beside it).
    define: { 'import.meta.url': '__raos_import_meta_url' },
    banner: { js: "var __raos_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  },
]);
