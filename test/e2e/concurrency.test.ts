/**
 * Readers take no lock, so they race with writers that checkpoint (rename a new file into place and
 * delete the journal segments it covers). A reader must never miss an acknowledged write nor report
 * damage because of that race.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve('bin/run.js');

async function raos(home: string, args: string[]) {
  try {
    const { stdout } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, RAOS_HOME: home, CI: 'true' } });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('readers racing checkpointing writers', () => {
  let home: string;
  beforeAll(async () => {
    expect(existsSync('dist/cli.cjs'), 'dist/ is missing: run `npm run build` first').toBe(true);
    home = mkdtempSync(join(tmpdir(), 'raos-e2e-race-'));
    expect((await raos(home, ['init', home])).code).toBe(0);
    // A tiny checkpoint threshold: nearly every writer checkpoints when it closes.
    expect((await raos(home, ['config', 'set', 'storage.checkpointBytes', '4096'])).code).toBe(0);
    expect((await raos(home, ['memory', 'set', 'anchor', '"still here"'])).code).toBe(0);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('never loses the anchor key and never reports false damage', async () => {
    const big = 'x'.repeat(3000);
    const writers = Array.from({ length: 12 }, (_, i) => raos(home, ['memory', 'set', `w${i}`, big]));
    const readers = Array.from({ length: 24 }, () => raos(home, ['memory', 'get', 'anchor', '--json']));
    const [w, r] = await Promise.all([Promise.all(writers), Promise.all(readers)]);
    for (const result of w) expect(result.code, result.stderr).toBe(0);
    for (const result of r) {
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(JSON.parse(result.stdout).value).toBe('still here');
    }
    const list = await raos(home, ['memory', 'list', '--json']);
    expect(JSON.parse(list.stdout).items).toHaveLength(13);
    const status = JSON.parse((await raos(home, ['db', 'status', '--json'])).stdout);
    expect(status.databases[0].status.checkpointLsn).toBeGreaterThan(0);
    expect((await raos(home, ['db', 'check'])).code).toBe(0);
  });

  it('a reader opening while another process checkpoints in a tight loop always sees every acknowledged write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raos-e2e-race-store-'));
    const path = join(dir, 'race.db');
    // The writer: creates the table, acknowledges `ready`, then commits and checkpoints as fast as it can,
    // so the file is replaced and segments deleted thousands of times while we read.
    const writer = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        const { Store, sql } = await import(${JSON.stringify(resolve('dist/index.js'))});
        const store = await Store.open({ name: 'race', path: ${JSON.stringify(path)}, mode: 'write' });
        await store.write((t) => sql\`create table kv (k text primary key, v text)\`.execute(t));
        await store.write((t) => sql\`insert into kv values ('anchor', 'still here')\`.execute(t));
        await store.checkpoint();
        process.stdout.write('ready\\n');
        for (let i = 0; ; i++) {
          await store.write((t) => sql\`insert or replace into kv values (\${'k' + (i % 50)}, \${String(i)})\`.execute(t));
          await store.checkpoint();
        }
        `,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((ok, fail) => {
        writer.stdout.once('data', () => ok());
        writer.once('exit', (code) => fail(new Error(`writer exited early with ${code}`)));
      });
      const { Store, sql } = await import(resolve('dist/index.js'));
      for (let i = 0; i < 150; i++) {
        const reader = await Store.open({ name: 'race', path, mode: 'read' });
        const rows = (await sql`select v from kv where k = 'anchor'`.execute(reader.db)).rows;
        expect(rows).toEqual([{ v: 'still here' }]);
        await reader.close();
      }
    } finally {
      writer.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
