import { afterEach, describe, expect, it, vi } from 'vitest';
import { ownerActor } from '../../../src/kernel/actor.js';
import { dummyVerify, verifyPassword } from '../../../src/modules/auth/passwords.js';
import { openAuth, type Harness } from './helpers.js';

vi.mock('../../../src/modules/auth/passwords.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/modules/auth/passwords.js')>();
  return { ...actual, dummyVerify: vi.fn(actual.dummyVerify), verifyPassword: vi.fn(actual.verifyPassword) };
});

describe('AuthService login timing', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.store.close();
    vi.mocked(dummyVerify).mockClear();
    vi.mocked(verifyPassword).mockClear();
  });

  it('spends a full hash on unknown users and users without a password', async () => {
    h = await openAuth({ passwordIterations: 120_000, maxLoginAttempts: 100 });
    const owner = ownerActor('internal');
    await h.auth.createUser(owner, { name: 'alice', role: 'User', password: 'alice-password' });
    await h.auth.createUser(owner, { name: 'bot', role: 'User' });
    const attempt = (name: string) => h!.auth.login({ name, password: 'guess-password' }, { origin: 'rest' }).catch((e) => e.code);

    expect(await attempt('nobody')).toBe('UNAUTHORIZED');
    expect(await attempt('bot')).toBe('UNAUTHORIZED');
    expect(vi.mocked(dummyVerify).mock.calls).toEqual([
      ['guess-password', 120_000],
      ['guess-password', 120_000],
    ]);
    expect(verifyPassword).not.toHaveBeenCalled();
    expect(await attempt('alice')).toBe('UNAUTHORIZED');
    expect(verifyPassword).toHaveBeenCalledTimes(1);
    expect(dummyVerify).toHaveBeenCalledTimes(2);
  });
});
