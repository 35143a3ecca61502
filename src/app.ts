/**
 * The composition root: the built-in modules and the AppRouter. The CLI, the daemon and the package's
 * exports import this; nothing under kernel/ or modules/ does.
 */
import { eventsOperations, eventsRouter } from './kernel/admin/events.js';
import { adminOperations, dbRouter, moduleRouter } from './kernel/admin/router.js';
import { execute, type Operation } from './kernel/operation.js';
import type { RequestContext } from './kernel/trpc.js';
import { createCallerFactory, router } from './kernel/trpc.js';
import { memoryOperations, memoryRouter } from './modules/memory/router.js';
import { adminRoutes } from './kernel/admin/rest.js';
import { auditOperations, auditRouter, authOperations, authRouter } from './modules/auth/router.js';
import { authRoutes } from './modules/auth/rest.js';
import { gameOperations, gameRouter } from './modules/game/router.js';
import { gameRoutes } from './modules/game/rest.js';
import { memoryRoutes } from './modules/memory/rest.js';
import { cmsOperations, cmsRouter } from './modules/cms/router.js';
import { cmsRoutes } from './modules/cms/rest.js';

export { builtinModules } from './modules/builtins.js';

export const appRouter = router({
  auth: authRouter,
  audit: auditRouter,
  memory: memoryRouter,
  game: gameRouter,
  cms: cmsRouter,
  module: moduleRouter,
  db: dbRouter,
  events: eventsRouter,
});

export type AppRouter = typeof appRouter;

/** The REST door's routes (`/api/{module}/{resource}/{action}`), each naming a procedure of appRouter. */
export const restRoutes = [...memoryRoutes, ...gameRoutes, ...cmsRoutes, ...authRoutes, ...adminRoutes];

/** Every operation, by procedure path. The matrix test checks each procedure has one. */
export const allOperations: Operation[] = [
  ...Object.values(authOperations),
  ...Object.values(auditOperations),
  ...Object.values(memoryOperations),
  ...Object.values(gameOperations),
  ...Object.values(cmsOperations),
  ...Object.values(adminOperations),
  ...Object.values(eventsOperations),
] as Operation[];

/**
 * The operations as the REST door and /ws call them: the whole guard (credentials, rate limit,
 * permission, validation, audit) around the same functions the procedures run.
 */
export const operations: Record<string, (ctx: RequestContext, input: unknown) => Promise<unknown>> = Object.fromEntries(
  allOperations.map((op) => [op.name, (ctx: RequestContext, input: unknown) => execute(op, ctx, input)]),
);

export const createCaller = createCallerFactory(appRouter);
