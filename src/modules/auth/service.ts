/**
 * The Auth module's operations: users, passwords, login sessions, API tokens, custom roles, and the
 * token check every daemon request runs. Transport-free: the CLI, tRPC, REST and WebSocket doors all
 * call these.
 *
 * The kernel's operation guard has already checked the operation's permission (`auth.user.create`,
 * ...) before a method runs. The methods validate their input again (a direct call is safe too) and
 * make the finer checks: the role hierarchy (an actor manages only users, and assigns only roles,
 * below its own rank; SuperAdmin and the workspace owner manage everyone), ownership of tokens, and
 * that a token never carries more than its user holds.
 *
 * Secrets never leave this file except as the one-time `token` of login and createToken: not in a
 * log line, an error, or any column but `password_hash` and `secret_hash`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Transaction } from 'kysely';
import {
  BUILTIN_ROLES,
  can,
  grantsOf,
  isPermission,
  PERMISSIONS,
  RoleTable,
  type CustomRole,
  type Grants,
  type ResolvedRole,
} from '../../kernel/access.js';
import type { Actor, Origin } from '../../kernel/actor.js';
import { parseDuration } from '../../kernel/config.js';
import { conflict, invalidInput, notFound, parseInput, RaosError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../kernel/storage/store.js';
import type { AuthTables } from './migrations.js';
import { dummyVerify, hashPassword, MIN_ITERATIONS, needsRehash, verifyPassword } from './passwords.js';
import {
  createRoleInput,
  createTokenInput,
  createUserInput,
  disableUserInput,
  listTokensInput,
  listUsersInput,
  loginInput,
  logoutInput,
  revokeTokenInput,
  roleRefInput,
  updateUserInput,
  userRefInput,
  type CreatedToken,
  type CreateRoleInput,
  type CreateTokenInput,
  type CreateUserInput,
  type DeleteRoleInput,
  type DeleteUserInput,
  type DisableUserInput,
  type EnableUserInput,
  type GetUserInput,
  type ListTokensInput,
  type ListUsersInput,
  type LoginContext,
  type LoginInput,
  type LoginResult,
  type LogoutInput,
  type LogoutResult,
  type PermissionView,
  type RevokeTokenInput,
  type RoleView,
  type TokenView,
  type UpdateUserInput,
  type UserView,
} from './schema.js';
import { generateToken, parseToken, secretMatches } from './tokens.js';

export interface AuthOptions {
  /** How long a login session lasts (config `auth.sessionTtl`). */
  sessionTtlMs: number;
  /** PBKDF2 iterations for new hashes; at least 100,000 (config `auth.passwordIterations`, default 600,000). */
  passwordIterations: number;
  /** Failed logins in a row that lock the account (config `auth.maxLoginAttempts`); 0 never locks. */
  maxLoginAttempts: number;
  /** How long a locked account stays locked (config `auth.lockTime`). */
  lockTimeMs: number;
  /** Waits before a failed login answers. Default: a timer; tests pass one that records and returns. */
  sleep?: (ms: number) => Promise<void>;
}

export interface AuthServiceOptions {
  store: Store<AuthTables>;
  now: () => number;
  log: Logger;
  options: AuthOptions;
}

export interface DeletedUser {
  id: string;
  name: string;
  /** How many of the user's tokens were deleted with it. */
  tokensDeleted: number;
}

/** The first failed login waits this long; each further one twice as long as the one before. */
export const SLOWDOWN_BASE_MS = 250;
/** The longest a failed login waits. */
export const SLOWDOWN_MAX_MS = 2000;
/** Revoked and expired tokens are kept this long (for `token list`), then deleted by a later write. */
export const TOKEN_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** The longest an API token may live: ten years. */
export const MAX_TOKEN_TTL_MS = 10 * 365 * 24 * 3600 * 1000;
/** The actor id of a token the workspace owner issued: `owner-token:<token id>`. */
export const OWNER_TOKEN_PREFIX = 'owner-token:';

/** How many unknown user names the failed-login bookkeeping remembers. */
const UNKNOWN_NAMES_KEPT = 10_000;
const WRONG_LOGIN = 'wrong user name or password';
const WRONG_LOGIN_HINT = 'Check the name and the password. Repeated failures lock the account for a while.';

type UserRow = AuthTables['users'];
type TokenRow = AuthTables['tokens'];

