/**
 * The in-process client of a one-shot command: the AppRouter's caller, but each top-level namespace
 * (`memory`, `cms`, ...) is imported on its first call. A command then parses the schemas and builds
 * the procedures of the one module it calls instead of all of them: `raos memory get` does not load
 * the CMS's or the game engine's (bench/cold-start.mjs). Calls go through tRPC's own caller of that
 * namespace's router, the same procedures (guard, validation, errors) as through `appRouter`;
 * test/cli/local-client.test.ts checks that the namespaces here are exactly appRouter's.
 */
import type { AnyRouter } from '@trpc/server';
import type { AppRouter, createCaller } from '../app.js';
import type { RequestContext } from '../kernel/trpc.js';
import { createCallerFactory } from '../kernel/trpc.js';

type Namespace = keyof AppRouter['_def']['record'];

/** Where each namespace of appRouter is defined (src/app.ts puts them together). */
export const namespaceRouters: Record<Namespace, () => Promise<AnyRouter>> = {
  auth: async () => (await import('../modules/auth/router.js')).authRouter,
  audit: async () => (await import('../modules/auth/router.js')).auditRouter,
  memory: async () => (await import('../modules/memory/router.js')).memoryRouter,
  game: async () => (await import('../modules/game/router.js')).gameRouter,
  cms: async () => (await import('../modules/cms/router.js')).cmsRouter,
  module: async () => (await import('../kernel/admin/router.js')).moduleRouter,
  db: async () => (await import('../kernel/admin/router.js')).dbRouter,
  events: async () => (await import('../kernel/admin/events.js')).eventsRouter,
};

type Caller = ReturnType<typeof createCaller>;

/** A caller with appRouter's shape whose namespaces load on first use. */
export function lazyCaller(ctx: RequestContext): Caller {
  const callers = new Map<string, Promise<Record<string, unknown>>>();
  const callerOf = (namespace: string): Promise<Record<string, unknown>> => {
    let caller = callers.get(namespace);
    if (!caller) {
      const load = namespaceRouters[namespace as Namespace];
      if (!load) throw new TypeError(`no namespace '${namespace}' in the AppRouter`);
      caller = load().then((r) => createCallerFactory(r)(ctx) as Record<string, unknown>);
      callers.set(namespace, caller);
    }
    return caller;
  };
  const at = (path: readonly string[]): unknown =>
    new Proxy(() => {}, {
      get(_target, key) {
        // Not a thenable: `await client` or returning it from an async function must not call it.
        if (typeof key !== 'string' || key === 'then') return undefined;
        return at([...path, key]);
      },
      async apply(_target, _this, args: unknown[]) {
        if (path.length < 2) throw new TypeError(`'${path.join('.')}' is not a procedure`);
        let target: unknown = await callerOf(path[0]!);
        for (const key of path.slice(1)) target = (target as Record<string, unknown>)[key];
        if (typeof target !== 'function') throw new TypeError(`'${path.join('.')}' is not a procedure`);
        return (target as (...a: unknown[]) => unknown)(...args);
      },
    });
  return at([]) as Caller;
}
