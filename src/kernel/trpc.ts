/**
 * The tRPC builders every module's router uses. The wire format is plain JSON (no transformer), and
 * every error carries its raos code in `data.raos`, so any HTTP client and the CLI read the same codes.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import type * as z from 'zod';
import type { Actor } from './actor.js';
import { ERROR_CODES, toRaosError } from './errors.js';
import type { Kernel } from './kernel.js';
import type { RateLimits } from './limits.js';
import { admit, settle, type Operation } from './operation.js';

export interface RequestContext {
  kernel: Kernel;
  actor: Actor;
  /** The daemon's rate limits; absent in a one-shot CLI process. */
  limits?: RateLimits;
  /**
   * For contexts that outlive one request (a tRPC WebSocket): throws UNAUTHORIZED when the token
   * behind `actor` no longer holds, and refreshes `actor` when its role changed. The guard calls it first.
   */
  revalidate?: () => Promise<void>;
  /** Long operations (a site build) report progress here when the caller shows it (the CLI in process). */
  progress?: (done: number, total: number, phase: string) => void;
}

/** What each procedure declares: the operation it runs and its permission (the access matrix test reads it). */
export interface ProcedureMeta {
  operation: string;
  permission: string | null;
}

const TRPC_CODE: Record<number, TRPCError['code']> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  402: 'BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

const t = initTRPC.context<RequestContext>().meta<ProcedureMeta>().create({
  errorFormatter({ shape, error }) {
    const raos = toRaosError(error.cause ?? error);
    return {
      ...shape,
      message: raos.message,
      data: { ...shape.data, raos: raos.toJSON() },
    };
  },
});

/** Converts what an operation threw into a TRPCError whose cause is the RaosError. */
const raosErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const raos = toRaosError(result.error.cause ?? result.error);
    const code = TRPC_CODE[ERROR_CODES[raos.code].http] ?? 'INTERNAL_SERVER_ERROR';
    (result as { error: TRPCError }).error = new TRPCError({ code, message: raos.message, cause: raos });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
const procedure = t.procedure.use(raosErrors);

/**
 * The guard of kernel/operation.ts as a tRPC middleware, placed before `.input()`: credentials, rate
 * limit and permission come first, then tRPC validates the input, then the operation runs and writes
 * are audited.
 */
function guarded<S extends z.ZodType, O>(op: Operation<S, O>) {
  return procedure
    .meta({ operation: op.name, permission: op.permission })
    .use(async ({ ctx, getRawInput, next }) => {
      const raw = await getRawInput();
      await admit(op as Operation, ctx, raw);
      const result = await next();
      await settle(op as Operation, ctx, raw, result.ok ? undefined : (result.error.cause ?? result.error));
      return result;
    })
    .input(op.input);
}

/** The procedure of a read operation. */
export function query<S extends z.ZodType, O>(op: Operation<S, O>) {
  return guarded(op).query(({ ctx, input }) => op.run(ctx, input as z.output<S>));
}

/** The procedure of a write operation. */
export function mutation<S extends z.ZodType, O>(op: Operation<S, O>) {
  return guarded(op).mutation(({ ctx, input }) => op.run(ctx, input as z.output<S>));
}

/** The procedure of a streaming operation: the guard admits it, then `stream` (which should run the operation's checks) yields. */
export function subscription<S extends z.ZodType, O, T>(op: Operation<S, O>, stream: (ctx: RequestContext, input: z.output<S>, signal: AbortSignal | undefined) => AsyncIterable<T>) {
  return guarded(op).subscription(({ ctx, input, signal }) => stream(ctx, input as z.output<S>, signal));
}
