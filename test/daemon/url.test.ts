import { describe, expect, it } from 'vitest';
import { parseRequestUrl } from '../../src/daemon/url.js';

describe('parseRequestUrl', () => {
  it('splits path and query like URL does for request targets', () => {
    for (const raw of ['/api/memory/entry/get?key=a%20b&scope=global', '/', '/healthz', '/x?', '/x?a=1&a=2', '/x#frag', '/x?y=1#frag', '/api/memory/entry/k%2Fk']) {
      const ours = parseRequestUrl(raw);
      const url = new URL(raw, 'http://localhost');
      expect(ours.pathname, raw).toBe(url.pathname);
      expect([...ours.searchParams], raw).toEqual([...url.searchParams]);
    }
  });

  it('treats a missing target as /', () => {
    expect(parseRequestUrl(undefined).pathname).toBe('/');
    expect(parseRequestUrl('?a=1').pathname).toBe('/');
  });
});
