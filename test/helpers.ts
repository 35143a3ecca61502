import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { BUILTIN_ROLE_TABLE, grantsOf } from '../src/kernel/access.js';
import type { Actor } from '../src/kernel/actor.js';
import { RaosError, toRaosError } from '../src/kernel/errors.js';

/** A fresh temp folder per call, removed after the test. */
export function useTempDirs(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'raos-test-'));
    made.push(dir);
    return dir;
  };
}

/** A user actor of a built-in role (id `u-<name>`), for service tests. */
export function userActor(name: string, role = 'User'): Actor {
  return { kind: 'user', id: `u-${name}`, name, role, grants: grantsOf(BUILTIN_ROLE_TABLE.get(role)!), origin: 'internal' };
}

/** What a promise settles to, as an error code and message (`OK` when it resolves). */
export async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'OK', message: '' };
  } catch (err) {
    const e = toRaosError(err);
    return { code: e.code, message: e.message };
  }
}

/** The RaosError `fn` throws; fails the test when it throws nothing or something else. */
export function caught(fn: () => unknown): RaosError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RaosError);
    return err as RaosError;
  }
  throw new Error('expected a RaosError, nothing was thrown');
}

/** The RaosError `promise` rejects with; fails the test when it resolves or rejects with something else. */
export async function refusal(promise: Promise<unknown>): Promise<RaosError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RaosError);
    return err as RaosError;
  }
  throw new Error('expected a RaosError');
}
