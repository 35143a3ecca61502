import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerActor, type Actor } from '../../../src/kernel/actor.js';
import type { AuthService } from '../../../src/modules/auth/service.js';
import { openAuth, type Harness } from './helpers.js';

const owner = ownerActor('internal');
const DAY = 24 * 3600_000;

describe('AuthService tokens', () => {
  let h: Harness;
  let auth: AuthService;

  beforeEach(async () => {
    h = await openAuth();
    auth = h.auth;
  });
  afterEach(async () => {
    await h.store.close();
  });

  /** A user with an API token the owner issued, and the actor that token stands for. */
  async function tokenActor(name: string, role: string, tokenRole?: string): Promise<{ actor: Actor; token: string; id: string }> {
    await auth.createUser(owner, { name, role });
    const made = await auth.createToken(owner, { name: `${name}-key`, user: name, ...(tokenRole ? { role: tokenRole } : {}) });
    const actor = await auth.verifyToken(made.token, 'rest');
    if (!actor) throw new Error('token did not verify');
    return { actor, token: made.token, id: made.id };
  }

  it('issues owner tokens that belong to nobody and act as SuperAdmin', async () => {
    const made = await auth.createToken(owner, { name: 'deploy bot' });
    expect(made).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      token: expect.stringMatching(/^raos_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
      name: 'deploy bot',
      kind: 'api',
      role: 'SuperAdmin',
      user: null,
      expiresAt: null,
    });
    expect(made.token.startsWith(`raos_${made.id}_`)).toBe(true);
    const actor = await auth.verifyToken(made.token, 'trpc');
    expect(actor).toEqual({
      kind: 'token',
      id: `owner-token:${made.id}`,
      name: 'token:deploy bot',
      role: 'SuperAdmin',
      grants: expect.objectContaining({ all: true }),
      origin: 'trpc',
      tokenId: made.id,
    });
    const narrow = await auth.createToken(owner, { name: 'reader', role: 'Guest' });
    const reader = await auth.verifyToken(narrow.token, 'rest');
    expect(reader).toMatchObject({ role: 'Guest', grants: { all: false } });
    expect(reader!.grants.permissions.has('memory.read')).toBe(true);
    expect(reader!.grants.permissions.has('memory.write')).toBe(false);
  });

  it('stores only the id and the secret hash', async () => {
    const made = await auth.createToken(owner, { name: 'ci' });
    const secret = made.token.slice(`raos_${made.id}_`.length);
    const row = await h.store.db.selectFrom('tokens').selectAll().executeTakeFirstOrThrow();
    expect(row.id).toBe(made.id);
    expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it('gives a user token the user role, following it as it changes', async () => {
    const { token } = await tokenActor('alice', 'User');
    expect(await auth.verifyToken(token, 'rest')).toMatchObject({ kind: 'token', name: 'alice', role: 'User' });
    await auth.updateUser(owner, { name: 'alice', role: 'Moderator' });
    const actor = await auth.verifyToken(token, 'rest');
    expect(actor).toMatchObject({ role: 'Moderator' });
    expect(actor!.grants.permissions.has('cms.content.publish')).toBe(true);
    expect((await auth.listTokens(owner, { all: true }))[0]).toMatchObject({ user: 'alice', role: 'Moderator' });
  });

  it('narrows a token to its role, and never gives more than its user has now', async () => {
    const { token, actor } = await tokenActor('mod', 'Moderator', 'User');
    expect(actor).toMatchObject({ role: 'User' });
    expect(actor.grants.permissions.has('memory.write')).toBe(true);
    expect(actor.grants.permissions.has('cms.content.publish')).toBe(false);
    // Demoted below the token's role: the token keeps only what the user still has.
    await auth.updateUser(owner, { name: 'mod', role: 'Guest' });
    const demoted = await auth.verifyToken(token, 'rest');
    expect(demoted).toMatchObject({ role: 'Guest' });
    expect(demoted!.grants.permissions.has('memory.write')).toBe(false);
    expect(demoted!.grants.permissions.has('memory.read')).toBe(true);
  });

  it('refuses a token role above the user role', async () => {
    await auth.createUser(owner, { name: 'alice', role: 'User' });
    await expect(auth.createToken(owner, { name: 'x', user: 'alice', role: 'Admin' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('(role User) cannot have the role Admin'),
    });
    await expect(auth.createToken(owner, { name: 'x', user: 'alice', role: 'nope' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it("makes tokens for the actor's own user, never wider than the token in use", async () => {
    const { actor } = await tokenActor('boss', 'Admin', 'User');
    const own = await auth.createToken(actor, { name: 'mine' });
    expect(own).toMatchObject({ user: 'boss', role: 'User' });
    await expect(auth.createToken(actor, { name: 'wider', role: 'Admin' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(auth.createToken(actor, { name: 'narrower', role: 'Guest' })).resolves.toMatchObject({ role: 'Guest' });
    const session = await auth.actorFor('boss', 'cli');
    await expect(auth.createToken(session, { name: 'full' })).resolves.toMatchObject({ user: 'boss', role: 'Admin' });
  });

  it('issues tokens for other users only with auth.token.manage, and only below its rank', async () => {
    const { actor: admin } = await tokenActor('admin', 'Admin');
    const { actor: user } = await tokenActor('alice', 'User');
    await auth.createUser(owner, { name: 'peer', role: 'Admin' });
    await expect(auth.createToken(user, { name: 'x', user: 'admin' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { permission: 'auth.token.manage' },
    });
    await expect(auth.createToken(admin, { name: 'x', user: 'peer' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(auth.createToken(admin, { name: 'for alice', user: 'alice' })).resolves.toMatchObject({ user: 'alice', role: 'User' });
    // Naming oneself needs nothing extra.
    await expect(auth.createToken(user, { name: 'self', user: 'alice' })).resolves.toMatchObject({ user: 'alice' });
  });

  it('expires tokens after the given duration', async () => {
    const made = await auth.createToken(owner, { name: 'short', expires: '30d' });
    expect(made.expiresAt).toBe('2026-01-31T00:00:00.000Z');
    h.clock.now += 30 * DAY - 1;
    expect(await auth.verifyToken(made.token, 'rest')).toMatchObject({ expiresAt: Date.parse('2026-01-31T00:00:00.000Z') });
    h.clock.now += 1;
    expect(await auth.verifyToken(made.token, 'rest')).toBeNull();
    await expect(auth.createToken(owner, { name: 'bad', expires: 'soon' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^expires: "soon" is not a duration/),
    });
    await expect(auth.createToken(owner, { name: 'bad', expires: '0s' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(auth.createToken(owner, { name: 'bad/name' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('rejects malformed, unknown, wrong, revoked tokens and tokens of disabled or deleted users', async () => {
    const { token, id } = await tokenActor('alice', 'User');
    expect(await auth.verifyToken('', 'rest')).toBeNull();
    expect(await auth.verifyToken('Bearer ' + token, 'rest')).toBeNull();
    expect(await auth.verifyToken(`raos_0000000000000000_${token.slice(-43)}`, 'rest')).toBeNull();
    const wrongSecret = `raos_${id}_${'A'.repeat(43)}`;
    expect(await auth.verifyToken(wrongSecret, 'rest')).toBeNull();
    expect(await auth.verifyToken(token, 'rest')).not.toBeNull();
    await auth.disableUser(owner, { name: 'alice' });
    expect(await auth.verifyToken(token, 'rest')).toBeNull();

    const bob = await tokenActor('bob', 'User');
    await auth.revokeToken(owner, { id: bob.id });
    expect(await auth.verifyToken(bob.token, 'rest')).toBeNull();

    const carol = await tokenActor('carol', 'User');
    await auth.deleteUser(owner, { name: 'carol' });
    expect(await auth.verifyToken(carol.token, 'rest')).toBeNull();
  });

  it('lists own tokens without secrets; all of them only with auth.token.manage', async () => {
    const alice = await tokenActor('alice', 'User');
    const admin = await tokenActor('admin', 'Admin');
    await auth.createToken(owner, { name: 'owner key' });
    const mine = await auth.listTokens(alice.actor, {});
    expect(mine).toEqual([
      {
        id: alice.id,
        name: 'alice-key',
        kind: 'api',
        user: 'alice',
        role: 'User',
        createdAt: '2026-01-01T00:00:00.000Z',
        expiresAt: null,
        revokedAt: null,
      },
    ]);
    await expect(auth.listTokens(alice.actor, { all: true })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const all = await auth.listTokens(admin.actor, { all: true });
    expect(all.map((t) => t.name).sort()).toEqual(['admin-key', 'alice-key', 'owner key']);
    expect((await auth.listTokens(owner, {})).map((t) => t.name)).toEqual(['owner key']);
    expect(JSON.stringify(all)).not.toMatch(/secret|raos_/);
  });

  it("revokes own tokens; others' only with auth.token.manage, else NOT_FOUND", async () => {
    const alice = await tokenActor('alice', 'User');
    const bob = await tokenActor('bob', 'User');
    const admin = await tokenActor('admin', 'Admin');
    await expect(auth.revokeToken(alice.actor, { id: bob.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `no token ${bob.id} of yours`,
    });
    await expect(auth.revokeToken(alice.actor, { id: 'ffffffffffffffff' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no token ffffffffffffffff of yours',
    });
    expect(await auth.verifyToken(bob.token, 'rest')).not.toBeNull();
    const g = auth.generation;
    await expect(auth.revokeToken(admin.actor, { id: bob.id })).resolves.toEqual({ revoked: bob.id });
    expect(auth.generation).toBe(g + 1);
    await expect(auth.revokeToken(alice.actor, { id: alice.id })).resolves.toEqual({ revoked: alice.id });
    expect(await auth.verifyToken(alice.token, 'rest')).toBeNull();
    expect((await auth.listTokens(admin.actor, { all: true })).find((t) => t.id === bob.id)?.revokedAt).toBe('2026-01-01T00:00:00.000Z');
    await expect(auth.revokeToken(owner, { id: 'not-an-id' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('logs out the token in use, or a given token of ones own', async () => {
    await auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    await auth.createUser(owner, { name: 'bob', role: 'User', password: 'bobs-password' });
    const one = await auth.login({ name: 'alice', password: 'alice-password' }, { origin: 'rest' });
    const two = await auth.login({ name: 'alice', password: 'alice-password' }, { origin: 'rest' });
    const bobs = await auth.login({ name: 'bob', password: 'bobs-password' }, { origin: 'rest' });
    const actor = (await auth.verifyToken(one.token, 'rest'))!;
    expect(actor).toMatchObject({ kind: 'user', name: 'alice', role: 'User' });

    await expect(auth.logout(owner, {})).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('nothing to revoke') });
    await expect(auth.logout(actor, { token: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(auth.logout(actor, { token: bobs.token })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await auth.verifyToken(bobs.token, 'rest')).not.toBeNull();

    await expect(auth.logout(actor, { token: two.token })).resolves.toEqual({ revoked: two.token.slice(5, 21) });
    expect(await auth.verifyToken(two.token, 'rest')).toBeNull();
    expect(await auth.verifyToken(one.token, 'rest')).not.toBeNull();
    await expect(auth.logout(actor, {})).resolves.toEqual({ revoked: actor.tokenId });
    expect(await auth.verifyToken(one.token, 'rest')).toBeNull();
    // The owner holds auth.token.manage.
    await expect(auth.logout(owner, { token: bobs.token })).resolves.toEqual({ revoked: bobs.token.slice(5, 21) });
    expect(await auth.verifyToken(bobs.token, 'rest')).toBeNull();
  });

  it('deletes tokens a week after they were revoked or expired', async () => {
    const old = await auth.createToken(owner, { name: 'old', expires: '1d' });
    const revoked = await auth.createToken(owner, { name: 'revoked' });
    await auth.revokeToken(owner, { id: revoked.id });
    h.clock.now += 8 * DAY;
    const fresh = await auth.createToken(owner, { name: 'fresh' });
    expect((await auth.listTokens(owner, {})).map((t) => t.id)).toEqual([fresh.id]);
    expect(old.id).not.toBe(fresh.id);
  });
});
