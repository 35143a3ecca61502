/**
 * Operations: one transport-free function per verb (STYLE §2), declared with the permission it needs,
 * and one guard that every door runs around it:
 *
 *   credentials → rate limit → assertCan(actor, permission) → validate (zod) → run → audit
 *
 * Access is checked before the input is read, so a caller without the permission learns nothing about
 * the input's shape, and a permission never depends on the input; finer rules that do (the role
 * hierarchy, whose scope an entry is in) are checked inside the operation. The tRPC procedures
 * (kernel/trpc.ts `query`/`mutation`/`subscription`) and the REST door (`execute`) run the same guard,
 * and the CLI reaches the procedures, so no door can skip a step.
 */
import type * as z from 'zod';
import { assertCan, can, isPermission, permissionInfo } from './access.js';
import type { AuditLog, AuditOutcome } from './audit.js';
import { RaosError, parseInput, toRaosError } from './errors.js';
import type { RequestContext } from './trpc.js';

export interface Operation<S extends z.ZodType = z.ZodType, O = unknown> {
  /** The procedure path, e.g. `memory.set`; also the audit trail's action. */
  name: string;
  /** The permission the actor needs, or null for a public operation (logging in). */
  permission: string | null;
  /** Callable without credentials. Only `auth.login` is. */
  public: boolean;
  /** Writes are audited (success and failure); reads only when denied. */
  kind: 'read' | 'write';
  /** The rate-limit bucket it counts against: its module (from the permission's name) unless declared. */
  module: string;
  /** `denials`: a write too frequent to record one by one (live moves); only its denials are audited. */
  audit: 'all' | 'denials';
  input: S;
  /** What the operation acts on, for the audit trail (never a secret). Gets the raw input when denied. */
  target?: (input: any) => string | undefined;
  run(ctx: RequestContext, input: z.output<S>): Promise<O>;
}

export interface OperationSpec<S extends z.ZodType, O> {
  name: string;
  permission: string | null;
  public?: boolean;
  kind: 'read' | 'write';
  /** Count against this rate-limit bucket (`rateLimits.<limit>`) instead of the module's. */
  limit?: string;
  audit?: 'all' | 'denials';
  input: S;
  target?: (input: any) => string | undefined;
  run(ctx: RequestContext, input: z.output<S>): Promise<O>;
}

/** Declares an operation; an unknown permission name, or a non-public one without any, fails here. */
export function defineOperation<S extends z.ZodType, O>(spec: OperationSpec<S, O>): Operation<S, O> {
  if (spec.permission === null ? !spec.public : !isPermission(spec.permission)) {
    throw new RaosError(
      'INTERNAL',
      spec.permission === null
        ? `operation ${spec.name} declares no permission; only public operations may`
        : `operation ${spec.name} names the unknown permission '${spec.permission}' (see PERMISSIONS in kernel/access.ts)`,
    );
  }
  const module = spec.limit ?? (spec.permission ? permissionInfo(spec.permission)!.module : spec.name.split('.')[0]);
  return { ...spec, public: spec.public ?? false, module, audit: spec.audit ?? 'all' };
}

/** A string field of an untrusted input, for audit targets. */
export function field(input: unknown, name: string): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const value = (input as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

const DENIED = new Set(['FORBIDDEN', 'UNAUTHORIZED', 'RATE_LIMITED']);

function targetOf(op: Operation, input: unknown): string | null {
  try {
    return op.target?.(input) ?? null;
  } catch {
    return null;
  }
}

async function record(
  op: Operation,
  ctx: RequestContext,
  input: unknown,
  outcome: AuditOutcome,
  err?: RaosError,
): Promise<void> {
  try {
    const audit = await ctx.kernel.service<AuditLog>('audit');
    await audit.append({
      actor: ctx.actor,
      action: op.name,
      target: targetOf(op, input),
      outcome,
      code: err?.code ?? null,
      message: err?.message ?? null,
    });
  } catch (auditErr) {
    // The operation's own result stands (a write is already durable); the failure is logged loudly.
    ctx.kernel.log.error('could not append to the audit trail', {
      action: op.name,
      actor: ctx.actor.name,
      outcome,
      error: auditErr instanceof Error ? auditErr.message : String(auditErr),
    });
  }
}

/**
 * The steps before the input is read: credentials, rate limit, permission. A denial is audited
 * (a rate-limit refusal once per window, so a flood cannot flood the trail) and thrown. Returns
 * undefined when everything was decided at once (the common case: nothing to wait for).
 */
export function admit(op: Operation, ctx: RequestContext, raw: unknown): Promise<void> | undefined {
  if (ctx.revalidate) return ctx.revalidate().then(() => admitNow(op, ctx, raw));
  return admitNow(op, ctx, raw);
}

function admitNow(op: Operation, ctx: RequestContext, raw: unknown): Promise<void> | undefined {
  const { actor } = ctx;
  if (actor.kind === 'anonymous' && !op.public) {
    throw new RaosError('UNAUTHORIZED', `${op.name} needs credentials`, {
      hint: 'Send Authorization: Bearer <token>; `raos auth login` or `raos auth token create` makes one.',
    });
  }
  const counted = ctx.limits?.consume(op.module, actor)?.catch(async (err: unknown) => {
    const raos = toRaosError(err);
    if (raos.code === 'RATE_LIMITED' && raos.details?.firstInWindow) {
      delete raos.details.firstInWindow;
      await record(op, ctx, raw, 'denied', raos);
    }
    throw raos;
  });
  if (!op.permission || can(actor, op.permission)) return counted;
  return (counted ?? Promise.resolve()).then(() => deny(op, ctx, raw, op.permission!));
}

async function deny(op: Operation, ctx: RequestContext, raw: unknown, permission: string): Promise<never> {
  let denial: RaosError | undefined;
  try {
    assertCan(ctx.actor, permission);
  } catch (err) {
    denial = toRaosError(err);
  }
  await record(op, ctx, raw, 'denied', denial!);
  throw denial!;
}

/** After the operation: writes are audited with their outcome. */
export async function settle(op: Operation, ctx: RequestContext, input: unknown, err?: unknown): Promise<void> {
  const recordAll = op.kind === 'write' && op.audit === 'all';
  if (!recordAll && !(err && DENIED.has(toRaosError(err).code))) return;
  if (err === undefined) return record(op, ctx, input, 'ok');
  const raos = toRaosError(err);
  return record(op, ctx, input, DENIED.has(raos.code) ? 'denied' : 'failed', raos);
}

/** Runs an operation through the whole guard: the REST door and /ws call this. */
export async function execute<S extends z.ZodType, O>(op: Operation<S, O>, ctx: RequestContext, raw: unknown): Promise<O> {
  const admitting = admit(op as Operation, ctx, raw);
  if (admitting) await admitting;
  let input: z.output<S> | undefined;
  try {
    input = parseInput(op.input, raw);
    const result = await op.run(ctx, input);
    await settle(op, ctx, input);
    return result;
  } catch (err) {
    await settle(op, ctx, input ?? raw, err);
    throw err;
  }
}
