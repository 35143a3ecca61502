import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { assertDeterministic } from '../../../src/kernel/storage/driver.js';
import { Store } from '../../../src/kernel/storage/store.js';
import { useTempDirs } from '../../helpers.js';

const tempDir = useTempDirs();

describe('journaled driver', () => {
  it('refuses writes that would replay differently, and accepts the same values as parameters', () => {
    for (const bad of [
      'insert into t values (random())',
      'insert into t values (randomblob(16))',
      'update t set at = CURRENT_TIMESTAMP',
      "update t set at = datetime('now')",
      'insert into t values (unixepoch())',
      'create table t (at text default current_timestamp)',
    ]) {
      expect(() => assertDeterministic(bad), bad).toThrow(/depends on when it runs/);
    }
    for (const good of ['insert into t values (?, ?)', "insert into t values ('random(', 'now is the time')", "select strftime('%Y', ?)"]) {
      expect(() => assertDeterministic(good), good).not.toThrow();
    }
  });

  it('leaves the database unchanged when it refuses a write', async () => {
    const store = await Store.open({ name: 't', path: join(tempDir(), 't.db'), mode: 'write' });
    await store.write((trx) => sql`create table t (v real)`.execute(trx));
    await expect(store.write((trx) => sql`insert into t values (random())`.execute(trx))).rejects.toMatchObject({ hint: expect.stringContaining('parameters') });
    const rows = await sql<{ n: number }>`select count(*) as n from t`.execute(store.db);
    expect(rows.rows[0].n).toBe(0);
    await store.close();
  });

  it('rolls back on a failing statement and the next transaction still commits', async () => {
    const path = join(tempDir(), 't.db');
    const store = await Store.open({ name: 't', path, mode: 'write' });
    await store.write((trx) => sql`create table t (k text primary key)`.execute(trx));
    await store.write((trx) => sql`insert into t values (${'a'})`.execute(trx));
    await expect(
      store.write(async (trx) => {
        await sql`insert into t values (${'b'})`.execute(trx);
        await sql`insert into t values (${'a'})`.execute(trx);
      }),
    ).rejects.toThrow(/UNIQUE/);
    await store.write((trx) => sql`insert into t values (${'c'})`.execute(trx));
    await store.close({ checkpoint: 'never' });
    const again = await Store.open({ name: 't', path, mode: 'read' });
    const rows = await sql<{ k: string }>`select k from t order by k`.execute(again.db);
    expect(rows.rows.map((r) => r.k)).toEqual(['a', 'c']);
    await again.close();
  });
});

describe('Store.query (the fast read path)', () => {
  it('reads by SQL text, refuses writes, and never sees a transaction that is still open', async () => {
    const store = await Store.open({ name: 't', path: join(tempDir(), 't.db'), mode: 'write' });
    await store.write((trx) => sql`create table t (k text primary key)`.execute(trx));
    await store.write((trx) => sql`insert into t values (${'a'})`.execute(trx));
    expect(await store.query<{ k: string }>('select k from t where k = ?', ['a'])).toEqual([{ k: 'a' }]);
    await expect(store.query('delete from t', [])).rejects.toThrow(/SELECT statements only/);

    let letCommit!: () => void;
    const gate = new Promise<void>((r) => (letCommit = r));
    const writing = store.write(async (trx) => {
      await sql`insert into t values (${'b'})`.execute(trx);
      await gate;
    });
    await new Promise((r) => setTimeout(r, 10));
    const reading = store.query<{ n: number }>('select count(*) as n from t', []);
    let readDone = false;
    void reading.then(() => (readDone = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(readDone).toBe(false);
    letCommit();
    await writing;
    expect((await reading)[0].n).toBe(2);
    await store.close();
  });
});
