/**
 * The composition root: the built-in modules and the AppRouter. The CLI, the daemon and the package's
 * exports import this; nothing under kernel/ or modules/ does.
 */
import { dbRouter, moduleRouter } from './kernel/admin/router.js';
import type { BuiltinModule } from './kernel/kernel.js';
import { createCallerFactory, router } from './kernel/trpc.js';
import { memoryModule } from './modules/memory/index.js';
import { memoryRouter } from './modules/memory/router.js';

export const builtinModules: BuiltinModule<any>[] = [memoryModule];

export const appRouter = router({
  memory: memoryRouter,
  module: moduleRouter,
  db: dbRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
