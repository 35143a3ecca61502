#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const argv = process.argv.slice(2);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// `raos --version` is asked by scripts and health checks: answer it without loading the CLI, in
// the same form oclif prints.
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`);
  process.exit(0);
}
// The daemon itself runs without the CLI framework (see src/daemon/main.ts); --help still goes to oclif.
if (((argv[0] === 'daemon' && argv[1] === 'start') || argv[0] === 'daemon:start') && argv.includes('--foreground') && !argv.includes('--help') && !argv.includes('-h')) {
  const { main } = await import('../dist/daemon/main.js');
  await main(argv.slice(argv[0] === 'daemon:start' ? 1 : 2), pkg.version);
}

// sql.js's wasm runs on V8's baseline compiler, compiled at once on background threads (see
// src/kernel/storage/sqljs.ts). Set before any code is compiled: V8's code cache records the flags,
// and data made under other flags is refused.
setFlagsFromString('--liftoff-only --no-wasm-lazy-compilation');
// oclif's own engine check loads semver and reads package.json on every start (~15 ms); this one
// costs nothing.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 15)) {
  process.emitWarning(`raos needs Node.js 20.15 or newer (zlib.crc32); this is ${process.version}`);
}

// The CLI is one CommonJS bundle loaded through V8's code cache (src/cli/code-cache.ts, bundle.ts),
// with a cache per topic: `memory` and `cms` commands run different code.
const first = argv.find((a) => !a.startsWith('-'));
const topic = first?.split(':')[0];
const variant = topic && Object.hasOwn(pkg.oclif.topics, topic) ? topic : 'other';
const { loadWithCodeCache } = await import('../dist/cli/code-cache.js');
const { exports: cli } = loadWithCodeCache(fileURLToPath(new URL('../dist/cli.cjs', import.meta.url)), { variant });
// Compile sql.js in the background while oclif loads the command.
cli.prewarm(argv);

// A reader that goes away (`raos memory list | head -1`) is not a failure of ours.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// Whatever NODE_ENV says, run the built commands; never look for a TypeScript loader.
cli.settings.enableAutoTranspile = false;
try {
  await cli.run(argv, import.meta.url);
  await cli.flush();
} catch (err) {
  cli.handleFatal(err, argv);
}
// A command is done when it has answered: timers or sockets a module left open must not keep the
// process alive. Exit once stdout has been handed everything.
process.stdout.write('', () => process.exit());
