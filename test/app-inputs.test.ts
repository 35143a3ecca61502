/**
 * Hostile input on every procedure: random values, wrong types, unknown fields, oversized and
 * hostile strings. Each call must either succeed or fail with a typed error the caller can act on
 * (INVALID_INPUT naming the field, NOT_FOUND, CONFLICT, ...), never INTERNAL; and afterwards every
 * database passes its integrity check (no half-written record).
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allOperations, appRouter, builtinModules, createCaller } from '../src/app.js';
import { ownerActor } from '../src/kernel/actor.js';
import { loadConfig } from '../src/kernel/config.js';
import { toRaosError } from '../src/kernel/errors.js';
import { Kernel } from '../src/kernel/kernel.js';
import { silentLogger } from '../src/kernel/logger.js';
import { initWorkspace } from '../src/kernel/workspace.js';

const HOSTILE = [
  "'; drop table entries; --",
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '\u0000\u0001\u001f',
  '\u202e\u200b\ufeff',
  '__proto__',
  'constructor',
  '%00%2e%2e%2f',
  '𝕳𝖊𝖑𝖑𝖔 👾',
  'x'.repeat(70_000),
];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(...HOSTILE),
  fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.replace(/[^a-z0-9]/gi, 'a').toLowerCase() || 'a'),
);
const value = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.anything({ maxDepth: 2 }));

/** Objects over the procedure's own field names (so values reach its checks), sometimes with extra fields. */
function inputsFor(schema: z.ZodType, fieldOverrides: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  let keys: string[] = [];
  try {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
    keys = Object.keys(json.properties ?? {});
  } catch {
    /* no JSON form: random values only */
  }
  const shaped = fc.record(Object.fromEntries(keys.map((k) => [k, fieldOverrides[k] ?? value])), { requiredKeys: [] });
  const extra = fc.tuple(shaped, fc.dictionary(text, value, { maxKeys: 2 })).map(([a, b]) => ({ ...b, ...a }));
  return fc.oneof({ weight: 6, arbitrary: shaped }, { weight: 1, arbitrary: extra }, { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) });
}

describe('random input to every procedure', () => {
  let root: string;
  let backups: string;
  let kernel: Kernel;
  let caller: ReturnType<typeof createCaller>;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'raos-fuzz-'));
    backups = mkdtempSync(join(tmpdir(), 'raos-fuzz-backups-'));
    initWorkspace(root);
    const { config } = loadConfig({ root, env: {}, overrides: { 'auth.passwordIterations': '100000' } });
    kernel = await Kernel.create({ root, config, log: silentLogger, builtins: builtinModules, access: 'write', purpose: 'test' });
    caller = createCaller({ kernel, actor: ownerActor('internal') });
  });
  afterAll(async () => {
    await kernel.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(backups, { recursive: true, force: true });
  });

  const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>);

  it.each(procedures)('%s never answers INTERNAL', async (path, proc) => {
    const op = allOperations.find((o) => o.name === path)!;
    // Backups go under a temp folder, whatever the fuzzer picks.
    const overrides: Record<string, fc.Arbitrary<unknown>> = path === 'db.backup' ? { dir: text.map((t) => join(backups, t.replace(/[^a-z0-9]/gi, '_').slice(0, 40) || 'x')) } : {};
    let target: any = caller;
    for (const part of path.split('.')) target = target[part];
    await fc.assert(
      fc.asyncProperty(inputsFor(op.input, overrides), async (input) => {
        try {
          const result = await target(input);
          if (proc._def.type === 'subscription' && result?.[Symbol.asyncIterator]) await result[Symbol.asyncIterator]().return?.();
        } catch (err) {
          const raos = toRaosError(err);
          if (raos.code === 'INTERNAL') throw new Error(`${path}(${JSON.stringify(input)?.slice(0, 300)}) → INTERNAL: ${raos.message}`);
        }
      }),
      // Failed logins are slowed down on purpose (250 ms and more each): fewer runs there.
      { numRuns: path === 'auth.login' ? 6 : 60 },
    );
  }, 120_000);

  it('leaves every database sound', async () => {
    const result = await caller.db.check();
    expect(result.ok, JSON.stringify(result)).toBe(true);
  });
});
