#!/usr/bin/env node
const argv = process.argv.slice(2);
// Compile sql.js in the background while the CLI loads (see src/cli/prewarm.ts).
import('../dist/cli/prewarm.js').then((m) => m.prewarm(argv), () => {});
const { flush, run } = await import('@oclif/core');

try {
  await run(argv, import.meta.url);
  await flush();
} catch (err) {
  const { handleFatal } = await import('../dist/cli/fatal.js');
  handleFatal(err, argv);
}
