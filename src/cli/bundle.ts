/**
 * The one-shot CLI as one CommonJS file, dist/cli.cjs (tsup.config.ts), which bin/run.js loads through
 * V8's code cache (code-cache.ts). oclif finds the commands in `commands` (package.json: the
 * "explicit" discovery strategy); each command's module, and what only it imports, is evaluated when
 * oclif first reads its entry. The daemon and the library stay ES modules in dist/.
 */
import './jitless.js';
import type { Hook } from '@oclif/core';

export { flush, run, settings } from '@oclif/core';
export { handleFatal } from './fatal.js';
export { prewarm } from './prewarm.js';
// Generated at build time from src/commands (tsup.config.ts): `{ 'memory:get': <lazy getter>, ... }`.
export { commands } from 'raos:commands';

/** `raos <module> <command>` for external modules (package.json oclif.hooks). */
export const commandNotFound: Hook<'command_not_found'> = async function (opts) {
  const { default: hook } = await import('../hooks/command-not-found.js');
  return hook.call(this, opts);
};
