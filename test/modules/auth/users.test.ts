import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerActor, type Actor } from '../../../src/kernel/actor.js';
import type { AuthService } from '../../../src/modules/auth/service.js';
import { openAuth, type Harness } from './helpers.js';

const owner = ownerActor('internal');

describe('AuthService users', () => {
  let h: Harness;
  let auth: AuthService;

  beforeEach(async () => {
    h = await openAuth();
    auth = h.auth;
  });
  afterEach(async () => {
    await h.store.close();
  });

  /** A user and the actor that acts as it. */
  async function userActor(name: string, role: string): Promise<Actor> {
    await auth.createUser(owner, { name, role });
    return auth.actorFor(name, 'internal');
  }

  it('creates users with a public view, a lower-case name and a hashed password', async () => {
    const user = await auth.createUser(owner, { name: 'Alice', role: 'user', email: 'alice@example.com', password: 'wonderland' });
    expect(user).toEqual({
      id: expect.any(String),
      name: 'alice',
      email: 'alice@example.com',
      role: 'User',
      disabled: false,
      disabledReason: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      lastLoginAt: null,
      lockedUntil: null,
    });
    expect(JSON.stringify(user)).not.toContain('wonderland');
    const row = await h.store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(row.password_hash).not.toContain('wonderland');
    expect(await auth.getUser(owner, { name: 'ALICE' })).toEqual(user);
  });

  it('allows users without a password', async () => {
    await auth.createUser(owner, { name: 'bot', role: 'User' });
    const row = await h.store.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(row.password_hash).toBeNull();
  });

  it('refuses a taken name (whatever its case), an unknown role and malformed input', async () => {
    await auth.createUser(owner, { name: 'alice', role: 'User' });
    await expect(auth.createUser(owner, { name: 'ALICE', role: 'Guest' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: "a user named 'alice' already exists",
    });
    await expect(auth.createUser(owner, { name: 'bob', role: 'Wizard' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: "role: no role named 'Wizard' (roles: Guest, User, Moderator, Admin, SuperAdmin)",
    });
    const bad = [
      { name: 'b', role: 'User' },
      { name: '-bob', role: 'User' },
      { name: 'bob!', role: 'User' },
      { name: 'x'.repeat(33), role: 'User' },
      { name: 'bob', role: 'User', email: 'not-an-email' },
      { name: 'bob', role: 'User', password: 'short' },
      { name: 'bob', role: 'User', password: 'x'.repeat(1025) },
      { name: 'bob', role: 'User', admin: true },
    ];
    for (const input of bad) {
      await expect(auth.createUser(owner, input as never), JSON.stringify(input)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect((await auth.listUsers(owner, {})).map((u) => u.name)).toEqual(['alice']);
  });

  it('reports an unknown user as NOT_FOUND with a hint', async () => {
    await expect(auth.getUser(owner, { name: 'ghost' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: "no user named 'ghost'",
      hint: expect.stringContaining('raos auth user list'),
    });
  });

  it('lists users by role and state', async () => {
    await auth.createUser(owner, { name: 'carol', role: 'Moderator' });
    await auth.createUser(owner, { name: 'alice', role: 'User' });
    await auth.createUser(owner, { name: 'bob', role: 'User' });
    await auth.disableUser(owner, { name: 'bob', reason: 'spam' });
    expect((await auth.listUsers(owner, {})).map((u) => u.name)).toEqual(['alice', 'bob', 'carol']);
    expect((await auth.listUsers(owner, { role: 'user' })).map((u) => u.name)).toEqual(['alice', 'bob']);
    expect((await auth.listUsers(owner, { disabled: true })).map((u) => [u.name, u.disabledReason])).toEqual([['bob', 'spam']]);
    expect((await auth.listUsers(owner, { role: 'User', disabled: false })).map((u) => u.name)).toEqual(['alice']);
  });

  describe('role hierarchy', () => {
    it('lets an actor create and manage only users below its own rank', async () => {
      const admin = await userActor('root', 'Admin');
      await expect(auth.createUser(admin, { name: 'mod', role: 'Moderator' })).resolves.toMatchObject({ role: 'Moderator' });
      await expect(auth.createUser(admin, { name: 'peer', role: 'Admin' })).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: 'root (role Admin) cannot assign the role Admin: only roles below Admin',
      });
      await expect(auth.createUser(admin, { name: 'boss', role: 'SuperAdmin' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await auth.createUser(owner, { name: 'other', role: 'Admin' });
      for (const call of [
        () => auth.updateUser(admin, { name: 'other', email: 'x@example.com' }),
        () => auth.disableUser(admin, { name: 'other' }),
        () => auth.enableUser(admin, { name: 'other' }),
        () => auth.deleteUser(admin, { name: 'other' }),
      ]) {
        await expect(call()).rejects.toMatchObject({
          code: 'FORBIDDEN',
          message: expect.stringMatching(/^root \(role Admin\) cannot \w+ other \(role Admin\)/),
        });
      }
      await expect(auth.updateUser(admin, { name: 'mod', role: 'Admin' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(auth.updateUser(admin, { name: 'mod', role: 'User' })).resolves.toMatchObject({ role: 'User' });
      expect((await auth.getUser(owner, { name: 'other' })).disabled).toBe(false);
    });

    it('lets the owner and SuperAdmins do anything, including making SuperAdmins', async () => {
      await expect(auth.createUser(owner, { name: 'sa', role: 'SuperAdmin' })).resolves.toMatchObject({ role: 'SuperAdmin' });
      const sa = await auth.actorFor('sa', 'internal');
      await expect(auth.createUser(sa, { name: 'sa2', role: 'SuperAdmin' })).resolves.toMatchObject({ role: 'SuperAdmin' });
      await expect(auth.disableUser(sa, { name: 'sa2' })).resolves.toMatchObject({ disabled: true });
      await expect(auth.deleteUser(owner, { name: 'sa2' })).resolves.toMatchObject({ name: 'sa2' });
    });

    it('refuses to disable or delete oneself, even a SuperAdmin', async () => {
      const sa = await userActor('sa', 'SuperAdmin');
      await expect(auth.disableUser(sa, { name: 'sa' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'name: you cannot disable yourself (sa)' });
      await expect(auth.deleteUser(sa, { name: 'SA' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'name: you cannot delete yourself (sa)' });
      expect((await auth.getUser(owner, { name: 'sa' })).disabled).toBe(false);
    });
  });

  it('updates email (null clears it), role and password', async () => {
    await auth.createUser(owner, { name: 'alice', role: 'User', email: 'a@example.com', password: 'first-password' });
    h.clock.now += 60_000;
    const g0 = auth.generation;
    const cleared = await auth.updateUser(owner, { name: 'alice', email: null });
    expect(cleared).toMatchObject({ email: null, updatedAt: '2026-01-01T00:01:00.000Z', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(auth.generation).toBe(g0);
    await expect(auth.updateUser(owner, { name: 'alice' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'give at least one of role, email, password',
    });
    expect((await auth.updateUser(owner, { name: 'alice', role: 'moderator' })).role).toBe('Moderator');
    expect(auth.generation).toBe(g0 + 1);
    const before = (await h.store.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow()).password_hash;
    await auth.updateUser(owner, { name: 'alice', password: 'second-password' });
    expect(auth.generation).toBe(g0 + 2);
    const after = (await h.store.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow()).password_hash;
    expect(after).not.toBe(before);
    await expect(auth.login({ name: 'alice', password: 'first-password' }, { origin: 'cli' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(auth.login({ name: 'alice', password: 'second-password' }, { origin: 'cli' })).resolves.toMatchObject({ user: { name: 'alice' } });
  });

  it('ends the sessions made with the old password when it changes, but keeps API tokens', async () => {
    await auth.createUser(owner, { name: 'alice', role: 'User', password: 'first-password' });
    const session = await auth.login({ name: 'alice', password: 'first-password' }, { origin: 'rest' });
    const api = await auth.createToken(owner, { name: 'ci', user: 'alice' });
    await auth.updateUser(owner, { name: 'alice', password: 'second-password' });
    expect(await auth.verifyToken(session.token, 'rest')).toBeNull();
    expect(await auth.verifyToken(api.token, 'rest')).toMatchObject({ name: 'alice' });
  });

  it('disabling revokes every token of the user; enabling clears the lockout', async () => {
    await auth.createUser(owner, { name: 'alice', role: 'User', password: 'right-password' });
    const session = await auth.login({ name: 'alice', password: 'right-password' }, { origin: 'rest' });
    const api = await auth.createToken(owner, { name: 'ci', user: 'alice' });
    for (let i = 0; i < 3; i++) await auth.login({ name: 'alice', password: 'wrong-password' }, { origin: 'rest' }).catch(() => {});
    expect((await auth.getUser(owner, { name: 'alice' })).lockedUntil).toBe('2026-01-01T00:15:00.000Z');

    const g = auth.generation;
    const disabled = await auth.disableUser(owner, { name: 'alice', reason: 'left the team' });
    expect(disabled).toMatchObject({ disabled: true, disabledReason: 'left the team' });
    expect(auth.generation).toBeGreaterThan(g);
    expect(await auth.verifyToken(session.token, 'rest')).toBeNull();
    expect(await auth.verifyToken(api.token, 'rest')).toBeNull();
    const tokens = await auth.listTokens(owner, { all: true });
    expect(tokens.every((t) => t.revokedAt === '2026-01-01T00:00:00.000Z')).toBe(true);
    await expect(auth.actorFor('alice', 'cli')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('left the team') });

    const enabled = await auth.enableUser(owner, { name: 'alice' });
    expect(enabled).toMatchObject({ disabled: false, disabledReason: null, lockedUntil: null });
    const row = await h.store.db.selectFrom('users').select(['failed_logins', 'locked_until']).executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_logins: 0, locked_until: null });
    // Revoked tokens stay revoked.
    expect(await auth.verifyToken(api.token, 'rest')).toBeNull();
    await expect(auth.login({ name: 'alice', password: 'right-password' }, { origin: 'rest' })).resolves.toMatchObject({ user: { name: 'alice' } });
  });

  it('deleting a user deletes its tokens', async () => {
    await auth.createUser(owner, { name: 'alice', role: 'User' });
    await auth.createUser(owner, { name: 'bob', role: 'User' });
    const a = await auth.createToken(owner, { name: 'one', user: 'alice' });
    await auth.createToken(owner, { name: 'two', user: 'alice' });
    const b = await auth.createToken(owner, { name: 'three', user: 'bob' });
    const g = auth.generation;
    expect(await auth.deleteUser(owner, { name: 'alice' })).toEqual({ id: expect.any(String), name: 'alice', tokensDeleted: 2 });
    expect(auth.generation).toBe(g + 1);
    expect(await auth.verifyToken(a.token, 'rest')).toBeNull();
    expect(await auth.verifyToken(b.token, 'rest')).not.toBeNull();
    const rows = await h.store.db.selectFrom('tokens').select('id').execute();
    expect(rows.map((r) => r.id)).toEqual([b.id]);
    await expect(auth.getUser(owner, { name: 'alice' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('actorFor gives the owner an actor for an enabled user, marked as the owner acting', async () => {
    await auth.createUser(owner, { name: 'mod', role: 'Moderator' });
    const actor = await auth.actorFor('MOD', 'cli');
    expect(actor).toMatchObject({ kind: 'user', name: 'mod', role: 'Moderator', origin: 'cli', actingOwner: true });
    expect(actor.grants.all).toBe(false);
    expect(actor.grants.permissions.has('cms.content.publish')).toBe(true);
    expect(actor.grants.permissions.has('auth.user.create')).toBe(false);
    await expect(auth.actorFor('nobody', 'cli')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
