import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, parseInput, RaosError, toRaosError } from '../../src/kernel/errors.js';

describe('errors', () => {
  it('documents every code with its exit status and HTTP status', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const [code, { exit, http }] of Object.entries(ERROR_CODES)) {
      expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${exit} \\| ${http} \\|`));
    }
  });

  it('gives every code its own exit status', () => {
    const exits = Object.values(ERROR_CODES).map((c) => c.exit);
    expect(new Set(exits).size).toBe(exits.length);
    expect(exits).not.toContain(0);
  });

  it('names every failing field of a zod schema', () => {
    const schema = z.object({ key: z.string().min(1), ttl: z.number().int() }).strict();
    try {
      parseInput(schema, { key: '', ttl: 1.5, extra: true });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RaosError);
      const e = err as RaosError;
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toMatch(/key: /);
      expect(e.message).toMatch(/ttl: /);
      expect(e.message).toMatch(/extra/);
    }
  });

  it('keeps unknown failures as INTERNAL with their cause', () => {
    const cause = new TypeError('boom');
    const e = toRaosError(cause);
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe('boom');
    expect(e.cause).toBe(cause);
  });

  it('unwraps a tRPC error to the RaosError inside it', () => {
    const inner = new RaosError('NOT_FOUND', 'gone');
    const wrapped = Object.assign(new Error('gone'), { name: 'TRPCError', code: 'NOT_FOUND', cause: inner });
    expect(toRaosError(wrapped)).toBe(inner);
  });
});
