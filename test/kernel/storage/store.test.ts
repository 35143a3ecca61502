import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Migration } from '../../../src/kernel/module.js';
import { listSegments, readSegment } from '../../../src/kernel/storage/journal.js';
import { Store } from '../../../src/kernel/storage/store.js';
import { useTempDirs } from '../../helpers.js';

const migrations: Migration[] = [
  {
    id: '0001_items',
    async up(db) {
      await db.schema
        .createTable('items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addColumn('blob', 'blob')
        .execute();
    },
  },
];

interface DB {
  items: { id: string; n: number; blob: Uint8Array | null };
}

const tempDir = useTempDirs();

async function openStore(path: string, mode: 'read' | 'write' = 'write', extra: object = {}) {
  return Store.open<DB>({ name: 'items', path, mode, migrations, ...extra });
}

async function count(store: Store<DB>) {
  const row = await store.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow();
  return Number(row.c);
}

describe('Store', () => {
  it('replays acknowledged writes from the journal when the process never closed the store', async () => {
    const path = join(tempDir(), 'items.db');
    const store = await openStore(path);
    for (let i = 0; i < 10; i++) {
      await store.write((trx) => trx.insertInto('items').values({ id: `k${i}`, n: i, blob: new Uint8Array([i, 255]) }).execute());
    }
    // No close: as after kill -9. The database file does not even exist yet.
    expect(existsSync(path)).toBe(false);
    const again = await openStore(path, 'read');
    expect(await count(again)).toBe(10);
    const row = await again.db.selectFrom('items').selectAll().where('id', '=', 'k3').executeTakeFirstOrThrow();
    expect(row.n).toBe(3);
    expect(Array.from(row.blob!)).toEqual([3, 255]);
    await again.close();
    await store.close();
  });

  it('rolls back a transaction that throws and journals nothing for it', async () => {
    const path = join(tempDir(), 'items.db');
    const store = await openStore(path);
    const before = store.status().lsn;
    await expect(
      store.write(async (trx) => {
        await trx.insertInto('items').values({ id: 'x', n: 1, blob: null }).execute();
        throw new Error('veto');
      }),
    ).rejects.toThrow('veto');
    expect(await count(store)).toBe(0);
    expect(store.status().lsn).toBe(before);
    await store.close({ checkpoint: 'never' });
    const again = await openStore(path, 'read');
    expect(await count(again)).toBe(0);
    await again.close();
  });

  it('shares fsyncs between concurrent commits (group commit)', async () => {
    const path = join(tempDir(), 'items.db');
    const store = await openStore(path);
    const syncsBefore = store.status().syncs;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.write((trx) => trx.insertInto('items').values({ id: `c${i}`, n: i, blob: null }).execute())),
    );
    const syncs = store.status().syncs - syncsBefore;
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThan(100);
    expect(await count(store)).toBe(200);
    await store.close();
  });

  it('checkpoints into the file, empties the journal, and reopens from the file alone', async () => {
    const path = join(tempDir(), 'items.db');
    const store = await openStore(path);
    await store.write((trx) => trx.insertInto('items').values({ id: 'a', n: 1, blob: null }).execute());
    await store.checkpoint();
    expect(existsSync(path)).toBe(true);
    expect(store.status().journal.records).toBe(0);
    await store.write((trx) => trx.insertInto('items').values({ id: 'b', n: 2, blob: null }).execute());
    await store.close({ checkpoint: 'never' });
    const again = await openStore(path, 'read');
    expect(await count(again)).toBe(2);
    expect(again.status().journal.records).toBe(1);
    await again.close();
  });

  it('replays nothing twice when a crash leaves covered segments beside a new checkpoint', async () => {
    const dir = tempDir();
    const path = join(dir, 'items.db');
    const store = await openStore(path);
    for (let i = 0; i < 5; i++) await store.write((trx) => trx.insertInto('items').values({ id: `k${i}`, n: i, blob: null }).execute());
    const saved = listSegments(path).map((s) => ({ path: s.path, bytes: readFileSync(s.path) }));
    await store.checkpoint();
    await store.close({ checkpoint: 'never' });
    // Put the covered segments back, as if the process died between the rename and the deletes.
    for (const s of saved) writeFileSync(s.path, s.bytes);
    const again = await openStore(path);
    expect(await count(again)).toBe(5);
    await again.write((trx) => trx.insertInto('items').values({ id: 'after', n: 9, blob: null }).execute());
    await again.close({ checkpoint: 'never' });
    const third = await openStore(path, 'read');
    expect(await count(third)).toBe(6);
    await third.close();
  });

  it('cuts a torn tail, keeps its bytes aside, and loses no acknowledged write', async () => {
    const dir = tempDir();
    const path = join(dir, 'items.db');
    const store = await openStore(path);
    for (let i = 0; i < 3; i++) await store.write((trx) => trx.insertInto('items').values({ id: `k${i}`, n: i, blob: null }).execute());
    await store.close({ checkpoint: 'never' });
    const segment = listSegments(path).at(-1)!.path;
    // Half a record: a length that promises more bytes than follow.
    const torn = Buffer.alloc(12);
    torn.writeUInt32LE(500, 0);
    appendFileSync(segment, torn);
    const again = await openStore(path, 'write', { now: () => 42 });
    expect(await count(again)).toBe(3);
    expect(existsSync(`${segment}.torn-42`)).toBe(true);
    expect(readSegment(segment).stopReason).toBeUndefined();
    await again.write((trx) => trx.insertInto('items').values({ id: 'k3', n: 3, blob: null }).execute());
    await again.close({ checkpoint: 'never' });
    const third = await openStore(path, 'read');
    expect(await count(third)).toBe(4);
    await third.close();
  });

  it('refuses a garbage database file with its path and leaves it unchanged', async () => {
    const dir = tempDir();
    const path = join(dir, 'items.db');
    const garbage = Buffer.from('this is not a database at all, just some text that is long enough');
    writeFileSync(path, garbage);
    await expect(openStore(path)).rejects.toMatchObject({ code: 'STORAGE_CORRUPT', message: expect.stringContaining(path) });
    expect(readFileSync(path).equals(garbage)).toBe(true);
    expect(readdirSync(dir)).toEqual(['items.db']);
  });

  it('reports damage in an older journal segment instead of skipping it', async () => {
    const dir = tempDir();
    const path = join(dir, 'items.db');
    const store = await openStore(path);
    await store.write((trx) => trx.insertInto('items').values({ id: 'a', n: 1, blob: null }).execute());
    await store.close({ checkpoint: 'never' });
    const first = listSegments(path)[0].path;
    copyFileSync(first, `${path}.journal-000002`);
    const bytes = readFileSync(first);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(first, bytes);
    await expect(openStore(path, 'read')).rejects.toMatchObject({ code: 'STORAGE_CORRUPT', message: expect.stringContaining(first) });
  });

  it('applies pending migrations in memory only when opened read-only', async () => {
    const path = join(tempDir(), 'items.db');
    const store = await openStore(path, 'read');
    expect(store.status().migrations.pending).toEqual(['0001_items']);
    expect(await count(store)).toBe(0);
    await expect(store.write((trx) => trx.insertInto('items').values({ id: 'a', n: 1, blob: null }).execute())).rejects.toThrow(/read-only/);
    await store.close();
    expect(listSegments(path)).toEqual([]);
    expect(existsSync(path)).toBe(false);
  });

  it('checkpoints in a worker thread while commits go on', async () => {
    const workerScript = resolve('dist/storage-worker.js');
    expect(existsSync(workerScript), 'dist/storage-worker.js is missing: run `npm run build` first').toBe(true);
    const path = join(tempDir(), 'items.db');
    const store = await openStore(path, 'write', { background: true, checkpointBytes: 4096, workerScript });
    const big = new Uint8Array(512).fill(7);
    for (let i = 0; i < 60; i++) {
      await store.write((trx) => trx.insertInto('items').values({ id: `k${i}`, n: i, blob: big }).execute());
    }
    await store.close({ checkpoint: 'never' });
    expect(store.status().lastCheckpointError).toBeNull();
    expect(store.status().checkpoints).toBeGreaterThan(0);
    expect(existsSync(path)).toBe(true);
    const again = await openStore(path, 'read');
    expect(await count(again)).toBe(60);
    expect(again.status().checkpointLsn).toBeGreaterThan(0);
    await again.close();
  });
});
