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
export { loadConfig } from './kernel/config.js';
export type { RaosConfig } from './kernel/config.js';
export { acquireLock } from './kernel/storage/lock.js';
/** Kysely's raw SQL tag, for migrations and queries that the builder does not cover. */
export { sql } from 'kysely';
export { createClient } from './client.js';
export type { ClientOptions, RaosClient } from './client.js';
export { startDaemon } from './daemon/server.js';
export type { DaemonOptions, RunningDaemon } from './daemon/server.js';
export { decodeBinaryTick, encodeBinaryTick } from './daemon/tick-codec.js';
export type { BinaryTick } from './daemon/tick-codec.js';
