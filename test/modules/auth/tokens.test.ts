import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateToken, hashSecret, parseToken, secretMatches, TOKEN_LENGTH } from '../../../src/modules/auth/tokens.js';

describe('tokens', () => {
  it('makes raos_<16 hex>_<43 base64url> tokens with random ids and secrets', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a.token).toMatch(/^raos_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(a.token).toHaveLength(TOKEN_LENGTH);
    expect(a.token).toBe(`raos_${a.id}_${a.secret}`);
    expect(Buffer.from(a.secret, 'base64url')).toHaveLength(32);
    expect(b.id).not.toBe(a.id);
    expect(b.secret).not.toBe(a.secret);
  });

  it('stores sha256(secret) as hex, never the secret', () => {
    const t = generateToken();
    expect(t.secretHash).toBe(createHash('sha256').update(t.secret).digest('hex'));
    expect(hashSecret(t.secret)).toBe(t.secretHash);
    expect(t.secretHash).not.toContain(t.secret);
  });

  it('parses its own tokens, including secrets containing _ and -', () => {
    const secret = '_-' + 'a'.repeat(39) + '-_';
    expect(parseToken(`raos_0123456789abcdef_${secret}`)).toEqual({ id: '0123456789abcdef', secret });
    const t = generateToken();
    expect(parseToken(t.token)).toEqual({ id: t.id, secret: t.secret });
  });

  it('rejects anything else', () => {
    const t = generateToken();
    const bad = [
      '',
      'raos_',
      t.token.slice(0, -1),
      t.token + 'A',
      t.token.replace('raos_', 'RAOS_'),
      t.token.replace('raos_', 'rao5_'),
      `raos_${t.id.toUpperCase()}_${t.secret}`,
      `raos_${t.id.slice(0, 15)}g_${t.secret}`,
      `raos_${t.id}-${t.secret}`,
      `raos_${t.id}_${t.secret.slice(0, 42)}=`,
      `raos_${t.id}_${t.secret.slice(0, 42)} `,
    ];
    for (const text of bad) expect(parseToken(text), text).toBeNull();
    expect(parseToken(42 as unknown as string)).toBeNull();
  });

  it('matches secrets against stored hashes', () => {
    const t = generateToken();
    expect(secretMatches(t.secret, t.secretHash)).toBe(true);
    expect(secretMatches(generateToken().secret, t.secretHash)).toBe(false);
    expect(secretMatches(t.secret, t.secretHash.slice(0, 62))).toBe(false);
    expect(secretMatches(t.secret, '')).toBe(false);
    expect(secretMatches(t.secret, 'zz'.repeat(32))).toBe(false);
  });
});
