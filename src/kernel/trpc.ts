/**
 * The tRPC builders every module's router uses. The wire format is plain JSON (no transformer), and
 * every error carries its raos code in `data.raos`, so any HTTP client and the CLI read the same codes.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import type { Actor } from './actor.js';
import { ERROR_CODES, toRaosError } from './errors.js';
import type { Kernel } from './kernel.js';

export interface RequestContext {
  kernel: Kernel;
  actor: Actor;
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

const t = initTRPC.context<RequestContext>().create({
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
export const procedure = t.procedure.use(raosErrors);
export const createCallerFactory = t.createCallerFactory;
