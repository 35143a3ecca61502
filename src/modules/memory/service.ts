/**
 * The Memory module's operations: a namespaced, scoped key-value store with JSON values and expiry.
 * Transport-free: the CLI, tRPC, REST and WebSocket doors all call these with validated input.
 *
 * Expired entries are invisible to reads at once and are deleted by the next write transaction
 * (with the writer's clock passed in as a parameter, so journal replay deletes exactly the same rows).
 */
import type { Transaction } from 'kysely';
import type * as z from 'zod';
import type { Actor } from '../../kernel/actor.js';
import { can } from '../../kernel/access.js';
import { RaosError, conflict, invalidInput, notFound, parseInput } from '../../kernel/errors.js';
import type { EventBus } from '../../kernel/events.js';
import type { Store } from '../../kernel/storage/store.js';
import type { MemoryTables } from './migrations.js';
import {
  deleteInput,
  getInput,
  listInput,
  setInput,
  type DeleteInput,
  type GetInput,
  type ListInput,
  type MemoryEntry,
  type SetInput,
} from './schema.js';

export interface MemoryLimits {
  maxKeyLength: number;
  maxValueBytes: number;
  /** Applied when set() gets no ttl. */
  defaultTtlMs?: number;
}

type Row = MemoryTables['entries'];

function toEntry(row: Row): MemoryEntry {
  return {
    key: row.key,
    namespace: row.namespace,
    scope: row.scope,
    value: JSON.parse(row.value),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at === null ? null : new Date(Number(row.expires_at)).toISOString(),
  };
}

/**
 * Entries in a `user:<id>` scope belong to that user: others need `memory.manage` to touch them.
 * Global and session scopes are open to anyone holding memory.read / memory.write.
 */
function assertScope(actor: Actor, scope: string): void {
  if (!scope.startsWith('user:') || can(actor, 'memory.manage')) return;
  const owner = scope.slice(5);
  if (owner === actor.id || owner === actor.name) return;
  throw new RaosError('FORBIDDEN', `${actor.name} (role ${actor.role}) may not use scope ${scope}: it belongs to another user`, {
    hint: `Use scope user:${actor.name}, global or session:<id>; other users' scopes need the permission 'memory.manage'.`,
    details: { permission: 'memory.manage', scope },
  });
}

/** The read cache holds at most this many bytes of values, and no single value larger than 16 KiB. */
const CACHE_MAX_BYTES = 4 * 1024 * 1024;
const CACHE_MAX_ENTRY_BYTES = 16 * 1024;
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const cacheKey = (scope: string, namespace: string, key: string) => `${scope}\u0000${namespace}\u0000${key}`;

type GlobToken = { kind: 'star' } | { kind: 'any' } | { kind: 'char'; c: string } | { kind: 'set'; negated: boolean; chars: string; ranges: [string, string][] };

/**
 * Compiles a glob over whole keys: `*` any run, `?` one character, `[abc]`, `[a-z]`, `[!abc]` a set.
 * Matching is a two-pointer walk that never backtracks more than once per star, so no pattern can
 * make it slow (a regular expression built from the glob could take minutes on a hostile pattern).
 */
export function globMatcher(glob: string): { test(key: string): boolean } {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) throw invalidInput(`pattern: unclosed '[' in '${glob}'`, { hint: "Close the set with ']', e.g. player:[0-9]*" });
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      const ranges: [string, string][] = [];
      let chars = '';
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === '-' && j + 2 < body.length) {
          const [lo, hi] = [body[j], body[j + 2]];
          if (lo > hi) throw invalidInput(`pattern: the range '${lo}-${hi}' in '${glob}' runs backwards`, { hint: `Write it as ${hi}-${lo}.` });
          ranges.push([lo, hi]);
          j += 2;
        } else chars += body[j];
      }
      tokens.push({ kind: 'set', negated, chars, ranges });
      i = end;
    } else tokens.push({ kind: 'char', c });
  }
  const one = (t: GlobToken, ch: string): boolean => {
    switch (t.kind) {
      case 'any':
        return true;
      case 'char':
        return t.c === ch;
      case 'set': {
        const inSet = t.chars.includes(ch) || t.ranges.some(([lo, hi]) => ch >= lo && ch <= hi);
        return inSet !== t.negated;
      }
      default:
        return false;
    }
  };
  return {
    test(key: string): boolean {
      let ti = 0;
      let si = 0;
      let starTi = -1;
      let starSi = 0;
      while (si < key.length) {
        const t = tokens[ti];
        if (t && t.kind !== 'star' && one(t, key[si])) {
          ti++;
          si++;
        } else if (t?.kind === 'star') {
          starTi = ti++;
          starSi = si;
        } else if (starTi !== -1) {
          ti = starTi + 1;
          si = ++starSi;
        } else return false;
      }
      while (tokens[ti]?.kind === 'star') ti++;
      return ti === tokens.length;
    },
  };
}

