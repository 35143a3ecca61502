/**
 * The package's exports, for programs that embed raos or write modules for it.
 * `import type { AppRouter } from 'raos'` types a tRPC client of the daemon.
 */
export type { AppRouter } from './app.js';
export { appRouter, builtinModules, createCaller } from './app.js';
export { defineModule } from './kernel/module.js';
export type { ModuleContext, ModuleDefinition, HealthReport, Migration } from './kernel/module.js';
export { RaosError, ERROR_CODES } from './kernel/errors.js';
export type { ErrorCode } from './kernel/errors.js';
export { Kernel } from './kernel/kernel.js';
export { Store } from './kernel/storage/store.js';
export type { RaosEvent } from './kernel/events.js';
