/**
 * The audit trail: every write and every denied attempt, with actor, action, target, outcome, time
 * and origin, in `audit.db`. The operation guard appends to it (kernel/operation.ts); nothing edits
 * or deletes entries: this class has no method that could, and no operation exposes one.
 *
 * An entry is appended after the operation's own commit and before the caller hears back, so an
 * acknowledged write always has its entry. The two are separate files: a crash between the write's
 * commit and the entry's loses that one entry (the write itself is durable).
 */
import * as z from 'zod';
import type { Actor } from './actor.js';
import { parseDuration } from './config.js';
import { parseInput } from './errors.js';
import type { BuiltinModule } from './kernel.js';
import type { Migration } from './module.js';
import type { Store } from './storage/store.js';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuditEntry {
  seq: number;
  at: string;
  actor: { kind: string; id: string; name: string; role: string };
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  /** The error code of a denied or failed attempt. */
  code: string | null;
  message: string | null;
  origin: string;
  ip: string | null;
}

interface AuditTables {
  entries: {
    seq: number | null;
    at: number;
    actor_kind: string;
    actor_id: string;
    actor_name: string;
    role: string;
    action: string;
    target: string | null;
    outcome: string;
    code: string | null;
    message: string | null;
    origin: string;
    ip: string | null;
  };
}

const migrations: Migration[] = [
  {
    id: '0001_entries',
    async up(db) {
      await db.schema
        .createTable('entries')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('code', 'text')
        .addColumn('message', 'text')
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .execute();
      await db.schema.createIndex('entries_at').on('entries').column('at').execute();
      await db.schema.createIndex('entries_actor').on('entries').column('actor_name').execute();
      await db.schema.createIndex('entries_action').on('entries').column('action').execute();
    },
  },
];

export const auditListInput = z
  .object({
    actor: z.string().min(1).max(128).optional().describe('User name or id'),
    action: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.*-]+$/, 'letters, digits, dots and a trailing * only')
      .optional()
      .describe('Operation name, e.g. memory.set, or a prefix with *: auth.*'),
    outcome: z.enum(['ok', 'denied', 'failed']).optional(),
    since: z.string().min(1).max(32).optional().describe('A duration back from now (1h, 30m, 7d) or an ISO time'),
    limit: z.number().int().min(1).max(10000).default(100),
  })
  .strict();

export type AuditListInput = z.input<typeof auditListInput>;

const MAX_TEXT = 512;
const clip = (text: string | null | undefined, max = MAX_TEXT) => (text == null ? null : text.length > max ? `${text.slice(0, max - 1)}…` : text);

export class AuditLog {
  readonly #store: Store<AuditTables>;
  readonly #now: () => number;

  constructor(store: Store<AuditTables>, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** Appends one entry (durably, like any write). */
  async append(entry: { actor: Actor; action: string; target?: string | null; outcome: AuditOutcome; code?: string | null; message?: string | null }): Promise<void> {
    const { actor } = entry;
    await this.#store.write((trx) =>
      trx
        .insertInto('entries')
        .values({
          seq: null,
          at: this.#now(),
          actor_kind: actor.actingOwner ? `${actor.kind} (as, by the owner)` : actor.kind,
          actor_id: actor.id,
          actor_name: actor.name,
          role: actor.role,
          action: entry.action,
          target: clip(entry.target, 256),
          outcome: entry.outcome,
          code: entry.code ?? null,
          message: clip(entry.message),
          origin: actor.origin,
          ip: actor.ip ?? null,
        })
        .execute(),
    );
  }

  /** Newest first. */
  async list(raw: AuditListInput): Promise<{ entries: AuditEntry[]; truncated: boolean }> {
    const input = parseInput(auditListInput, raw);
    let query = this.#store.db.selectFrom('entries').selectAll();
    if (input.actor) query = query.where((eb) => eb.or([eb('actor_name', '=', input.actor!), eb('actor_id', '=', input.actor!)]));
    if (input.action) {
      query = input.action.endsWith('*')
        ? query.where('action', 'like', `${input.action.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%`)
        : query.where('action', '=', input.action);
    }
    if (input.outcome) query = query.where('outcome', '=', input.outcome);
    if (input.since) query = query.where('at', '>=', this.#since(input.since));
    const rows = await query.orderBy('seq', 'desc').limit(input.limit + 1).execute();
    return {
      entries: rows.slice(0, input.limit).map((r) => ({
        seq: Number(r.seq),
        at: new Date(Number(r.at)).toISOString(),
        actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name, role: r.role },
        action: r.action,
        target: r.target,
        outcome: r.outcome as AuditOutcome,
        code: r.code,
        message: r.message,
        origin: r.origin,
        ip: r.ip,
      })),
      truncated: rows.length > input.limit,
    };
  }

  #since(text: string): number {
    if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
      const at = Date.parse(text);
      if (!Number.isNaN(at)) return at;
    }
    return this.#now() - parseDuration(text, 'since');
  }
}

/** The audit trail as a module of the kernel's own (`audit.db`); the kernel registers it itself. */
export const auditModule: BuiltinModule<AuditLog> = {
  name: 'audit',
  version: '1.0.0',
  description: 'Append-only audit trail of every write and every denied attempt',
  commands: ['audit list'],
  migrations,
  async setup(ctx) {
    return new AuditLog(await ctx.openStore<AuditTables>(), ctx.now);
  },
};