/** The literal start of a glob, used to narrow the query before matching. */
function globPrefix(glob: string): string {
  const i = glob.search(/[*?[]/);
  return i === -1 ? glob : glob.slice(0, i);
}

export class MemoryService {
  readonly #store: Store<MemoryTables>;
  readonly #bus: EventBus;
  readonly #now: () => number;
  readonly #limits: MemoryLimits;

  constructor(options: { store: Store<MemoryTables>; bus: EventBus; now: () => number; limits: MemoryLimits }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#now = options.now;
    this.#limits = options.limits;
  }

  #checkKey(key: string): void {
    if (key.length > this.#limits.maxKeyLength) {
      throw invalidInput(`key: must be at most ${this.#limits.maxKeyLength} characters (got ${key.length})`, {
        hint: 'Use a shorter key, or raise memory.maxKeyLength in raos.json.',
      });
    }
  }

  /**
   * The lookup `get` runs on every read, built and compiled by Kysely once: building a query costs
   * more than running it. Its parameters are scope, namespace, key and now, in that order.
   */
  #getQuery(): string {
    if (this.#getSql === undefined) {
      const compiled = this.#store.db
        .selectFrom('entries')
        .selectAll()
        .where('scope', '=', '')
        .where('namespace', '=', '')
        .where('key', '=', '')
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', 0)]))
        .compile();
      if (compiled.parameters.length !== 4) throw new Error(`memory get query has ${compiled.parameters.length} parameters, expected 4`);
      this.#getSql = compiled.sql;
    }
    return this.#getSql;
  }

  #getSql: string | undefined;

  get(actor: Actor, raw: GetInput): Promise<MemoryEntry> {
    return this.read(actor, parseInput(getInput, raw));
  }

  /**
   * `get` for input the operation guard has already validated. Entries read are kept in a small
   * cache (this service is the only writer of its database, and every write updates the cache), so a
   * hot key costs no query; an entry past its expiry is never served from it.
   */
  async read(actor: Actor, input: z.output<typeof getInput>): Promise<MemoryEntry> {
    this.#checkKey(input.key);
    assertScope(actor, input.scope);
    const id = cacheKey(input.scope, input.namespace, input.key);
    const now = this.#now();
    const cached = this.#cache.get(id);
    if (cached && (cached.expiresAt === null || cached.expiresAt > now)) return cached.entry;
    const [row] = await this.#store.query<Row>(this.#getQuery(), [input.scope, input.namespace, input.key, now]);
    if (!row) {
      throw notFound(`no key '${input.key}' in namespace '${input.namespace}' (scope ${input.scope})`, {
        hint: 'List what exists with `raos memory list`.',
        details: { key: input.key, namespace: input.namespace, scope: input.scope },
      });
    }
    const entry = toEntry(row);
    this.#remember(id, entry, row);
    return entry;
  }

  /** Entries read or written lately, by scope/namespace/key; bounded by the bytes of their values. */
  readonly #cache = new Map<string, { entry: MemoryEntry; expiresAt: number | null; bytes: number }>();
  #cacheBytes = 0;

  #remember(id: string, entry: MemoryEntry, row: Row): void {
    this.#forget(id);
    const bytes = row.value.length + id.length;
    if (bytes > CACHE_MAX_ENTRY_BYTES) return;
    // Frozen, deeply: the same object goes to every reader, so no reader may change it.
    this.#cache.set(id, { entry: deepFreeze(entry), expiresAt: row.expires_at === null ? null : Number(row.expires_at), bytes });
    this.#cacheBytes += bytes;
    // Oldest first out, until the cache fits again.
    for (const [oldest, item] of this.#cache) {
      if (this.#cacheBytes <= CACHE_MAX_BYTES) break;
      this.#cache.delete(oldest);
      this.#cacheBytes -= item.bytes;
    }
  }

  #forget(id: string): void {
    const item = this.#cache.get(id);
    if (!item) return;
    this.#cache.delete(id);
    this.#cacheBytes -= item.bytes;
  }

  async set(actor: Actor, raw: SetInput): Promise<MemoryEntry & { created: boolean }> {
    const input = parseInput(setInput, raw);
    this.#checkKey(input.key);
    assertScope(actor, input.scope);
    const value = JSON.stringify(input.value);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > this.#limits.maxValueBytes) {
      throw invalidInput(`value: is ${bytes} bytes as JSON; the limit is ${this.#limits.maxValueBytes}`, {
        hint: 'Store a smaller value, or raise memory.maxValueBytes in raos.json.',
      });
    }
    const now = this.#now();
    const iso = new Date(now).toISOString();
    const ttl = input.ttlMs ?? this.#limits.defaultTtlMs;
    const expiresAt = ttl === undefined ? null : now + ttl;
    const result = await this.#store.write(async (trx) => {
      await purgeExpired(trx, now);
      const existing = await trx
        .selectFrom('entries')
        .select(['created_at'])
        .where('scope', '=', input.scope)
        .where('namespace', '=', input.namespace)
        .where('key', '=', input.key)
        .executeTakeFirst();
      if (existing && input.ifAbsent) {
        throw conflict(`key '${input.key}' already exists in namespace '${input.namespace}'`, {
          hint: 'Drop --if-absent to overwrite it.',
        });
      }
      const row: Row = {
        scope: input.scope,
        namespace: input.namespace,
        key: input.key,
        value,
        created_at: existing?.created_at ?? iso,
        updated_at: iso,
        expires_at: expiresAt,
      };
      await trx
        .insertInto('entries')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['scope', 'namespace', 'key']).doUpdateSet({ value, updated_at: iso, expires_at: expiresAt }),
        )
        .execute();
      return { row, created: !existing };
    });
    const entry = toEntry(result.row);
    this.#remember(cacheKey(input.scope, input.namespace, input.key), entry, result.row);
    this.#bus.publish(
      'memory:set',
      { key: entry.key, namespace: entry.namespace, scope: entry.scope, expiresAt: entry.expiresAt, created: result.created },
      now,
    );
    return { ...entry, created: result.created };
  }

  async delete(actor: Actor, raw: DeleteInput): Promise<{ key: string; namespace: string; scope: string; deleted: boolean }> {
    const input = parseInput(deleteInput, raw);
    this.#checkKey(input.key);
    assertScope(actor, input.scope);
    const now = this.#now();
    const deleted = await this.#store.write(async (trx) => {
      await purgeExpired(trx, now);
      const res = await trx
        .deleteFrom('entries')
        .where('scope', '=', input.scope)
        .where('namespace', '=', input.namespace)
        .where('key', '=', input.key)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
    this.#forget(cacheKey(input.scope, input.namespace, input.key));
    const address = { key: input.key, namespace: input.namespace, scope: input.scope };
    if (!deleted && !input.force) {
      throw notFound(`no key '${input.key}' in namespace '${input.namespace}' (scope ${input.scope})`, {
        hint: 'Pass --force to succeed when the key is already gone.',
        details: address,
      });
    }
    if (deleted) this.#bus.publish('memory:delete', address, now);
    return { ...address, deleted };
  }

  async list(actor: Actor, raw: ListInput): Promise<{ items: MemoryEntry[]; truncated: boolean }> {
    const input = parseInput(listInput, raw);
    const matcher = input.pattern !== undefined ? globMatcher(input.pattern) : null;
    const prefix = input.prefix ?? (input.pattern !== undefined ? globPrefix(input.pattern) : '');
    let query = this.#store.db
      .selectFrom('entries')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', this.#now())]))
      .orderBy('scope')
      .orderBy('namespace')
      .orderBy('key');
    if (input.namespace !== undefined) query = query.where('namespace', '=', input.namespace);
    if (input.scope !== undefined) {
      assertScope(actor, input.scope);
      query = query.where('scope', '=', input.scope);
    } else if (!can(actor, 'memory.manage')) {
      // Only what the actor may read: global, sessions and its own user scope.
      const own = [...new Set([`user:${actor.id}`, `user:${actor.name}`])];
      query = query.where((eb) => eb.or([eb('scope', '=', 'global'), eb('scope', 'like', 'session:%'), eb('scope', 'in', own)]));
    }
    // A range instead of LIKE: exact, case-sensitive, index-friendly on both SQLite and PostgreSQL.
    if (prefix) query = query.where('key', '>=', prefix).where('key', '<', prefix + '\u{10ffff}');
    if (!matcher) query = query.limit(input.limit + 1);
    const items: MemoryEntry[] = [];
    let truncated = false;
    for (const row of await query.execute()) {
      if (matcher && !matcher.test(row.key)) continue;
      if (items.length === input.limit) {
        truncated = true;
        break;
      }
      items.push(toEntry(row));
    }
    return { items, truncated };
  }
}

async function purgeExpired(trx: Transaction<MemoryTables>, now: number): Promise<void> {
  await trx.deleteFrom('entries').where('expires_at', '<=', now).execute();
}
