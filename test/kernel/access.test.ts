import { describe, expect, it } from 'vitest';
import { assertCan, BUILTIN_ROLE_TABLE, BUILTIN_ROLES, can, grantsOf, PERMISSIONS, RoleTable } from '../../src/kernel/access.js';
import { toRaosError } from '../../src/kernel/errors.js';

const subject = (role: string, table = BUILTIN_ROLE_TABLE) => ({ name: `u-${role}`, role, grants: grantsOf(table.get(role)!) });

describe('permissions and roles', () => {
  it('has at least 25 permissions covering every module, with the seed examples', () => {
    expect(PERMISSIONS.length).toBeGreaterThanOrEqual(25);
    const names = PERMISSIONS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const seed of ['cms.plugin.install', 'cms.content.create', 'cms.content.delete', 'game.scene.create', 'game.entity.modify', 'racoin.transfer', 'admin.user.ban']) {
      expect(names).toContain(seed);
    }
    const modules = new Set(PERMISSIONS.map((p) => p.module));
    for (const m of ['memory', 'module', 'db', 'events', 'auth', 'audit', 'cms', 'game', 'racoin', 'client', 'moderation']) expect(modules).toContain(m);
  });

  it('five roles in a hierarchy: each holds everything below it, SuperAdmin everything', () => {
    expect(BUILTIN_ROLES).toEqual(['Guest', 'User', 'Moderator', 'Admin', 'SuperAdmin']);
    for (let i = 1; i < BUILTIN_ROLES.length; i++) {
      const lower = BUILTIN_ROLE_TABLE.get(BUILTIN_ROLES[i - 1])!;
      const higher = BUILTIN_ROLE_TABLE.get(BUILTIN_ROLES[i])!;
      for (const p of lower.permissions) expect(higher.permissions.has(p), `${higher.name} lacks ${p}`).toBe(true);
      expect(higher.permissions.size).toBeGreaterThan(lower.permissions.size);
    }
    expect(BUILTIN_ROLE_TABLE.get('SuperAdmin')!.permissions.size).toBe(PERMISSIONS.length);
  });

  it('matches the seed: Guest reads, User creates, Moderator manages content, Admin installs plugins', () => {
    const table: [string, string, boolean][] = [
      ['Guest', 'cms.content.read', true],
      ['Guest', 'cms.content.create', false],
      ['Guest', 'memory.write', false],
      ['User', 'game.scene.create', true],
      ['User', 'racoin.transfer', true],
      ['User', 'cms.content.delete', false],
      ['Moderator', 'cms.content.delete', true],
      ['Moderator', 'admin.user.ban', true],
      ['Moderator', 'cms.plugin.install', false],
      ['Admin', 'cms.plugin.install', true],
      ['Admin', 'auth.role.manage', false],
      ['SuperAdmin', 'auth.role.manage', true],
    ];
    for (const [role, permission, expected] of table) expect(can(subject(role), permission), `${role} ${permission}`).toBe(expected);
  });

  it('assertCan throws FORBIDDEN naming the actor, the role and the permission, with a hint', () => {
    const err = toRaosError(
      (() => {
        try {
          assertCan(subject('User'), 'cms.plugin.install');
        } catch (e) {
          return e;
        }
      })(),
    );
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toBe("u-User (role User) lacks the permission 'cms.plugin.install'");
    expect(err.hint).toContain('held by Admin and above');
    expect(err.details).toEqual({ permission: 'cms.plugin.install' });
  });

  it('custom roles inherit, add grants, rank with their base; unknown grants are ignored', () => {
    const table = new RoleTable([
      { name: 'Builder', inherits: 'User', grants: ['game.scene.delete', 'no.such.permission'] },
      { name: 'MasterBuilder', inherits: 'builder', grants: ['cms.site.build'] },
    ]);
    const builder = table.get('builder')!;
    expect(builder).toMatchObject({ name: 'Builder', builtin: false, base: 'User', rank: 1, inherits: 'User' });
    expect(can(subject('Builder', table), 'game.scene.delete')).toBe(true);
    expect(can(subject('Builder', table), 'memory.write')).toBe(true);
    expect(builder.permissions.has('no.such.permission')).toBe(false);
    expect(can(subject('MasterBuilder', table), 'cms.site.build')).toBe(true);
    expect(can(subject('MasterBuilder', table), 'game.scene.delete')).toBe(true);
    expect(() => table.require('Nope')).toThrow(/no role named 'Nope' \(roles: Guest, User/);
  });

  it('a token role narrows: the grants are the intersection', () => {
    const g = grantsOf(BUILTIN_ROLE_TABLE.get('Admin')!, BUILTIN_ROLE_TABLE.get('Guest')!);
    expect(g.all).toBe(false);
    expect([...g.permissions].sort()).toEqual([...BUILTIN_ROLE_TABLE.get('Guest')!.permissions].sort());
    expect(grantsOf(BUILTIN_ROLE_TABLE.get('SuperAdmin')!).all).toBe(true);
    expect(grantsOf(BUILTIN_ROLE_TABLE.get('SuperAdmin')!, BUILTIN_ROLE_TABLE.get('User')!).all).toBe(false);
  });
});
