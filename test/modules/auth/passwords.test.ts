import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ITERATIONS,
  dummyVerify,
  hashPassword,
  MIN_ITERATIONS,
  needsRehash,
  verifyPassword,
} from '../../../src/modules/auth/passwords.js';

describe('passwords', () => {
  it('hashes with 600,000 iterations by default in the documented format, and verifies', async () => {
    expect(DEFAULT_ITERATIONS).toBe(600_000);
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^pbkdf2-sha256\$600000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
  });

  it('is PBKDF2-HMAC-SHA256 over the salt, with a fresh salt per hash', async () => {
    const a = await hashPassword('hunter2hunter2', MIN_ITERATIONS);
    const b = await hashPassword('hunter2hunter2', MIN_ITERATIONS);
    const [, iterations, salt, hash] = a.split('$');
    expect(Number(iterations)).toBe(100_000);
    const expected = pbkdf2Sync('hunter2hunter2', Buffer.from(salt, 'base64url'), 100_000, 32, 'sha256');
    expect(hash).toBe(expected.toString('base64url'));
    expect(b.split('$')[2]).not.toBe(salt);
    expect(b).not.toBe(a);
  });

  it('rejects wrong passwords and malformed or foreign hashes', async () => {
    const stored = await hashPassword('s3cret-password', MIN_ITERATIONS);
    expect(await verifyPassword('s3cret-passworD', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    for (const bad of ['', 'plain', 'bcrypt$100000$a$b', stored.replace('pbkdf2-sha256', 'pbkdf2-sha1'), stored.slice(0, -4), 'pbkdf2-sha256$999999999$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43)]) {
      expect(await verifyPassword('s3cret-password', bad)).toBe(false);
    }
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const stored = await hashPassword('caf\u00e9-au-lait', MIN_ITERATIONS);
    expect(await verifyPassword('cafe\u0301-au-lait', stored)).toBe(true);
  });

  it('refuses fewer than 100,000 iterations', async () => {
    await expect(hashPassword('long enough', 99_999)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('100000') });
    await expect(hashPassword('long enough', 1.5e5 + 0.5)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('asks for a rehash when the stored hash has fewer iterations than configured', async () => {
    const stored = await hashPassword('password-1', MIN_ITERATIONS);
    expect(needsRehash(stored, 100_000)).toBe(false);
    expect(needsRehash(stored, 90_000)).toBe(false);
    expect(needsRehash(stored, 600_000)).toBe(true);
    expect(needsRehash('not-a-hash', 100_000)).toBe(true);
  });

  it('dummyVerify returns false and spends about as long as a real verify', async () => {
    const stored = await hashPassword('password-1', 200_000);
    const time = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      await fn();
      return performance.now() - start;
    };
    const real: number[] = [];
    const dummy: number[] = [];
    for (let i = 0; i < 3; i++) {
      real.push(await time(() => verifyPassword('password-1', stored)));
      dummy.push(await time(() => dummyVerify('password-1', 200_000)));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    expect(await dummyVerify('password-1', 200_000)).toBe(false);
    // Loose bounds: machines are noisy, but skipping the hash (about 0 ms) must fail.
    expect(median(dummy)).toBeGreaterThan(median(real) * 0.4);
    expect(median(dummy)).toBeLessThan(median(real) * 2.5);
  });
});
