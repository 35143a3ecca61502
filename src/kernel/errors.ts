/**
 * The one error type of raos. Every failure a user can see carries a code from the closed list below,
 * a message that says what went wrong, and (where one exists) a hint that says how to fix it.
 * Codes are translated only at the edges: the CLI maps them to exit codes, the daemon to HTTP status.
 */
export const ERROR_CODES = {
  INTERNAL: { exit: 1, http: 500, summary: 'An unexpected failure; the message and log say what happened.' },
  INVALID_INPUT: { exit: 2, http: 400, summary: 'An argument, flag, key or value is malformed; the message names the field.' },
  NOT_FOUND: { exit: 3, http: 404, summary: 'The key, module, file or command does not exist.' },
  CONFLICT: { exit: 4, http: 409, summary: 'The thing already exists or changed underneath the request.' },
  UNAUTHORIZED: { exit: 5, http: 401, summary: 'No valid credentials were given.' },
  FORBIDDEN: { exit: 6, http: 403, summary: 'The actor lacks the permission for this operation.' },
  RATE_LIMITED: { exit: 7, http: 429, summary: 'Too many requests; retry after the time given.' },
  INSUFFICIENT_FUNDS: { exit: 8, http: 402, summary: 'A balance is too low for the transfer.' },
  WORKSPACE_NOT_FOUND: { exit: 10, http: 500, summary: 'No workspace (raos.json) was found; run `raos init`.' },
  CONFIG_INVALID: { exit: 11, http: 500, summary: 'A configuration value is invalid; the message names the key and file.' },
  LOCK_TIMEOUT: { exit: 12, http: 503, summary: 'Another process held the workspace write lock for too long; the message names its pid.' },
  STORAGE_CORRUPT: { exit: 13, http: 500, summary: 'A database or journal file is damaged; it is left untouched and named in the message.' },
  MODULE_FAILED: { exit: 14, http: 503, summary: 'A module failed to load or initialise; `raos module info NAME` shows why.' },
  UNAVAILABLE: { exit: 15, http: 503, summary: 'A service the command needs is not reachable or is shutting down.' },
} as const satisfies Record<string, { exit: number; http: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface RaosErrorOptions {
  /** How to fix it, in one sentence a user can act on. */
  hint?: string;
  /** Machine-readable extra facts (field name, path, pid, ...). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class RaosError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: RaosErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RaosError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** Shorthands keep call sites short and the code visible. */
export const notFound = (message: string, options?: RaosErrorOptions) => new RaosError('NOT_FOUND', message, options);
export const invalidInput = (message: string, options?: RaosErrorOptions) =>
  new RaosError('INVALID_INPUT', message, options);
export const conflict = (message: string, options?: RaosErrorOptions) => new RaosError('CONFLICT', message, options);

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

/** Formats zod issues as `field: reason; other.field: reason`, naming every field that failed. */
export function formatIssues(issues: readonly ZodLikeIssue[], prefix?: string): string {
  return issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

function isZodError(err: unknown): err is { issues: ZodLikeIssue[] } {
  return (
    typeof err === 'object' &&
    err !== null &&
    Array.isArray((err as { issues?: unknown }).issues) &&
    (err as { name?: string }).name?.includes('ZodError') === true
  );
}

/**
 * Turns anything thrown into a RaosError. Unwraps tRPC errors (whose `cause` is ours or a ZodError)
 * and keeps unknown failures as INTERNAL with their cause, so nothing is lost on the way to the edge.
 */
export function toRaosError(err: unknown): RaosError {
  if (err instanceof RaosError) return err;
  if (isZodError(err)) return new RaosError('INVALID_INPUT', formatIssues(err.issues), { cause: err });
  if (err && typeof err === 'object') {
    const e = err as { cause?: unknown; code?: unknown; message?: string; name?: string };
    if (e.name === 'TRPCError' || e.name === 'TRPCClientError') {
      // Over the wire, data.raos carries the code; in process the cause is the RaosError (or ZodError).
      const data = (err as { data?: { raos?: { code?: unknown; hint?: string; details?: Record<string, unknown> } } })
        .data;
      if (data?.raos && isErrorCode(data.raos.code)) {
        return new RaosError(data.raos.code, e.message ?? 'request failed', {
          hint: data.raos.hint,
          details: data.raos.details,
        });
      }
      if (e.cause !== undefined && e.cause !== err) return toRaosError(e.cause);
      if (e.code === 'BAD_REQUEST' || e.code === 'PARSE_ERROR') return new RaosError('INVALID_INPUT', e.message ?? '');
      if (e.code === 'NOT_FOUND') return new RaosError('NOT_FOUND', e.message ?? '');
    }
    if (isErrorCode(e.code) && typeof e.message === 'string') return new RaosError(e.code, e.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new RaosError('INTERNAL', message || 'unexpected error', { cause: err });
}

interface ParseableSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ZodLikeIssue[] } };
}

/** Validates `value` with a zod schema; failures become INVALID_INPUT naming every field that failed. */
export function parseInput<T>(schema: ParseableSchema<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new RaosError('INVALID_INPUT', formatIssues(result.error.issues));
}
