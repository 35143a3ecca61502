/**
 * The composition root: the built-in modules and the AppRouter. The CLI, the daemon and the package's
 * exports import this; nothing under kernel/ or modules/ does.
 */
import { eventsRouter } from './kernel/admin/events.js';
import { dbRouter, moduleRouter } from './kernel/admin/router.js';
import type { BuiltinModule } from './kernel/kernel.js';
import { createCallerFactory, router } from './kernel/trpc.js';
import { memoryModule } from './modules/memory/index.js';
import { memoryOperations, memoryRouter } from './modules/memory/router.js';
import { adminRoutes } from './kernel/admin/rest.js';
import { memoryRoutes } from './modules/memory/rest.js';

export const builtinModules: BuiltinModule<any>[] = [memoryModule];

export const appRouter = router({
  memory: memoryRouter,
  module: moduleRouter,
  db: dbRouter,
  events: eventsRouter,
});

export type AppRouter = typeof appRouter;

/** The REST door's routes (`/api/{module}/{resource}/{action}`), each naming a procedure of appRouter. */
export const restRoutes = [...memoryRoutes, ...adminRoutes];

/** Operations the REST door calls directly on its hot path (the same functions the procedures wrap). */
export const operations = { ...memoryOperations };

export const createCaller = createCallerFactory(appRouter);
