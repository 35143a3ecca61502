import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownerActor } from '../../../src/kernel/actor.js';
import { RaosError } from '../../../src/kernel/errors.js';
import { AuthService } from '../../../src/modules/auth/service.js';
import { useTempDirs } from '../../helpers.js';
import { openAuth, recordingLogger, type Harness } from './helpers.js';

const owner = ownerActor('internal');
const tempDir = useTempDirs();
const MINUTE = 60_000;

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<RaosError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RaosError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('AuthService login', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.store.close();
    h = undefined;
  });

  it('opens a session: token, expiry, last login; the token verifies as the user', async () => {
    h = await openAuth();
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    h.clock.now += MINUTE;
    const result = await h.auth.login({ name: 'Alice', password: 'alice-password' }, { origin: 'rest', ip: '10.0.0.1' });
    expect(result.token).toMatch(/^raos_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(result.expiresAt).toBe('2026-01-01T12:01:00.000Z');
    expect(result.user).toMatchObject({ name: 'alice', lastLoginAt: '2026-01-01T00:01:00.000Z', lockedUntil: null });
    const actor = await h.auth.verifyToken(result.token, 'ws');
    expect(actor).toMatchObject({ kind: 'user', id: result.user.id, name: 'alice', role: 'User', origin: 'ws', tokenId: result.token.slice(5, 21), expiresAt: Date.parse(result.expiresAt) });
    expect((await h.auth.listTokens(actor!, {}))[0]).toMatchObject({ kind: 'session', name: 'rest login', expiresAt: result.expiresAt });
    h.clock.now += 12 * 60 * MINUTE;
    expect(await h.auth.verifyToken(result.token, 'ws')).toBeNull();
  });

  it('answers every kind of failure the same way, slower each time', async () => {
    h = await openAuth({ maxLoginAttempts: 100 });
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    await h.auth.createUser(owner, { name: 'tokenonly', role: 'User' });
    await h.auth.createUser(owner, { name: 'gone', role: 'User', password: 'gone-password' });
    await h.auth.disableUser(owner, { name: 'gone' });
    const attempts = [
      { name: 'nobody', password: 'whatever-1' },
      { name: 'alice', password: 'wrong-password' },
      { name: 'tokenonly', password: 'any-password' },
      { name: 'gone', password: 'gone-password' },
    ];
    const errors = [];
    for (const attempt of attempts) errors.push((await failure(h.auth.login(attempt, { origin: 'rest' }))).toJSON());
    for (const e of errors) expect(e).toEqual(errors[0]);
    expect(errors[0]).toMatchObject({ code: 'UNAUTHORIZED', message: 'wrong user name or password' });
    expect(h.sleeps).toEqual([250, 250, 250, 250]);

    h.sleeps.length = 0;
    for (let i = 0; i < 5; i++) await failure(h.auth.login({ name: 'alice', password: 'wrong-password' }, { origin: 'rest' }));
    expect(h.sleeps).toEqual([500, 1000, 2000, 2000, 2000]);
    h.sleeps.length = 0;
    for (let i = 0; i < 3; i++) await failure(h.auth.login({ name: 'nobody', password: 'whatever-1' }, { origin: 'rest' }));
    expect(h.sleeps).toEqual([500, 1000, 2000]);
    expect(await h.store.db.selectFrom('users').select('name').where('name', '=', 'nobody').executeTakeFirst()).toBeUndefined();
  });

  it('locks the account after maxLoginAttempts failures, even for the right password, until lockTime passes', async () => {
    h = await openAuth({ maxLoginAttempts: 3, lockTimeMs: 15 * MINUTE });
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    for (let i = 0; i < 3; i++) {
      expect((await failure(h.auth.login({ name: 'alice', password: 'wrong-password' }, { origin: 'rest' }))).code).toBe('UNAUTHORIZED');
    }
    expect((await h.auth.getUser(owner, { name: 'alice' })).lockedUntil).toBe('2026-01-01T00:15:00.000Z');
    h.clock.now += 5 * MINUTE;
    const sleeps = h.sleeps.length;
    const locked = await failure(h.auth.login({ name: 'alice', password: 'alice-password' }, { origin: 'rest' }));
    expect(locked).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterMs: 10 * MINUTE } });
    expect(locked.message).toBe('the account is locked for a while after repeated failed logins; try again in 10 minutes');
    expect((await failure(h.auth.login({ name: 'alice', password: 'wrong-password' }, { origin: 'rest' }))).toJSON()).toEqual(locked.toJSON());
    expect(h.sleeps.length).toBe(sleeps);

    h.clock.now += 10 * MINUTE;
    const ok = await h.auth.login({ name: 'alice', password: 'alice-password' }, { origin: 'rest' });
    expect(ok.user.lockedUntil).toBeNull();
    const row = await h.store.db.selectFrom('users').select(['failed_logins', 'locked_until']).executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_logins: 0, locked_until: null });
  });

  it('counts concurrent guesses before checking them: a burst cannot get past the lock, and a late right guess does not clear it', async () => {
    h = await openAuth({ maxLoginAttempts: 3 });
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    const burst = [
      ...Array.from({ length: 19 }, () => h!.auth.login({ name: 'alice', password: 'wrong-guess' }, { origin: 'rest' })),
      h.auth.login({ name: 'alice', password: 'alice-password' }, { origin: 'rest' }),
    ].map((p) => p.then(() => 'OK', (e: RaosError) => e.code));
    const codes = await Promise.all(burst);
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(3);
    expect(codes.slice(3)).toEqual(Array(17).fill('RATE_LIMITED'));
    const row = await h.store.db.selectFrom('users').select(['failed_logins', 'locked_until']).where('name', '=', 'alice').executeTakeFirstOrThrow();
    expect(Number(row.locked_until)).toBeGreaterThan(h.clock.now);
  });

  it('starts counting afresh once a lock has run out', async () => {
    h = await openAuth({ maxLoginAttempts: 2, lockTimeMs: MINUTE });
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    for (let i = 0; i < 2; i++) await failure(h.auth.login({ name: 'alice', password: 'nope-nope' }, { origin: 'rest' }));
    h.clock.now += MINUTE;
    await failure(h.auth.login({ name: 'alice', password: 'nope-nope' }, { origin: 'rest' }));
    const row = await h.store.db.selectFrom('users').select(['failed_logins', 'locked_until']).executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_logins: 1, locked_until: null });
    expect(h.sleeps.at(-1)).toBe(250);
  });

  it('locks unknown user names the same way, so a lockout does not reveal which names exist', async () => {
    h = await openAuth({ maxLoginAttempts: 2, lockTimeMs: MINUTE });
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    const results: unknown[] = [];
    for (const name of ['alice', 'ghost']) {
      for (let i = 0; i < 3; i++) results.push((await failure(h.auth.login({ name, password: 'wrong-password' }, { origin: 'rest' }))).toJSON());
    }
    expect(results.slice(0, 3)).toEqual(results.slice(3));
    expect(results[2]).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('commits the failure count before answering, so it survives a restart', async () => {
    const path = join(tempDir(), 'auth.db');
    h = await openAuth({ path, maxLoginAttempts: 5 });
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    for (let i = 0; i < 2; i++) await failure(h.auth.login({ name: 'alice', password: 'wrong-password' }, { origin: 'rest' }));
    await h.store.close();
    h = await openAuth({ path, maxLoginAttempts: 5 });
    const row = await h.store.db.selectFrom('users').select('failed_logins').executeTakeFirstOrThrow();
    expect(row.failed_logins).toBe(2);
    await failure(h.auth.login({ name: 'alice', password: 'wrong-password' }, { origin: 'rest' }));
    expect(h.sleeps).toEqual([1000]);
  });

  it('rehashes a password stored with fewer iterations than configured', async () => {
    h = await openAuth({ passwordIterations: 100_000 });
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    const stronger = new AuthService({
      store: h.store,
      now: () => h!.clock.now,
      log: recordingLogger([]),
      options: { sessionTtlMs: MINUTE, passwordIterations: 150_000, maxLoginAttempts: 3, lockTimeMs: MINUTE },
    });
    await stronger.login({ name: 'alice', password: 'alice-password' }, { origin: 'cli' });
    const { password_hash } = await h.store.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(password_hash).toMatch(/^pbkdf2-sha256\$150000\$/);
    await expect(stronger.login({ name: 'alice', password: 'alice-password' }, { origin: 'cli' })).resolves.toMatchObject({ user: { name: 'alice' } });
    // A weaker setting never downgrades a hash.
    await h.auth.login({ name: 'alice', password: 'alice-password' }, { origin: 'cli' });
    expect((await h.store.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow()).password_hash).toMatch(/^pbkdf2-sha256\$150000\$/);
  });

  it('never logs or returns a password, a token or a secret', async () => {
    h = await openAuth();
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'pw-alice-123' });
    await h.auth.updateUser(owner, { name: 'alice', password: 'pw-alice-456' });
    await failure(h.auth.login({ name: 'alice', password: 'pw-wrong-789' }, { origin: 'rest' }));
    const session = await h.auth.login({ name: 'alice', password: 'pw-alice-456' }, { origin: 'rest', ip: '1.2.3.4' });
    const api = await h.auth.createToken(owner, { name: 'ci', user: 'alice' });
    const err = await failure(h.auth.logout(owner, { token: session.token.slice(0, -1) + '!' }));
    await h.auth.logout(owner, { token: session.token });
    await h.auth.revokeToken(owner, { id: api.id });
    const text = [...h.logs, JSON.stringify(err.toJSON()), err.message].join('\n');
    expect(h.logs.some((l) => l.includes('"ip":"1.2.3.4"'))).toBe(true);
    for (const secret of ['pw-alice-123', 'pw-alice-456', 'pw-wrong-789', session.token, api.token, session.token.slice(22), api.token.slice(22)]) {
      expect(text).not.toContain(secret);
    }
    const rows = JSON.stringify(await h.store.db.selectFrom('tokens').selectAll().execute());
    expect(rows).not.toContain(session.token.slice(22));
  });

  it('refuses a configuration below 100,000 iterations', async () => {
    h = await openAuth();
    const make = (passwordIterations: number) =>
      new AuthService({
        store: h!.store,
        now: Date.now,
        log: recordingLogger([]),
        options: { sessionTtlMs: MINUTE, passwordIterations, maxLoginAttempts: 3, lockTimeMs: MINUTE },
      });
    expect(() => make(99_999)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('auth.passwordIterations') }));
    expect(() => make(100_000)).not.toThrow();
  });
});
