/**
 * Readers hold no lock: another process may checkpoint (replace the file, delete the segments it
 * covers) in the middle of a read. These tests make those races happen on cue by wrapping node:fs.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Store } from '../../../src/kernel/storage/store.js';
import { sql } from 'kysely';
import { useTempDirs } from '../../helpers.js';

const race = vi.hoisted(() => ({
  /** Called before each readFileSync; may throw to simulate a file deleted under us. */
  beforeRead: null as null | ((path: string) => void),
  /** When set, every stat of a path reports a new inode: the file is replaced all the time. */
  churn: false,
  reads: 0,
}));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  let inode = 1e9;
  const wrapped = {
    ...fs,
    readFileSync: ((path: string, ...rest: unknown[]) => {
      race.reads++;
      race.beforeRead?.(String(path));
      return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
    }) as typeof fs.readFileSync,
    statSync: ((path: string, ...rest: unknown[]) => {
      const st = (fs.statSync as (...a: unknown[]) => import('node:fs').Stats | undefined)(path, ...rest);
      if (st && race.churn && String(path).endsWith('.db')) return Object.assign(Object.create(st), { ino: inode++ });
      return st;
    }) as typeof fs.statSync,
  };
  return { ...wrapped, default: wrapped };
});

const tempDir = useTempDirs();

async function seed(path: string) {
  const store = await Store.open({ name: 'kv', path, mode: 'write' });
  await store.write((t) => sql`create table kv (k text primary key, v text)`.execute(t));
  await store.checkpoint(); // the table in the file, the anchor only in the journal
  await store.write((t) => sql`insert into kv values ('anchor', 'in the journal')`.execute(t));
  await store.close({ checkpoint: 'never' });
}

afterEach(() => {
  race.beforeRead = null;
  race.churn = false;
});

describe('a reader racing a checkpoint in another process', () => {
  it('reads again when a journal segment vanishes between listing and reading it', async () => {
    const path = join(tempDir(), 'kv.db');
    await seed(path);
    let vanished = 0;
    race.beforeRead = (p) => {
      if (p.includes('.journal-') && vanished === 0) {
        vanished++;
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      }
    };
    const reader = await Store.open({ name: 'kv', path, mode: 'read' });
    expect(vanished).toBe(1);
    expect((await sql`select v from kv`.execute(reader.db)).rows).toEqual([{ v: 'in the journal' }]);
    await reader.close();
  });

  it('never accepts a read the file changed under: after readRetryMs it is LOCK_TIMEOUT', async () => {
    const path = join(tempDir(), 'kv.db');
    await seed(path);
    race.churn = true;
    race.reads = 0;
    await expect(Store.open({ name: 'kv', path, mode: 'read', readRetryMs: 150 })).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
      message: expect.stringContaining('kv database changed under every one of'),
    });
    expect(race.reads).toBeGreaterThan(5);
  });

  it('a writer holds the lock, so it never retries for a changing file', async () => {
    const path = join(tempDir(), 'kv.db');
    await seed(path);
    race.churn = true;
    const writer = await Store.open({ name: 'kv', path, mode: 'write', readRetryMs: 0 });
    expect((await sql`select v from kv`.execute(writer.db)).rows).toEqual([{ v: 'in the journal' }]);
    await writer.close({ checkpoint: 'never' });
  });
});
