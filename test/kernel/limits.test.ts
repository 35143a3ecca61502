import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/kernel/config.js';
import { anonymousActor, ownerActor, type Actor } from '../../src/kernel/actor.js';
import { toRaosError } from '../../src/kernel/errors.js';
import { createRateLimits } from '../../src/kernel/limits.js';
import { BUILTIN_ROLE_TABLE, grantsOf } from '../../src/kernel/access.js';
import { initWorkspace } from '../../src/kernel/workspace.js';
import { useTempDirs } from '../helpers.js';

const tempDir = useTempDirs();
const user = (id: string, ip = '10.0.0.1'): Actor => ({ kind: 'user', id, name: id, role: 'User', grants: grantsOf(BUILTIN_ROLE_TABLE.get('User')!), origin: 'rest', ip });

function limitsWith(overrides: Record<string, string>) {
  const { root } = initWorkspace(tempDir());
  return loadConfig({ root, env: {}, overrides }).config.rateLimits;
}

async function codeOf(p: Promise<unknown> | undefined) {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return toRaosError(err);
  }
}

describe('rate limits', () => {
  it('allows perMinute calls per actor, then RATE_LIMITED with retryAfterMs, per module', async () => {
    const limits = createRateLimits(limitsWith({ 'rateLimits.cms.perMinute': '3' }))!;
    for (let i = 0; i < 3; i++) await limits.consume('cms', user('a', `10.0.0.${i}`));
    const err = await codeOf(limits.consume('cms', user('a', '10.0.0.9')));
    expect(err).toMatchObject({ code: 'RATE_LIMITED', message: 'too many cms requests by a: the limit is 3 per minute' });
    const ms = (err as unknown as { details: { retryAfterMs: number } }).details.retryAfterMs;
    expect(ms).toBeGreaterThan(50_000);
    expect(ms).toBeLessThanOrEqual(60_000);
    // Another actor from another IP, and the same actor on another module, are counted apart.
    expect(await codeOf(limits.consume('cms', user('b', '10.0.1.1')))).toBe('OK');
    expect(await codeOf(limits.consume('memory', user('a', '10.0.0.9')))).toBe('OK');
  });

  it('counts per IP too: many actors from one address share its limit; anonymous callers by IP alone', async () => {
    const limits = createRateLimits(limitsWith({ 'rateLimits.auth.perMinute': '2' }))!;
    await limits.consume('auth', user('a', '10.9.9.9'));
    await limits.consume('auth', user('b', '10.9.9.9'));
    expect(await codeOf(limits.consume('auth', user('c', '10.9.9.9')))).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('from 10.9.9.9') });
    const other = anonymousActor('rest', '10.8.8.8');
    await limits.consume('auth', other);
    await limits.consume('auth', other);
    expect(await codeOf(limits.consume('auth', other))).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('the hourly window applies on its own; 0 means no limit; the owner is exempt unless configured', async () => {
    const limits = createRateLimits(limitsWith({ 'rateLimits.cms.perMinute': '0', 'rateLimits.cms.perHour': '2' }))!;
    await limits.consume('cms', user('h'));
    await limits.consume('cms', user('h'));
    expect(await codeOf(limits.consume('cms', user('h')))).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('2 per hour') });
    for (let i = 0; i < 10; i++) await limits.consume('cms', ownerActor('rest'));
    const strict = createRateLimits(limitsWith({ 'rateLimits.cms.perMinute': '1', 'rateLimits.exemptOwner': 'false' }))!;
    await strict.consume('cms', ownerActor('rest'));
    expect(await codeOf(strict.consume('cms', ownerActor('rest')))).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('is off when rateLimits.enabled is false', () => {
    expect(createRateLimits(limitsWith({ 'rateLimits.enabled': 'false' }))).toBeUndefined();
  });
});
