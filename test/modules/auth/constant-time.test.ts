/**
 * Token secrets and password hashes are compared with crypto.timingSafeEqual, never with === or
 * Buffer.equals, so the time a comparison takes says nothing about how much of a guess was right.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ n: 0 }));

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    calls.n++;
    return crypto.timingSafeEqual(a, b);
  };
  return { ...crypto, default: { ...crypto, timingSafeEqual }, timingSafeEqual };
});

const { ownerActor } = await import('../../../src/kernel/actor.js');
const { openAuth } = await import('./helpers.js');

afterEach(() => {
  calls.n = 0;
});

describe('constant-time comparison', () => {
  it('verifying a token compares its secret with timingSafeEqual, right or wrong', async () => {
    const h = await openAuth();
    await h.auth.createUser(ownerActor('internal'), { name: 'alice', role: 'User' });
    const { token } = await h.auth.createToken(ownerActor('internal'), { name: 'ci', user: 'alice' });
    calls.n = 0;
    expect(await h.auth.verifyToken(token, 'rest')).toMatchObject({ name: 'alice' });
    expect(calls.n).toBe(1);
    const wrong = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await h.auth.verifyToken(wrong, 'rest')).toBeNull();
    expect(calls.n).toBe(2);
    await h.store.close();
  });

  it('checking a password compares the derived key with timingSafeEqual', async () => {
    const h = await openAuth();
    await h.auth.createUser(ownerActor('internal'), { name: 'bob', role: 'User', password: 'bob-password-1' });
    calls.n = 0;
    await h.auth.login({ name: 'bob', password: 'bob-password-1' }, { origin: 'cli' });
    expect(calls.n).toBeGreaterThanOrEqual(1);
    calls.n = 0;
    await expect(h.auth.login({ name: 'bob', password: 'wrong-password' }, { origin: 'cli' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(calls.n).toBeGreaterThanOrEqual(1);
    await h.store.close();
  });
});
