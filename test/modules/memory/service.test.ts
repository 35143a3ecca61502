import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerActor } from '../../../src/kernel/actor.js';
import { EventBus, type RaosEvent } from '../../../src/kernel/events.js';
import { Store } from '../../../src/kernel/storage/store.js';
import { migrations, type MemoryTables } from '../../../src/modules/memory/migrations.js';
import { globMatcher, MemoryService } from '../../../src/modules/memory/service.js';
import { useTempDirs } from '../../helpers.js';

const tempDir = useTempDirs();
const actor = ownerActor('internal');

describe('MemoryService', () => {
  let store: Store<MemoryTables>;
  let memory: MemoryService;
  let now: number;
  let events: RaosEvent[];
  let path: string;

  beforeEach(async () => {
    path = join(tempDir(), 'memory.db');
    store = await Store.open<MemoryTables>({ name: 'memory', path, mode: 'write', migrations });
    now = Date.parse('2026-01-01T00:00:00Z');
    events = [];
    const bus = new EventBus();
    bus.subscribe((e) => events.push(e));
    memory = new MemoryService({ store, bus, now: () => now, limits: { maxKeyLength: 32, maxValueBytes: 200 } });
  });

  afterEach(async () => {
    await store.close();
  });

  it('stores JSON values and reads them back with their metadata', async () => {
    const set = await memory.set(actor, { key: 'player:1', value: { hp: 10, items: ['sword'] }, namespace: 'game' });
    expect(set.created).toBe(true);
    const got = await memory.get(actor, { key: 'player:1', namespace: 'game' });
    expect(got).toMatchObject({ key: 'player:1', namespace: 'game', scope: 'global', value: { hp: 10, items: ['sword'] }, expiresAt: null });
    expect(got.createdAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('keeps createdAt and changes updatedAt on overwrite', async () => {
    await memory.set(actor, { key: 'k', value: 1 });
    now += 5000;
    const second = await memory.set(actor, { key: 'k', value: 2 });
    expect(second.created).toBe(false);
    const got = await memory.get(actor, { key: 'k' });
    expect(got.value).toBe(2);
    expect(got.createdAt).toBe('2026-01-01T00:00:00.000Z');
    expect(got.updatedAt).toBe('2026-01-01T00:00:05.000Z');
  });

  it('isolates namespaces and scopes', async () => {
    await memory.set(actor, { key: 'k', value: 'global' });
    await memory.set(actor, { key: 'k', value: 'user', scope: 'user:42' });
    await memory.set(actor, { key: 'k', value: 'other-ns', namespace: 'other' });
    expect((await memory.get(actor, { key: 'k' })).value).toBe('global');
    expect((await memory.get(actor, { key: 'k', scope: 'user:42' })).value).toBe('user');
    expect((await memory.get(actor, { key: 'k', namespace: 'other' })).value).toBe('other-ns');
    await expect(memory.get(actor, { key: 'k', scope: 'session:s1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('expires entries: invisible at once, deleted by the next write', async () => {
    await memory.set(actor, { key: 'short', value: 1, ttlMs: 1000 });
    await memory.set(actor, { key: 'long', value: 2 });
    expect((await memory.get(actor, { key: 'short' })).expiresAt).toBe('2026-01-01T00:00:01.000Z');
    now += 1000;
    await expect(memory.get(actor, { key: 'short' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await memory.list(actor, {})).items.map((e) => e.key)).toEqual(['long']);
    await memory.set(actor, { key: 'other', value: 3 });
    const rows = await store.db.selectFrom('entries').select('key').execute();
    expect(rows.map((r) => r.key).sort()).toEqual(['long', 'other']);
  });

  it('refuses --if-absent on a live key but allows it over an expired one', async () => {
    await memory.set(actor, { key: 'k', value: 1, ttlMs: 10 });
    await expect(memory.set(actor, { key: 'k', value: 2, ifAbsent: true })).rejects.toMatchObject({ code: 'CONFLICT' });
    now += 10;
    await expect(memory.set(actor, { key: 'k', value: 3, ifAbsent: true })).resolves.toMatchObject({ created: true });
  });

  it('lists by prefix and by glob, in key order, with a limit', async () => {
    for (const key of ['player:2:inv', 'player:1:inv', 'player:1:hp', 'npc:1', 'player:10:inv']) await memory.set(actor, { key, value: key });
    expect((await memory.list(actor, { prefix: 'player:1' })).items.map((e) => e.key)).toEqual(['player:10:inv', 'player:1:hp', 'player:1:inv']);
    expect((await memory.list(actor, { pattern: 'player:?:inv' })).items.map((e) => e.key)).toEqual(['player:1:inv', 'player:2:inv']);
    expect((await memory.list(actor, { pattern: '*:inv' })).items).toHaveLength(3);
    expect((await memory.list(actor, { pattern: 'player:[12]:*' })).items).toHaveLength(3);
    const limited = await memory.list(actor, { limit: 2 });
    expect(limited.items).toHaveLength(2);
    expect(limited.truncated).toBe(true);
    await expect(memory.list(actor, { prefix: 'a', pattern: 'a*' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('pattern') });
  });

  it('deletes, and says NOT_FOUND for a missing key unless forced', async () => {
    await memory.set(actor, { key: 'k', value: 1 });
    await expect(memory.delete(actor, { key: 'k' })).resolves.toMatchObject({ deleted: true });
    await expect(memory.delete(actor, { key: 'k' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(memory.delete(actor, { key: 'k', force: true })).resolves.toMatchObject({ deleted: false });
  });

  it('refuses bad keys and oversized values with INVALID_INPUT naming the field, and stores nothing', async () => {
    await expect(memory.set(actor, { key: 'x'.repeat(33), value: 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('key') });
    await expect(memory.set(actor, { key: 'k', value: 'v'.repeat(300) })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('value') });
    for (const key of ['', 'a b', 'a*', 'tab\tkey', 'q?']) {
      await expect(memory.set(actor, { key, value: 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^key: /) });
    }
    expect((await memory.list(actor, {})).items).toEqual([]);
  });

  it('publishes memory:set and memory:delete after the write', async () => {
    await memory.set(actor, { key: 'k', value: 1 });
    await memory.delete(actor, { key: 'k' });
    expect(events.map((e) => e.eventType)).toEqual(['memory:set', 'memory:delete']);
    expect(events[0].payload).toMatchObject({ key: 'k', namespace: 'default', scope: 'global', created: true });
  });

  it('survives a reopen from the journal alone', async () => {
    await memory.set(actor, { key: 'a', value: { deep: [1, 2, { x: null }] } });
    const again = await Store.open<MemoryTables>({ name: 'memory', path, mode: 'read', migrations });
    const reread = new MemoryService({ store: again, bus: new EventBus(), now: () => now, limits: { maxKeyLength: 32, maxValueBytes: 200 } });
    expect((await reread.get(actor, { key: 'a' })).value).toEqual({ deep: [1, 2, { x: null }] });
    await again.close();
  });

  it('round-trips any JSON value (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        const wide = new MemoryService({ store, bus: new EventBus(), now: () => now, limits: { maxKeyLength: 32, maxValueBytes: 1 << 20 } });
        await wide.set(actor, { key: 'prop', value: value as never });
        const got = await wide.get(actor, { key: 'prop' });
        // JSON has no -0: it reads back as 0.
        expect(got.value).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 60 },
    );
  });
});

describe('globMatcher', () => {
  it('matches whole keys, escapes regex characters, supports sets and negated sets', () => {
    expect(globMatcher('a.b*').test('a.bcd')).toBe(true);
    expect(globMatcher('a.b*').test('axbcd')).toBe(false);
    expect(globMatcher('x?').test('xy')).toBe(true);
    expect(globMatcher('x?').test('xyz')).toBe(false);
    expect(globMatcher('[!a]b').test('cb')).toBe(true);
    expect(globMatcher('[!a]b').test('ab')).toBe(false);
    expect(globMatcher('(x)+').test('(x)+')).toBe(true);
    expect(() => globMatcher('a[b')).toThrow(/unclosed/);
  });

  it('ranges, and errors naming the pattern for unclosed sets and backward ranges', () => {
    expect(globMatcher('p:[0-9][0-9]').test('p:42')).toBe(true);
    expect(globMatcher('p:[0-9][0-9]').test('p:4x')).toBe(false);
    expect(globMatcher('[!a-c]*').test('dog')).toBe(true);
    expect(globMatcher('[!a-c]*').test('cat')).toBe(false);
    expect(() => globMatcher('[z-a]')).toThrow(/runs backwards/);
  });

  it('stays fast on patterns that make a backtracking regular expression take minutes', () => {
    // A regular expression from this glob takes minutes on a 256-character key; the test's own
    // timeout is what would catch a matcher that backtracks like one.
    const key = 'a'.repeat(1024);
    expect(globMatcher('*a*a*a*a*a*a*a*b').test(key)).toBe(false);
    expect(globMatcher('*a*a*a*a*a*a*a*a').test(key)).toBe(true);
  });

  it('agrees with a regular expression on random globs and keys', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ab*?]{0,8}$/), fc.stringMatching(/^[ab]{0,10}$/), (glob, key) => {
        const re = new RegExp(`^${glob.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
        expect(globMatcher(glob).test(key)).toBe(re.test(key));
      }),
    );
  });
});
