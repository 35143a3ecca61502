/**
 * MemoryService's read cache: a hot key costs no query, yet every read sees the latest write, a
 * deleted key is gone, an expired one is never served, and cached entries cannot be changed by a reader.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerActor } from '../../../src/kernel/actor.js';
import { EventBus } from '../../../src/kernel/events.js';
import { Store } from '../../../src/kernel/storage/store.js';
import { migrations, type MemoryTables } from '../../../src/modules/memory/migrations.js';
import { MemoryService } from '../../../src/modules/memory/service.js';

const actor = ownerActor('internal');
const address = { namespace: 'default', scope: 'global' };

describe('MemoryService read cache', () => {
  let store: Store<MemoryTables>;
  let memory: MemoryService;
  let now: number;
  let queries: number;

  beforeEach(async () => {
    store = await Store.open<MemoryTables>({ name: 'memory', path: null, mode: 'write', migrations });
    const query = store.query.bind(store);
    queries = 0;
    store.query = ((sql: string, params: never[]) => {
      queries++;
      return query(sql, params);
    }) as typeof store.query;
    now = Date.parse('2026-01-01T00:00:00Z');
    memory = new MemoryService({ store, bus: new EventBus(), now: () => now, limits: { maxKeyLength: 64, maxValueBytes: 1 << 20 } });
  });
  afterEach(() => store.close());

  it('serves a hot key without a query, and the latest write after a set', async () => {
    await memory.set(actor, { key: 'k', value: 1 });
    expect((await memory.read(actor, { key: 'k', ...address })).value).toBe(1);
    expect((await memory.read(actor, { key: 'k', ...address })).value).toBe(1);
    expect(queries).toBe(0); // the set filled the cache
    await memory.set(actor, { key: 'k', value: 2 });
    expect((await memory.read(actor, { key: 'k', ...address })).value).toBe(2);
    expect(queries).toBe(0);
  });

  it('fills on a miss, forgets on delete', async () => {
    await memory.set(actor, { key: 'a', value: 'x' });
    const other = new MemoryService({ store, bus: new EventBus(), now: () => now, limits: { maxKeyLength: 64, maxValueBytes: 1 << 20 } });
    expect((await other.read(actor, { key: 'a', ...address })).value).toBe('x');
    expect((await other.read(actor, { key: 'a', ...address })).value).toBe('x');
    expect(queries).toBe(1);
    await other.delete(actor, { key: 'a' });
    await expect(other.read(actor, { key: 'a', ...address })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('never serves an entry past its expiry', async () => {
    await memory.set(actor, { key: 't', value: 'soon gone', ttlMs: 1000 });
    expect((await memory.read(actor, { key: 't', ...address })).value).toBe('soon gone');
    now += 1000;
    await expect(memory.read(actor, { key: 't', ...address })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('hands out frozen entries: a reader cannot change what the next one gets', async () => {
    await memory.set(actor, { key: 'obj', value: { hp: 10, items: ['sword'] } });
    const entry = await memory.read(actor, { key: 'obj', ...address });
    expect(Object.isFrozen(entry)).toBe(true);
    expect(() => ((entry.value as { items: string[] }).items as string[]).push('shield')).toThrow(TypeError);
    expect((await memory.read(actor, { key: 'obj', ...address })).value).toEqual({ hp: 10, items: ['sword'] });
  });

  it('checks the scope before the cache: another user is refused a cached entry', async () => {
    await memory.set(actor, { key: 'secret', value: 1, scope: 'user:alice' });
    const bob = { ...actor, kind: 'user' as const, id: 'bob', name: 'bob', role: 'User', grants: { all: false, permissions: new Set(['memory.read']) } };
    await expect(memory.read(bob, { key: 'secret', namespace: 'default', scope: 'user:alice' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
