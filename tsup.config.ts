import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig } from 'tsup';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// Each command is its own entry at dist/commands/<topic>/<verb>.js (oclif finds them there); shared code
// lands in dist/chunk-*.js. @oclif/core stays external (bundling it is slower) and so does sql.js (it
// finds its wasm file beside itself).
const entry: Record<string, string> = {
  index: 'src/index.ts',
  'storage-worker': 'src/kernel/storage/checkpoint-worker.ts',
  'hooks/command-not-found': 'src/hooks/command-not-found.ts',
  'cli/fatal': 'src/cli/fatal.ts',
  'cli/prewarm': 'src/cli/prewarm.ts',
  'daemon/main': 'src/daemon/main.ts',
  'plugin-host': 'src/modules/cms/plugins/host.mjs',
};
for (const file of walk('src/commands')) entry[relative('src', file).replace(/\.ts$/, '')] = file;

export default defineConfig({
  entry,
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  clean: true,
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: false,
  external: ['@oclif/core', 'sql.js', 'ws', 'pino', 'prom-client', 'execa', 'ink', 'react'],
  noExternal: ['kysely', 'zod', '@trpc/server', '@trpc/client', 'chalk'],
});