interface VerifyRow {
  secret_hash: string;
  kind: TokenRow['kind'];
  name: string;
  role: string | null;
  user_id: string | null;
  expires_at: number | string | null;
  revoked_at: number | string | null;
  user_name: string | null;
  user_role: string | null;
  user_disabled: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const msOrNull = (value: number | string | null) => (value === null ? null : Number(value));

/** `2 minutes`, `45 seconds`: for messages about waiting. */
function humanWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} minutes`;
  return `${Math.ceil(minutes / 60)} hours`;
}

/** Up to `max` names, then `and N more`. */
function listNames(names: string[], max = 10): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** Custom roles in an order where each parent comes before its children (as RoleTable needs). */
function orderRoles(rows: AuthTables['roles'][]): CustomRole[] {
  const known = new Set<string>(BUILTIN_ROLES.map((r) => r.toLowerCase()));
  const out: CustomRole[] = [];
  let pending = [...rows].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.key.localeCompare(b.key));
  while (pending.length > 0) {
    const ready = pending.filter((r) => known.has(r.inherits.toLowerCase()));
    if (ready.length === 0) break;
    for (const r of ready) {
      out.push({ name: r.name, inherits: r.inherits, grants: JSON.parse(r.grants) as string[], description: r.description ?? undefined });
      known.add(r.key);
    }
    pending = pending.filter((r) => !known.has(r.key));
  }
  return out;
}

export class AuthService {
  readonly #store: Store<AuthTables>;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #options: Required<AuthOptions>;
  #generation = 0;
  #table: RoleTable | undefined;
  #tableLoad: Promise<RoleTable> | undefined;
  /** Grants by `userRole\ntokenRole`: verifyToken builds no Set for a pair it has seen. */
  readonly #grants = new Map<string, Grants>();
  #grantsTable: RoleTable | undefined;
  /**
   * Failed logins of user names that do not exist, kept in memory only. They are slowed down and
   * locked exactly like real accounts, so neither the delay nor a lockout tells which names exist.
   */
  readonly #unknownFailures = new Map<string, { failures: number; lockedUntil: number | null }>();
  #verifySql: string | undefined;

  constructor(options: AuthServiceOptions) {
    const o = options.options;
    const bad = (key: string, why: string) =>
      new RaosError('CONFIG_INVALID', `auth.${key}: ${why}`, { details: { key: `auth.${key}` } });
    if (!Number.isSafeInteger(o.passwordIterations) || o.passwordIterations < MIN_ITERATIONS) {
      throw bad('passwordIterations', `must be a whole number of at least ${MIN_ITERATIONS} (got ${o.passwordIterations})`);
    }
    if (!Number.isSafeInteger(o.maxLoginAttempts) || o.maxLoginAttempts < 0) {
      throw bad('maxLoginAttempts', `must be a whole number of at least 0 (got ${o.maxLoginAttempts})`);
    }
    if (!(o.sessionTtlMs > 0)) throw bad('sessionTtl', 'must be longer than 0');
    if (!(o.lockTimeMs >= 0)) throw bad('lockTime', 'must not be negative');
    this.#store = options.store;
    this.#now = options.now;
    this.#log = options.log;
    this.#options = { ...o, sleep: o.sleep ?? ((ms) => delay(ms).then(() => undefined)) };
  }

  /**
   * Increments after every committed change that can change what an existing token or actor may do:
   * a user's role, password, disabling, enabling or deletion, a revoked token, a role made or
   * deleted. The daemon caches verified tokens and verifies again when this changes.
   */
  get generation(): number {
    return this.#generation;
  }

  // -------------------------------------------------------------------------------------------------
  // Roles and permissions
  // -------------------------------------------------------------------------------------------------

  /** The roles in force: the built-in ones and the stored custom ones. Cached until a role changes. */
  roles(): Promise<RoleTable> {
    if (this.#table) return Promise.resolve(this.#table);
    if (!this.#tableLoad) {
      const load: Promise<RoleTable> = this.#store.db
        .selectFrom('roles')
        .selectAll()
        .execute()
        .then(
          (rows) => {
            const table = new RoleTable(orderRoles(rows));
            // A load that a role change overtook must not install the roles it read before the change.
            if (this.#tableLoad === load) {
              this.#table = table;
              this.#tableLoad = undefined;
            }
            return table;
          },
          (err: unknown) => {
            if (this.#tableLoad === load) this.#tableLoad = undefined;
            throw err;
          },
        );
      this.#tableLoad = load;
    }
    return this.#tableLoad;
  }

  /** Reads the roles again after a change; the read queues behind the committed write. */
  #reloadRoles(): Promise<RoleTable> {
    this.#table = undefined;
    this.#tableLoad = undefined;
    return this.roles();
  }

  async listRoles(): Promise<RoleView[]> {
    return (await this.roles()).list().map(roleView);
  }

  listPermissions(): PermissionView[] {
    return PERMISSIONS.map((p) => ({ name: p.name, module: p.module, description: p.description, role: p.role }));
  }

  async createRole(actor: Actor, raw: CreateRoleInput): Promise<RoleView> {
    const input = parseInput(createRoleInput, raw);
    const table = await this.roles();
    if (table.get(input.name)) {
      throw conflict(`a role named '${table.get(input.name)!.name}' already exists`, {
        hint: 'Role names are unique regardless of case; `raos auth roles` lists them.',
      });
    }
    const parent = table.require(input.inherits, 'inherits');
    const grants = [...new Set(input.grant)];
    for (const grant of grants) {
      if (!isPermission(grant)) {
        throw invalidInput(`grant: no permission named '${grant}'`, { hint: '`raos auth permissions` lists the permissions.' });
      }
    }
    if (!isPrivileged(actor)) {
      const own = rankOf(table, actor.role);
      if (parent.rank >= own) {
        throw forbidden(
          `${actor.name} (role ${actor.role}) cannot create a role ranking with ${parent.base}: only roles below ${actor.role} (inheriting ${parent.name})`,
        );
      }
      const missing = grants.filter((g) => !can(actor, g));
      if (missing.length > 0) {
        throw forbidden(`${actor.name} (role ${actor.role}) cannot grant permissions it does not hold: ${missing.join(', ')}`);
      }
    }
    const description =
      input.description ?? (grants.length > 0 ? `${parent.name} plus ${grants.join(', ')}` : `The same as ${parent.name}`);
    const now = this.#now();
    await this.#store.write(async (trx) => {
      const taken = await trx.selectFrom('roles').select('name').where('key', '=', input.name.toLowerCase()).executeTakeFirst();
      if (taken) throw conflict(`a role named '${taken.name}' already exists`);
      await trx
        .insertInto('roles')
        .values({
          key: input.name.toLowerCase(),
          name: input.name,
          inherits: parent.name,
          grants: JSON.stringify(grants),
          description,
          created_at: iso(now),
        })
        .execute();
    });
    const next = await this.#reloadRoles();
    this.#generation++;
    this.#log.info('role created', { role: input.name, inherits: parent.name, grants, by: actor.name });
    return roleView(next.require(input.name));
  }

  async deleteRole(actor: Actor, raw: DeleteRoleInput): Promise<{ deleted: string }> {
    const input = parseInput(roleRefInput, raw);
    const table = await this.roles();
    const role = table.get(input.name);
    if (!role) {
      throw notFound(`no role named '${input.name}'`, { hint: '`raos auth roles` lists the roles.' });
    }
    if (role.builtin) throw invalidInput(`name: '${role.name}' is a built-in role and cannot be deleted`);
    if (!isPrivileged(actor) && role.rank >= rankOf(table, actor.role)) {
      throw forbidden(`${actor.name} (role ${actor.role}) cannot delete the role ${role.name} (ranking with ${role.base}): only roles below its own`);
    }
    const now = this.#now();
    await this.#store.write(async (trx) => {
      const users = await trx.selectFrom('users').select('name').where('role', '=', role.name).orderBy('name').execute();
      const tokens = await trx
        .selectFrom('tokens')
        .select(['id', 'name'])
        .where('role', '=', role.name)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('id')
        .execute();
      const children = table.list().filter((r) => r.inherits === role.name).map((r) => r.name);
      const uses = [
        users.length > 0 ? `users ${listNames(users.map((u) => u.name))}` : '',
        tokens.length > 0 ? `tokens ${listNames(tokens.map((t) => `${t.id} (${t.name})`))}` : '',
        children.length > 0 ? `roles ${listNames(children)}` : '',
      ].filter(Boolean);
      if (uses.length > 0) {
        throw conflict(`the role ${role.name} is still used by ${uses.join('; ')}`, {
          hint: 'Give those users another role (`raos auth user update`), revoke those tokens (`raos auth token revoke`) and delete those roles first.',
          details: { users: users.map((u) => u.name), tokens: tokens.map((t) => t.id), roles: children },
        });
      }
      await trx.deleteFrom('roles').where('key', '=', role.name.toLowerCase()).execute();
    });
    await this.#reloadRoles();
    this.#generation++;
    this.#log.info('role deleted', { role: role.name, by: actor.name });
    return { deleted: role.name };
  }

  // -------------------------------------------------------------------------------------------------
  // Users
  // -------------------------------------------------------------------------------------------------

  async createUser(actor: Actor, raw: CreateUserInput): Promise<UserView> {
    const input = parseInput(createUserInput, raw);
    const table = await this.roles();
    const role = table.require(input.role);
    assertAssigns(actor, role, table);
    // Checked before hashing too, so a taken name does not cost a hash.
    if (await this.#findUser(this.#store.db, input.name)) throw userExists(input.name);
    const hash = input.password === undefined ? null : await hashPassword(input.password, this.#options.passwordIterations);
    const now = iso(this.#now());
    const row: UserRow = {
      id: randomUUID(),
      name: input.name,
      email: input.email ?? null,
      role: role.name,
      password_hash: hash,
      disabled: 0,
      disabled_reason: null,
      failed_logins: 0,
      locked_until: null,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    };
    await this.#store.write(async (trx) => {
      if (await this.#findUser(trx, input.name)) throw userExists(input.name);
      await trx.insertInto('users').values(row).execute();
    });
    this.#log.info('user created', { user: row.name, role: row.role, by: actor.name });
    return this.#view(row);
  }

  async listUsers(_actor: Actor, raw: ListUsersInput = {}): Promise<UserView[]> {
    const input = parseInput(listUsersInput, raw);
    let query = this.#store.db.selectFrom('users').selectAll().orderBy('name');
    if (input.role !== undefined) query = query.where('role', '=', (await this.roles()).require(input.role).name);
    if (input.disabled !== undefined) query = query.where('disabled', '=', input.disabled ? 1 : 0);
    return (await query.execute()).map((row) => this.#view(row));
  }

  async getUser(_actor: Actor, raw: GetUserInput): Promise<UserView> {
    const input = parseInput(userRefInput, raw);
    return this.#view(await this.#requireUser(this.#store.db, input.name));
  }

  async updateUser(actor: Actor, raw: UpdateUserInput): Promise<UserView> {
    const input = parseInput(updateUserInput, raw);
    const table = await this.roles();
    const role = input.role === undefined ? undefined : table.require(input.role);
    // Checked before hashing as well as in the transaction, so a refused change costs no hash.
    assertManages(actor, await this.#requireUser(this.#store.db, input.name), 'update', table);
    if (role) assertAssigns(actor, role, table);
    const hash = input.password === undefined ? undefined : await hashPassword(input.password, this.#options.passwordIterations);
    const now = this.#now();
    const { row, changedAccess } = await this.#store.write(async (trx) => {
      const user = await this.#requireUser(trx, input.name);
      assertManages(actor, user, 'update', table);
      const changes: Partial<UserRow> = { updated_at: iso(now) };
      if (role) changes.role = role.name;
      if (input.email !== undefined) changes.email = input.email;
      if (hash !== undefined) changes.password_hash = hash;
      await trx.updateTable('users').set(changes).where('id', '=', user.id).execute();
      if (hash !== undefined) {
        // A new password ends the sessions made with the old one (but not the one making the change).
        let revoke = trx
          .updateTable('tokens')
          .set({ revoked_at: now })
          .where('user_id', '=', user.id)
          .where('kind', '=', 'session')
          .where('revoked_at', 'is', null);
        if (actor.tokenId !== undefined) revoke = revoke.where('id', '!=', actor.tokenId);
        await revoke.execute();
      }
      return { row: { ...user, ...changes }, changedAccess: (role !== undefined && role.name !== user.role) || hash !== undefined };
    });
    if (changedAccess) this.#generation++;
    this.#log.info('user updated', {
      user: row.name,
      by: actor.name,
      fields: ['role', 'email', 'password'].filter((f) => input[f as keyof typeof input] !== undefined),
    });
    return this.#view(row);
  }

  async disableUser(actor: Actor, raw: DisableUserInput): Promise<UserView> {
    const input = parseInput(disableUserInput, raw);
    const table = await this.roles();
    const now = this.#now();
    const row = await this.#store.write(async (trx) => {
      const user = await this.#requireUser(trx, input.name);
      assertNotSelf(actor, user, 'disable');
      assertManages(actor, user, 'disable', table);
      const changes = { disabled: 1, disabled_reason: input.reason ?? null, updated_at: iso(now) };
      await trx.updateTable('users').set(changes).where('id', '=', user.id).execute();
      await trx.updateTable('tokens').set({ revoked_at: now }).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
      return { ...user, ...changes };
    });
    this.#generation++;
    this.#log.info('user disabled', { user: row.name, by: actor.name });
    return this.#view(row);
  }

  async enableUser(actor: Actor, raw: EnableUserInput): Promise<UserView> {
    const input = parseInput(userRefInput, raw);
    const table = await this.roles();
    const now = this.#now();
    const row = await this.#store.write(async (trx) => {
      const user = await this.#requireUser(trx, input.name);
      assertManages(actor, user, 'enable', table);
      const changes = { disabled: 0, disabled_reason: null, failed_logins: 0, locked_until: null, updated_at: iso(now) };
      await trx.updateTable('users').set(changes).where('id', '=', user.id).execute();
      return { ...user, ...changes };
    });
    this.#generation++;
    this.#log.info('user enabled', { user: row.name, by: actor.name });
    return this.#view(row);
  }

  async deleteUser(actor: Actor, raw: DeleteUserInput): Promise<DeletedUser> {
    const input = parseInput(userRefInput, raw);
    const table = await this.roles();
    const result = await this.#store.write(async (trx) => {
      const user = await this.#requireUser(trx, input.name);
      assertNotSelf(actor, user, 'delete');
      assertManages(actor, user, 'delete', table);
      const tokens = await trx.deleteFrom('tokens').where('user_id', '=', user.id).executeTakeFirst();
      await trx.deleteFrom('users').where('id', '=', user.id).execute();
      return { id: user.id, name: user.name, tokensDeleted: Number(tokens.numDeletedRows) };
    });
    this.#generation++;
    this.#log.info('user deleted', { user: result.name, by: actor.name });
    return result;
  }

  /**
   * The actor for an existing, enabled user, for the workspace owner running a command `--as USER`.
   * NOT_FOUND for an unknown user, FORBIDDEN for a disabled one.
   */
  async actorFor(name: string, origin: Origin): Promise<Actor> {
    const input = parseInput(userRefInput, { name });
    const user = await this.#requireUser(this.#store.db, input.name);
    if (user.disabled) {
      throw forbidden(`the user ${user.name} is disabled${user.disabled_reason ? ` (${user.disabled_reason})` : ''}`, {
        hint: `Enable it first with \`raos auth user enable ${user.name}\`.`,
      });
    }
    const table = await this.roles();
    const role = table.require(user.role);
    return { kind: 'user', id: user.id, name: user.name, role: role.name, grants: this.#grantsFor(table, role), origin, actingOwner: true };
  }

  // -------------------------------------------------------------------------------------------------
  // Login and logout
  // -------------------------------------------------------------------------------------------------

  /**
   * Checks a name and password and opens a session. Every kind of failure (unknown user, wrong
   * password, no password, disabled user) is the same UNAUTHORIZED, takes the same time, and is
   * answered late: 250 ms doubling per failure in a row, at most 2 s. After `maxLoginAttempts`
   * failures in a row the account is locked for `lockTimeMs` (RATE_LIMITED, with `retryAfterMs`).
   */
  async login(raw: LoginInput, context: LoginContext): Promise<LoginResult> {
    const input = parseInput(loginInput, raw);
    const where = { origin: context.origin, ...(context.ip ? { ip: context.ip } : {}) };
    const user = await this.#findUser(this.#store.db, input.name);
    if (!user) return this.#failUnknown(input.name, input.password, where);

    // The attempt is counted before the password is checked, in one transaction: concurrent guesses
    // cannot all pass the lock check before any of them is counted.
    const attempt = await this.#reserveAttempt(user.id);
    if ('lockedFor' in attempt) throw lockedError(attempt.lockedFor);

    const ok =
      user.password_hash === null
        ? await dummyVerify(input.password, this.#options.passwordIterations)
        : await verifyPassword(input.password, user.password_hash);
    if (!ok || user.disabled) return this.#failKnown(user, where, attempt.failures);

    // Hashed outside the transaction: a hash takes a third of a second, and the store's one
    // connection must not wait for it.
    const rehash = needsRehash(user.password_hash!, this.#options.passwordIterations)
      ? await hashPassword(input.password, this.#options.passwordIterations)
      : null;
    const token = generateToken();
    const now = this.#now();
    const expiresAt = now + this.#options.sessionTtlMs;
    const result = await this.#store.write(async (trx) => {
      const fresh = await trx.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst();
      // Disabled, deleted or given a new password while we were hashing: the check above is stale.
      if (!fresh || fresh.disabled || fresh.password_hash !== user.password_hash) return null;
      // Locked meanwhile by concurrent failures: the lock stands, even for the right password.
      const lock = msOrNull(fresh.locked_until);
      if (lock !== null && lock > now) return { locked: true as const, lockedFor: lock - now };
      await purgeTokens(trx, now);
      const changes: Partial<UserRow> = { failed_logins: 0, locked_until: null, last_login_at: iso(now) };
      if (rehash) changes.password_hash = rehash;
      await trx.updateTable('users').set(changes).where('id', '=', user.id).execute();
      await trx
        .insertInto('tokens')
        .values({
          id: token.id,
          secret_hash: token.secretHash,
          kind: 'session',
          name: `${context.origin} login`,
          user_id: user.id,
          role: null,
          created_at: iso(now),
          expires_at: expiresAt,
          revoked_at: null,
        })
        .execute();
      return { locked: false as const, user: { ...fresh, ...changes } };
    });
    if (!result) throw new RaosError('UNAUTHORIZED', WRONG_LOGIN, { hint: WRONG_LOGIN_HINT });
    if (result.locked) throw lockedError(result.lockedFor);
    const row = result.user;
    if (rehash) this.#log.info('password rehashed with more iterations', { user: row.name, iterations: this.#options.passwordIterations });
    this.#log.info('login', { user: row.name, token: token.id, ...where });
    return { token: token.token, expiresAt: iso(expiresAt), user: this.#view(row) };
  }

  /**
   * Counts a login attempt before its password is checked: RATE_LIMITED (`lockedFor`) while the
   * account is locked, or once `maxLoginAttempts` attempts in a row have failed (which locks it);
   * otherwise the attempt's number in the current run of failures. A success resets the count.
   */
  async #reserveAttempt(userId: string): Promise<{ failures: number } | { lockedFor: number }> {
    const now = this.#now();
    const { maxLoginAttempts, lockTimeMs } = this.#options;
    return this.#store.write(async (trx) => {
      const row = await trx.selectFrom('users').select(['failed_logins', 'locked_until']).where('id', '=', userId).executeTakeFirst();
      if (!row) return { failures: 1 };
      const lockedUntil = msOrNull(row.locked_until);
      if (lockedUntil !== null && lockedUntil > now) return { lockedFor: lockedUntil - now };
      // A lock that ran out starts a new run of attempts.
      const before = lockedUntil !== null ? 0 : Number(row.failed_logins);
      if (maxLoginAttempts > 0 && before >= maxLoginAttempts) {
        await trx.updateTable('users').set({ locked_until: now + lockTimeMs }).where('id', '=', userId).execute();
        return { lockedFor: lockTimeMs };
      }
      await trx.updateTable('users').set({ failed_logins: before + 1, locked_until: null }).where('id', '=', userId).execute();
      return { failures: before + 1 };
    });
  }

  /** A counted attempt failed: the one that reaches the maximum locks the account; then the slow answer. */
  async #failKnown(user: UserRow, where: Record<string, string>, failures: number): Promise<never> {
    const now = this.#now();
    const { maxLoginAttempts, lockTimeMs } = this.#options;
    const locks = maxLoginAttempts > 0 && failures >= maxLoginAttempts;
    if (locks) {
      // Not extending a lock a concurrent attempt set already.
      await this.#store.write((trx) =>
        trx.updateTable('users').set({ locked_until: now + lockTimeMs }).where('id', '=', user.id).where('locked_until', 'is', null).execute(),
      );
    }
    this.#log.warn('failed login', { user: user.name, failures, ...where });
    if (locks) this.#log.warn('account locked after repeated failed logins', { user: user.name, lockTimeMs, ...where });
    return this.#answerFailure(failures);
  }

  async #failUnknown(name: string, password: string, where: Record<string, string>): Promise<never> {
    const start = this.#now();
    const seen = this.#unknownFailures.get(name);
    if (seen?.lockedUntil != null && seen.lockedUntil > start) throw lockedError(seen.lockedUntil - start);
    await dummyVerify(password, this.#options.passwordIterations);
    const now = this.#now();
    const { maxLoginAttempts, lockTimeMs } = this.#options;
    const lockOver = seen?.lockedUntil != null && seen.lockedUntil <= now;
    const failures = (seen && !lockOver ? seen.failures : 0) + 1;
    const lockedUntil = maxLoginAttempts > 0 && failures >= maxLoginAttempts ? now + lockTimeMs : null;
    // Re-inserted, so the Map's order is least recently failed first.
    this.#unknownFailures.delete(name);
    this.#unknownFailures.set(name, { failures, lockedUntil });
    if (this.#unknownFailures.size > UNKNOWN_NAMES_KEPT) this.#unknownFailures.delete(this.#unknownFailures.keys().next().value!);
    this.#log.warn('failed login', { user: name, failures, unknownUser: true, ...where });
    return this.#answerFailure(failures);
  }

  async #answerFailure(failures: number): Promise<never> {
    await this.#options.sleep(Math.min(SLOWDOWN_MAX_MS, SLOWDOWN_BASE_MS * 2 ** Math.min(failures - 1, 16)));
    throw new RaosError('UNAUTHORIZED', WRONG_LOGIN, { hint: WRONG_LOGIN_HINT });
  }

  /**
   * Revokes a token: the one given (the actor's own, or anyone's with auth.token.manage), or else the
   * one the actor authenticated with. INVALID_INPUT when there is nothing to revoke.
   */
  async logout(actor: Actor, raw: LogoutInput = {}): Promise<LogoutResult> {
    const input = parseInput(logoutInput, raw);
    if (input.token === undefined) {
      if (actor.tokenId === undefined) {
        throw invalidInput(`nothing to revoke: ${actor.name} did not sign in with a token`, {
          hint: 'Pass the token to revoke, or revoke one by id with `raos auth token revoke`.',
        });
      }
      await this.#revoke(actor.tokenId);
      return { revoked: actor.tokenId };
    }
    const parsed = parseToken(input.token);
    if (!parsed) throw invalidInput('token: is not a raos token (raos_<id>_<secret>)');
    const row = await this.#store.db.selectFrom('tokens').selectAll().where('id', '=', parsed.id).executeTakeFirst();
    if (!row || !secretMatches(parsed.secret, row.secret_hash) || !this.#mayRevoke(actor, row)) throw tokenNotFound(parsed.id);
    await this.#revoke(row.id);
    return { revoked: row.id };
  }

  // -------------------------------------------------------------------------------------------------
  // Tokens
  // -------------------------------------------------------------------------------------------------

  /**
   * Issues an API token. It belongs to the actor's user; with `user`, to that user (needs
   * auth.token.manage and a user below the actor's rank); when the owner issues it without `user`, to
   * nobody. `role` may only narrow the owning user's role; a token made with a token never carries
   * more than that token.
   */
  async createToken(actor: Actor, raw: CreateTokenInput): Promise<CreatedToken> {
    const input = parseInput(createTokenInput, raw);
    const table = await this.roles();
    const ttl = input.expires === undefined ? null : parseDuration(input.expires, 'expires');
    if (ttl !== null && (ttl <= 0 || ttl > MAX_TOKEN_TTL_MS)) throw invalidInput('expires: must be longer than 0 and at most 10 years');

    // Phase: whose token it is.
    const selfId = ownUserId(actor);
    let owner: UserRow | undefined;
    if (input.user !== undefined) {
      owner = await this.#requireUser(this.#store.db, input.user);
      if (owner.id !== selfId) {
        if (!can(actor, 'auth.token.manage')) {
          throw forbidden(`${actor.name} (role ${actor.role}) cannot issue tokens for other users`, {
            hint: "Issuing a token for another user needs the permission 'auth.token.manage'.",
            details: { permission: 'auth.token.manage' },
          });
        }
        assertManages(actor, owner, 'issue a token for', table);
      }
    } else if (selfId !== null) {
      owner = await this.#store.db.selectFrom('users').selectAll().where('id', '=', selfId).executeTakeFirst();
      if (!owner) throw notFound(`the user of ${actor.name} no longer exists`);
    } else if (actor.kind !== 'owner' && !actor.id.startsWith(OWNER_TOKEN_PREFIX)) {
      throw forbidden(`${actor.name} has no user to own a token`, { hint: 'Log in first with `raos auth login`.' });
    }
    if (owner?.disabled) throw forbidden(`the user ${owner.name} is disabled and cannot get tokens`);
    const ownerRole = owner ? table.require(owner.role) : undefined;
    const forSelf = owner === undefined ? actor.kind !== 'owner' : owner.id === selfId;

    // Phase: the role it acts with. null follows the user's role as it changes.
    let role: ResolvedRole;
    let stored: string | null;
    if (input.role !== undefined) {
      role = table.require(input.role);
      if (ownerRole && role.rank > ownerRole.rank) {
        throw forbidden(
          `a token of ${owner!.name} (role ${ownerRole.name}) cannot have the role ${role.name}: a token's role may only narrow its user's`,
        );
      }
      stored = role.name;
    } else if (ownerRole === undefined) {
      // Owner-issued: the owner's default to SuperAdmin; those an owner-issued token makes, to its role.
      role = table.require(actor.kind === 'owner' ? 'SuperAdmin' : actor.role);
      stored = role.name;
    } else if (forSelf && actor.kind === 'token' && !sameName(actor.role, ownerRole.name)) {
      // A token with a narrower role than its user makes tokens no wider than itself.
      role = table.require(actor.role);
      stored = role.name;
    } else {
      role = ownerRole;
      stored = null;
    }
    if (forSelf && !isPrivileged(actor)) {
      const beyond = role.all ? ['every permission'] : [...role.permissions].filter((p) => !can(actor, p));
      if (beyond.length > 0) {
        throw forbidden(
          `${actor.name} (role ${actor.role}) cannot make a token with the role ${role.name}: it holds more than the token in use (${listNames(beyond, 5)})`,
        );
      }
    }

    // Phase: write.
    const token = generateToken();
    const now = this.#now();
    const expiresAt = ttl === null ? null : now + ttl;
    await this.#store.write(async (trx) => {
      await purgeTokens(trx, now);
      if (owner) {
        const fresh = await trx.selectFrom('users').select(['disabled']).where('id', '=', owner.id).executeTakeFirst();
        if (!fresh) throw userNotFound(owner.name);
        if (fresh.disabled) throw forbidden(`the user ${owner.name} is disabled and cannot get tokens`);
      }
      await trx
        .insertInto('tokens')
        .values({
          id: token.id,
          secret_hash: token.secretHash,
          kind: 'api',
          name: input.name,
          user_id: owner?.id ?? null,
          role: stored,
          created_at: iso(now),
          expires_at: expiresAt,
          revoked_at: null,
        })
        .execute();
    });
    this.#log.info('token created', { token: token.id, name: input.name, user: owner?.name ?? null, role: role.name, by: actor.name });
    return {
      id: token.id,
      token: token.token,
      name: input.name,
      kind: 'api',
      role: role.name,
      user: owner?.name ?? null,
      expiresAt: expiresAt === null ? null : iso(expiresAt),
    };
  }

  /** The actor's own tokens, or with `all` (needs auth.token.manage) everyone's. Never a secret. */
  async listTokens(actor: Actor, raw: ListTokensInput = {}): Promise<TokenView[]> {
    const input = parseInput(listTokensInput, raw);
    if (input.all && !can(actor, 'auth.token.manage')) {
      throw forbidden(`${actor.name} (role ${actor.role}) cannot list other users' tokens`, {
        hint: "Listing every token needs the permission 'auth.token.manage'; without --all you see your own.",
        details: { permission: 'auth.token.manage' },
      });
    }
    let query = this.#store.db
      .selectFrom('tokens as t')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .select(['t.id', 't.name', 't.kind', 't.role', 't.user_id', 't.created_at', 't.expires_at', 't.revoked_at', 'u.name as user_name', 'u.role as user_role'])
      .orderBy('t.created_at')
      .orderBy('t.id');
    if (!input.all) {
      const selfId = ownUserId(actor);
      if (selfId !== null) query = query.where('t.user_id', '=', selfId);
      else if (actor.kind === 'owner') query = query.where('t.user_id', 'is', null);
      else query = query.where('t.id', '=', actor.tokenId ?? '');
    }
    return (await query.execute()).map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      user: r.user_name,
      role: r.role ?? r.user_role ?? 'unknown',
      createdAt: r.created_at,
      expiresAt: r.expires_at === null ? null : iso(Number(r.expires_at)),
      revokedAt: r.revoked_at === null ? null : iso(Number(r.revoked_at)),
    }));
  }

  /** Revokes a token by id: the actor's own, or any with auth.token.manage; NOT_FOUND otherwise. */
  async revokeToken(actor: Actor, raw: RevokeTokenInput): Promise<LogoutResult> {
    const input = parseInput(revokeTokenInput, raw);
    const row = await this.#store.db.selectFrom('tokens').selectAll().where('id', '=', input.id).executeTakeFirst();
    if (!row || !this.#mayRevoke(actor, row)) throw tokenNotFound(input.id);
    await this.#revoke(row.id);
    this.#log.info('token revoked', { token: row.id, by: actor.name });
    return { revoked: row.id };
  }

  /**
   * The actor a token stands for, or null when the token is malformed, unknown, wrong, revoked or
   * expired, or its user is disabled or gone. Runs on every daemon request: one precompiled query,
   * one SHA-256, and grants cached per role pair.
   */
  async verifyToken(text: string, origin: Origin): Promise<Actor | null> {
    const parsed = parseToken(text);
    if (parsed === null) return null;
    const table = this.#table ?? (await this.roles());
    const rows = await this.#store.query<VerifyRow>(this.#verifyQuery(), [parsed.id]);
    const row = rows[0];
    if (row === undefined || !secretMatches(parsed.secret, row.secret_hash) || row.revoked_at !== null) return null;
    const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
    if (expiresAt !== null && expiresAt <= this.#now()) return null;
    const tokenRole = row.role === null ? undefined : table.get(row.role);
    if (row.role !== null && tokenRole === undefined) return null;
    let actor: Actor;
    if (row.user_id === null) {
      if (tokenRole === undefined) return null;
      actor = {
        kind: 'token',
        id: OWNER_TOKEN_PREFIX + parsed.id,
        name: `token:${row.name}`,
        role: tokenRole.name,
        grants: this.#grantsFor(table, tokenRole),
        origin,
        tokenId: parsed.id,
      };
    } else {
      if (row.user_name === null || row.user_disabled !== 0) return null;
      const userRole = table.get(row.user_role!);
      if (userRole === undefined) return null;
      actor = {
        kind: row.kind === 'session' ? 'user' : 'token',
        id: row.user_id,
        name: row.user_name,
        // A token of a user demoted since acts with the user's (lower) role.
        role: tokenRole !== undefined && tokenRole.rank <= userRole.rank ? tokenRole.name : userRole.name,
        grants: this.#grantsFor(table, userRole, tokenRole),
        origin,
        tokenId: parsed.id,
      };
    }
    // Caches of verified actors must not outlive the token.
    if (expiresAt !== null) actor.expiresAt = expiresAt;
    return actor;
  }

  // -------------------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------------------

  /** The token lookup, built and compiled by Kysely once. Its one parameter is the token id. */
  #verifyQuery(): string {
    if (this.#verifySql === undefined) {
      const compiled = this.#store.db
        .selectFrom('tokens as t')
        .leftJoin('users as u', 'u.id', 't.user_id')
        .select([
          't.secret_hash',
          't.kind',
          't.name',
          't.role',
          't.user_id',
          't.expires_at',
          't.revoked_at',
          'u.name as user_name',
          'u.role as user_role',
          'u.disabled as user_disabled',
        ])
        .where('t.id', '=', '')
        .compile();
      if (compiled.parameters.length !== 1) throw new Error(`auth token query has ${compiled.parameters.length} parameters, expected 1`);
      this.#verifySql = compiled.sql;
    }
    return this.#verifySql;
  }

  #grantsFor(table: RoleTable, userRole: ResolvedRole, tokenRole?: ResolvedRole): Grants {
    // Cached per role table: a role deleted and made again under its name must not keep old grants.
    if (this.#grantsTable !== table) {
      this.#grants.clear();
      this.#grantsTable = table;
    }
    const key = tokenRole === undefined ? userRole.name : `${userRole.name}\n${tokenRole.name}`;
    let grants = this.#grants.get(key);
    if (grants === undefined) {
      grants = tokenRole === undefined ? grantsOf(userRole) : grantsOf(userRole, tokenRole);
      this.#grants.set(key, grants);
    }
    return grants;
  }

  async #revoke(id: string): Promise<void> {
    const now = this.#now();
    const res = await this.#store.write((trx) =>
      trx.updateTable('tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst(),
    );
    if (Number(res.numUpdatedRows) > 0) this.#generation++;
  }

  /** Whether the token is the actor's own, or the actor may manage every token. */
  #mayRevoke(actor: Actor, row: TokenRow): boolean {
    if (can(actor, 'auth.token.manage') || row.id === actor.tokenId) return true;
    const selfId = ownUserId(actor);
    if (selfId !== null) return row.user_id === selfId;
    return actor.kind === 'owner' && row.user_id === null;
  }

  #findUser(db: Store<AuthTables>['db'] | Transaction<AuthTables>, name: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('name', '=', name.toLowerCase()).executeTakeFirst();
  }

  async #requireUser(db: Store<AuthTables>['db'] | Transaction<AuthTables>, name: string): Promise<UserRow> {
    const user = await this.#findUser(db, name);
    if (!user) throw userNotFound(name);
    return user;
  }

  #view(row: UserRow): UserView {
    const lockedUntil = msOrNull(row.locked_until);
    return {
      id: row.id,
      name: row.name,
      email: row.email,
      role: row.role,
      disabled: Boolean(row.disabled),
      disabledReason: row.disabled_reason,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      lastLoginAt: row.last_login_at,
      // A lock that has run out is no lock.
      lockedUntil: lockedUntil !== null && lockedUntil > this.#now() ? iso(lockedUntil) : null,
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// Checks shared by the operations
// ---------------------------------------------------------------------------------------------------

function forbidden(message: string, options?: ConstructorParameters<typeof RaosError>[2]): RaosError {
  return new RaosError('FORBIDDEN', message, options);
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The workspace owner and SuperAdmin (any role holding every permission) manage everyone. */
function isPrivileged(actor: Actor): boolean {
  return actor.kind === 'owner' || actor.grants.all;
}

/** The rank of a role by name; -1 for a role that does not exist (it outranks nobody). */
function rankOf(table: RoleTable, role: string): number {
  return table.get(role)?.rank ?? -1;
}

/** The user id an actor acts for, or null (the owner, owner-issued tokens, anonymous). */
function ownUserId(actor: Actor): string | null {
  if (actor.kind !== 'user' && actor.kind !== 'token') return null;
  return actor.id.startsWith(OWNER_TOKEN_PREFIX) ? null : actor.id;
}

function assertManages(actor: Actor, user: UserRow, verb: string, table: RoleTable): void {
  if (isPrivileged(actor)) return;
  // A role that no longer exists ranks above everyone: only the privileged may touch such a user.
  const target = table.get(user.role)?.rank ?? Number.POSITIVE_INFINITY;
  if (target < rankOf(table, actor.role)) return;
  throw forbidden(
    `${actor.name} (role ${actor.role}) cannot ${verb} ${user.name} (role ${user.role}): only users with a role below ${actor.role}`,
    { details: { actorRole: actor.role, userRole: user.role } },
  );
}

function assertAssigns(actor: Actor, role: ResolvedRole, table: RoleTable): void {
  if (isPrivileged(actor) || role.rank < rankOf(table, actor.role)) return;
  throw forbidden(`${actor.name} (role ${actor.role}) cannot assign the role ${role.name}: only roles below ${actor.role}`, {
    details: { actorRole: actor.role, role: role.name },
  });
}

function assertNotSelf(actor: Actor, user: UserRow, verb: string): void {
  if (ownUserId(actor) === user.id) throw invalidInput(`name: you cannot ${verb} yourself (${user.name})`);
}

function userNotFound(name: string): RaosError {
  return notFound(`no user named '${name.toLowerCase()}'`, { hint: 'List the users with `raos auth user list`.', details: { user: name } });
}

function userExists(name: string): RaosError {
  return conflict(`a user named '${name}' already exists`, {
    hint: 'Pick another name, or change that user with `raos auth user update`.',
  });
}

function tokenNotFound(id: string): RaosError {
  return notFound(`no token ${id} of yours`, { hint: 'List your tokens with `raos auth token list`.', details: { id } });
}

function lockedError(retryAfterMs: number): RaosError {
  return new RaosError(
    'RATE_LIMITED',
    `the account is locked for a while after repeated failed logins; try again in ${humanWait(retryAfterMs)}`,
    { hint: 'An admin can unlock it now with `raos auth user enable`.', details: { retryAfterMs } },
  );
}

function roleView(role: ResolvedRole): RoleView {
  return {
    name: role.name,
    builtin: role.builtin,
    inherits: role.inherits,
    base: role.base,
    description: role.description,
    permissions: [...role.permissions].sort(),
  };
}

/** Deletes tokens revoked or expired more than TOKEN_RETENTION_MS ago (the writer's clock as a parameter). */
async function purgeTokens(trx: Transaction<AuthTables>, now: number): Promise<void> {
  const before = now - TOKEN_RETENTION_MS;
  await trx
    .deleteFrom('tokens')
    .where((eb) => eb.or([eb('expires_at', '<=', before), eb('revoked_at', '<=', before)]))
    .execute();
}
