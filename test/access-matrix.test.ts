/**
 * The access matrix: every procedure of the AppRouter × every built-in role (and the anonymous
 * caller), asserting FORBIDDEN exactly where the permission table says the role lacks the
 * procedure's permission. A procedure that declares no permission (or an unknown one) fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allOperations, appRouter, builtinModules, createCaller } from '../src/app.js';
import { BUILTIN_ROLE_TABLE, BUILTIN_ROLES, grantsOf, isPermission } from '../src/kernel/access.js';
import { anonymousActor, type Actor } from '../src/kernel/actor.js';
import { loadConfig } from '../src/kernel/config.js';
import { toRaosError } from '../src/kernel/errors.js';
import { Kernel } from '../src/kernel/kernel.js';
import { silentLogger } from '../src/kernel/logger.js';
import type { ProcedureMeta } from '../src/kernel/trpc.js';
import { initWorkspace } from '../src/kernel/workspace.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type ProcedureDef = { _def: { type: 'query' | 'mutation' | 'subscription'; meta?: ProcedureMeta } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, ProcedureDef>);

function actorOf(role: string): Actor {
  return { kind: 'user', id: `matrix-${role}`, name: `matrix-${role.toLowerCase()}`, role, grants: grantsOf(BUILTIN_ROLE_TABLE.get(role)!), origin: 'internal' };
}

async function outcome(caller: ReturnType<typeof createCaller>, path: string, type: string): Promise<{ code: string; permission?: unknown }> {
  let target: any = caller;
  for (const part of path.split('.')) target = target[part];
  try {
    const result = await target({});
    // A subscription that was admitted: close it without reading.
    if (type === 'subscription' && result && typeof result[Symbol.asyncIterator] === 'function') await result[Symbol.asyncIterator]().return?.();
    return { code: 'OK' };
  } catch (err) {
    const raos = toRaosError(err);
    return { code: raos.code, permission: raos.details?.permission };
  }
}

describe('every procedure declares its operation and permission', () => {
  it.each(procedures)('%s', (path, proc) => {
    const meta = proc._def.meta;
    expect(meta, `${path} was not made with query()/mutation()/subscription() of an operation`).toBeDefined();
    expect(meta!.operation).toBe(path);
    if (meta!.permission === null) expect(allOperations.find((op) => op.name === path)?.public).toBe(true);
    else expect(isPermission(meta!.permission), `${path}: unknown permission ${meta!.permission}`).toBe(true);
    expect(allOperations.map((op) => op.name)).toContain(path);
  });

  it('only auth.login is public', () => {
    expect(procedures.filter(([, p]) => p._def.meta?.permission === null).map(([path]) => path)).toEqual(['auth.login']);
  });
});

describe('procedure × role', () => {
  let root: string;
  let kernel: Kernel;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'raos-matrix-'));
    initWorkspace(root);
    const { config } = loadConfig({ root, env: {} });
    kernel = await Kernel.create({ root, config, log: silentLogger, builtins: builtinModules, access: 'write', purpose: 'test' });
  });
  afterAll(async () => {
    await kernel.close();
    rmSync(root, { recursive: true, force: true });
  });

  for (const role of BUILTIN_ROLES) {
    it(`${role}: FORBIDDEN exactly where the table withholds the permission`, async () => {
      const caller = createCaller({ kernel, actor: actorOf(role) });
      const held = BUILTIN_ROLE_TABLE.get(role)!;
      const rows: string[] = [];
      for (const [path, proc] of procedures) {
        const permission = proc._def.meta!.permission;
        const allowed = permission === null || held.all || held.permissions.has(permission);
        const { code, permission: named } = await outcome(caller, path, proc._def.type);
        if (allowed) {
          if (code === 'FORBIDDEN' || code === 'UNAUTHORIZED') rows.push(`${path}: expected access, got ${code}`);
        } else if (code !== 'FORBIDDEN' || named !== permission) {
          rows.push(`${path}: expected FORBIDDEN naming ${permission}, got ${code} ${String(named ?? '')}`);
        }
      }
      expect(rows).toEqual([]);
    });
  }

  it('the anonymous caller gets UNAUTHORIZED everywhere but auth.login', async () => {
    const caller = createCaller({ kernel, actor: anonymousActor('rest', '127.0.0.1') });
    const rows: string[] = [];
    for (const [path, proc] of procedures) {
      const { code } = await outcome(caller, path, proc._def.type);
      if (path === 'auth.login') {
        if (code !== 'INVALID_INPUT') rows.push(`${path}: expected INVALID_INPUT for {}, got ${code}`);
      } else if (code !== 'UNAUTHORIZED') rows.push(`${path}: expected UNAUTHORIZED, got ${code}`);
    }
    expect(rows).toEqual([]);
  });

  it('denials are in the audit trail with actor, action and permission', async () => {
    const caller = createCaller({ kernel, actor: actorOf('Guest') });
    await outcome(caller, 'db.backup', 'mutation');
    const owner = createCaller({ kernel, actor: { ...actorOf('SuperAdmin'), grants: grantsOf(BUILTIN_ROLE_TABLE.get('SuperAdmin')!) } });
    const { entries } = await owner.audit.list({ actor: 'matrix-guest', action: 'db.backup' });
    expect(entries[0]).toMatchObject({ action: 'db.backup', outcome: 'denied', code: 'FORBIDDEN', actor: { name: 'matrix-guest', role: 'Guest' } });
    expect(entries[0].message).toContain("'db.maintain'");
  });
});
