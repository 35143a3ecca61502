import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { grantsOf, PERMISSIONS, type Grants } from '../../../src/kernel/access.js';
import { ownerActor, type Actor } from '../../../src/kernel/actor.js';
import { AuthService } from '../../../src/modules/auth/service.js';
import { openAuth, recordingLogger, type Harness } from './helpers.js';

const owner = ownerActor('internal');

describe('AuthService roles', () => {
  let h: Harness;
  let auth: AuthService;

  beforeEach(async () => {
    h = await openAuth();
    auth = h.auth;
  });
  afterEach(async () => {
    await h.store.close();
  });

  it('lists the built-in roles with their sorted permissions', async () => {
    const roles = await auth.listRoles();
    expect(roles.map((r) => [r.name, r.builtin, r.inherits, r.base])).toEqual([
      ['Guest', true, null, 'Guest'],
      ['User', true, 'Guest', 'User'],
      ['Moderator', true, 'User', 'Moderator'],
      ['Admin', true, 'Moderator', 'Admin'],
      ['SuperAdmin', true, 'Admin', 'SuperAdmin'],
    ]);
    const guest = roles[0].permissions;
    expect(guest).toEqual([...guest].sort());
    expect(guest).toContain('memory.read');
    expect(guest).not.toContain('memory.write');
    expect(roles[4].permissions).toHaveLength(PERMISSIONS.length);
  });

  it('lists the permissions', () => {
    const list = auth.listPermissions();
    expect(list).toHaveLength(PERMISSIONS.length);
    expect(list.find((p) => p.name === 'auth.role.manage')).toEqual({
      name: 'auth.role.manage',
      module: 'auth',
      description: 'Create and delete custom roles',
      role: 'SuperAdmin',
    });
  });

  it('creates custom roles that users and tokens can hold', async () => {
    const g = auth.generation;
    const role = await auth.createRole(owner, { name: 'Editor', inherits: 'user', grant: ['cms.content.publish'], description: 'Publishes' });
    expect(role).toMatchObject({ name: 'Editor', builtin: false, inherits: 'User', base: 'User', description: 'Publishes' });
    expect(role.permissions).toContain('cms.content.publish');
    expect(role.permissions).toContain('memory.write');
    expect(role.permissions).not.toContain('cms.content.delete');
    expect(auth.generation).toBe(g + 1);
    expect((await auth.roles()).get('editor')?.name).toBe('Editor');

    await auth.createUser(owner, { name: 'ed', role: 'editor' });
    expect((await auth.getUser(owner, { name: 'ed' })).role).toBe('Editor');
    const token = await auth.createToken(owner, { name: 'ed', user: 'ed' });
    const actor = (await auth.verifyToken(token.token, 'rest'))!;
    expect(actor.role).toBe('Editor');
    expect(actor.grants.permissions.has('cms.content.publish')).toBe(true);

    // A custom role may inherit another custom role.
    const chief = await auth.createRole(owner, { name: 'Chief', inherits: 'Editor', grant: ['cms.content.delete'] });
    expect(chief).toMatchObject({ inherits: 'Editor', base: 'User', description: 'Editor plus cms.content.delete' });
    expect(chief.permissions).toEqual(expect.arrayContaining(['cms.content.publish', 'cms.content.delete']));
  });

  it('keeps custom roles across restarts, parents before children', async () => {
    await auth.createRole(owner, { name: 'Zeta', inherits: 'User', grant: [] });
    h.clock.now -= 1000; // an older timestamp on the child must not break the order
    await auth.createRole(owner, { name: 'Alpha', inherits: 'Zeta', grant: ['racoin.mint'] });
    const again = new AuthService({
      store: h.store,
      now: () => h.clock.now,
      log: recordingLogger([]),
      options: { sessionTtlMs: 1000, passwordIterations: 100_000, maxLoginAttempts: 3, lockTimeMs: 1000 },
    });
    const alpha = (await again.roles()).get('alpha');
    expect(alpha).toMatchObject({ name: 'Alpha', inherits: 'Zeta', base: 'User' });
    expect(alpha!.permissions.has('racoin.mint')).toBe(true);
  });

  it('refuses taken names, unknown permissions and unknown parents', async () => {
    await expect(auth.createRole(owner, { name: 'admin', inherits: 'User', grant: [] })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: "a role named 'Admin' already exists",
    });
    await auth.createRole(owner, { name: 'Editor', inherits: 'User', grant: [] });
    await expect(auth.createRole(owner, { name: 'EDITOR', inherits: 'User', grant: [] })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(auth.createRole(owner, { name: 'Poster', inherits: 'User', grant: ['memory.read', 'cms.fly'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: "grant: no permission named 'cms.fly'",
      hint: expect.stringContaining('raos auth permissions'),
    });
    await expect(auth.createRole(owner, { name: 'Poster', inherits: 'Wizard', grant: [] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^inherits: no role named 'Wizard'/),
    });
    await expect(auth.createRole(owner, { name: '1abc', inherits: 'User', grant: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await auth.listRoles()).map((r) => r.name)).toEqual(['Guest', 'User', 'Moderator', 'Admin', 'SuperAdmin', 'Editor']);
  });

  it('lets a non-SuperAdmin role manager create only roles below its rank, granting what it holds', async () => {
    await auth.createRole(owner, { name: 'RoleAdmin', inherits: 'Admin', grant: ['auth.role.manage'] });
    await auth.createUser(owner, { name: 'ra', role: 'RoleAdmin' });
    const ra: Actor = await auth.actorFor('ra', 'internal');
    await expect(auth.createRole(ra, { name: 'Peer', inherits: 'Admin', grant: [] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(auth.createRole(ra, { name: 'Minter', inherits: 'User', grant: ['racoin.mint'] })).resolves.toMatchObject({ base: 'User' });
    // A permission it lacks cannot be handed out: fake an actor whose grants omit racoin.mint.
    const grants: Grants = { all: false, permissions: new Set([...grantsOf((await auth.roles()).require('RoleAdmin')).permissions].filter((p) => p !== 'racoin.mint')) };
    await expect(auth.createRole({ ...ra, grants }, { name: 'Minter2', inherits: 'User', grant: ['racoin.mint'] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('racoin.mint'),
    });
    await expect(auth.deleteRole(ra, { name: 'RoleAdmin' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(auth.deleteRole(ra, { name: 'Minter' })).resolves.toEqual({ deleted: 'Minter' });
  });

  it('deletes custom roles only when nothing uses them', async () => {
    await expect(auth.deleteRole(owner, { name: 'Admin' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(auth.deleteRole(owner, { name: 'Nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await auth.createRole(owner, { name: 'Editor', inherits: 'User', grant: ['cms.content.publish'] });
    await auth.createRole(owner, { name: 'Chief', inherits: 'Editor', grant: [] });
    await auth.createUser(owner, { name: 'ed', role: 'Editor' });
    await auth.createUser(owner, { name: 'boss', role: 'Admin' });
    const token = await auth.createToken(owner, { name: 'narrow', user: 'boss', role: 'Editor' });
    await expect(auth.deleteRole(owner, { name: 'editor' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `the role Editor is still used by users ed; tokens ${token.id} (narrow); roles Chief`,
    });
    await auth.updateUser(owner, { name: 'ed', role: 'User' });
    await auth.revokeToken(owner, { id: token.id });
    await auth.deleteRole(owner, { name: 'Chief' });
    const g = auth.generation;
    await expect(auth.deleteRole(owner, { name: 'Editor' })).resolves.toEqual({ deleted: 'Editor' });
    expect(auth.generation).toBe(g + 1);
    expect((await auth.roles()).get('Editor')).toBeUndefined();
    await expect(auth.createUser(owner, { name: 'late', role: 'Editor' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
