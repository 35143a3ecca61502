/**
 * Storage seen from outside: concurrent writers, crashes (SIGKILL) mid-write, damaged files, torn journal
 * tails, status/checkpoint/backup, and the single-writer lock. Every check goes through the built CLI; the
 * lock holder is a small script that imports the built package (dist/index.js exports acquireLock).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  baseEnv,
  BIN,
  cleanup,
  DIST_INDEX,
  memoryMap,
  show,
  sleep,
  spawnRaos,
  tempDir,
  workspace,
  type Workspace,
} from './helpers.js';

beforeAll(() => assertBuilt());

/** Process groups started detached by these tests; killed in afterAll if a test failed half-way. */
const groups: number[] = [];
afterAll(() => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  cleanup();
});

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

const journalFiles = (ws: Workspace) =>
  readdirSync(ws.dataDir)
    .filter((f) => /^memory\.db\.journal-\d+$/.test(f))
    .sort();

describe('concurrent writers', () => {
  it('20 `memory set` processes started at once all succeed and every value is stored', async () => {
    const ws = await workspace();
    const n = 20;
    const runs = await Promise.all(Array.from({ length: n }, (_, i) => ws.raos(['memory', 'set', `k${i}`, `v${i}`, '--json'])));
    runs.forEach((r, i) => expect(r.code, show(['memory', 'set', `k${i}`, `v${i}`], r)).toBe(0));
    const created = runs.map((r) => r.json().created);
    expect(created.every((c) => c === true)).toBe(true);
    const stored = await memoryMap(ws);
    const expected = Object.fromEntries(Array.from({ length: n }, (_, i) => [`default/global/k${i}`, `v${i}`]));
    expect(stored).toEqual(expected);
    expect((await ws.raos(['db', 'check'])).code).toBe(0);
  });
});

describe('crashes (SIGKILL)', () => {
  it('kill -9 of a writer loop: every acknowledged write survives and db check passes', async () => {
    const ws = await workspace();
    const dir = tempDir();
    const driver = path.join(dir, 'driver.mjs');
    // Runs `raos memory set k<i> <i>` one after another and prints ACK i (synchronously) after each exit 0.
    writeFileSync(
      driver,
      `import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
const [bin] = process.argv.slice(2);
for (let i = 1; ; i++) {
  writeSync(1, 'START ' + i + '\\n');
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'memory', 'set', 'k' + i, String(i), '--json'], { stdio: 'ignore' });
    child.on('exit', (c) => resolve(c));
  });
  if (code !== 0) { writeSync(1, 'FAIL ' + i + ' ' + code + '\\n'); process.exit(1); }
  writeSync(1, 'ACK ' + i + '\\n');
}
`,
    );
    const child = spawn(process.execPath, [driver, BIN], {
      env: baseEnv({ RAOS_HOME: ws.root }),
      detached: true, // its own process group: the driver and its current CLI child die together
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    groups.push(child.pid!);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const ackCount = () => (out.match(/^ACK \d+$/gm) ?? []).length;
    // Kill once a few writes are acknowledged (and at least ~2 s in), mid-way through the next one.
    const started = Date.now();
    while ((Date.now() - started < 2000 || ackCount() < 3) && Date.now() - started < 60_000 && child.exitCode === null) await sleep(50);
    await sleep(Math.floor(Math.random() * 150));
    process.kill(-child.pid!, 'SIGKILL');
    await exited(child);
    await sleep(100); // let the kernel reap the group (and release the lock socket)

    expect(out, 'the driver reported a failed write').not.toMatch(/FAIL/);
    const acked = (out.match(/^ACK (\d+)$/gm) ?? []).map((l) => Number(l.split(' ')[1]));
    expect(acked.length, `driver output:\n${out}`).toBeGreaterThanOrEqual(3);

    const stored = await memoryMap(ws);
    for (const i of acked) expect(stored[`default/global/k${i}`], `acknowledged k${i} is missing after kill -9`).toBe(i);
    // The write in flight may or may not have landed, but nothing else may appear, and values are right.
    const last = Math.max(...acked);
    for (const [k, v] of Object.entries(stored)) {
      const i = Number(k.replace('default/global/k', ''));
      expect(i).toBeLessThanOrEqual(last + 1);
      expect(v).toBe(i);
    }
    // memory get of the newest acknowledged key, one by one as a user would.
    const got = await ws.raos(['memory', 'get', `k${last}`, '--json']);
    expect(got.code, show(['memory', 'get', `k${last}`], got)).toBe(0);
    expect(got.json().value).toBe(last);

    const check = await ws.raos(['db', 'check', '--json']);
    expect(check.code, show(['db', 'check'], check)).toBe(0);
    expect(check.json().ok).toBe(true);
    // And the workspace takes writes again.
    await ws.ok(['memory', 'set', 'after-crash', '1']);
    expect((await ws.ok(['memory', 'get', `k${acked[0]}`])).value).toBe(acked[0]);
  });

  it('kill -9 of single `memory set` processes at random moments leaves a sound, writable workspace', async () => {
    const ws = await workspace();
    await ws.ok(['memory', 'set', 'before', 'kept']);
    const completed: number[] = [];
    for (let i = 0; i < 15; i++) {
      const child = spawnRaos(['memory', 'set', `r${i}`, String(i), '--json'], { env: { RAOS_HOME: ws.root } });
      child.stdin!.end();
      // A CLI run takes ~300 ms; spread the kills over start-up, the locked write and the close.
      await sleep(Math.floor(Math.random() * 400));
      const done = child.exitCode !== null;
      if (!done) child.kill('SIGKILL');
      const { code } = await exited(child);
      if (done) expect(code, `memory set r${i} exited on its own with ${code}`).toBe(0);
      if (code === 0) completed.push(i);
    }
    const check = await ws.raos(['db', 'check', '--json']);
    expect(check.code, show(['db', 'check'], check)).toBe(0);
    const stored = await memoryMap(ws);
    expect(stored['default/global/before']).toBe('kept');
    for (const i of completed) expect(stored[`default/global/r${i}`], `r${i} exited 0 but is missing`).toBe(i);
    for (const [k, v] of Object.entries(stored)) if (k.startsWith('default/global/r')) expect(v).toBe(Number(k.slice('default/global/r'.length)));
    await ws.ok(['memory', 'set', 'after', 'ok']);
    expect((await ws.ok(['memory', 'get', 'after'])).value).toBe('ok');
    expect((await ws.raos(['db', 'check'])).code).toBe(0);
  });
});

describe('damaged files', () => {
  it('a garbage memory.db: reads and writes fail with STORAGE_CORRUPT (exit 13) naming it, and it is never touched', async () => {
    const ws = await workspace();
    await ws.ok(['memory', 'set', 'x', '1']);
    const file = path.join(ws.dataDir, 'memory.db');
    const garbage = randomBytes(5000);
    writeFileSync(file, garbage);
    const unchanged = () => expect(readFileSync(file).equals(garbage), 'memory.db was modified').toBe(true);

    const get = await ws.raos(['memory', 'get', 'x', '--json']);
    expect(get.json().error.code, show(['memory', 'get', 'x'], get)).toBe('STORAGE_CORRUPT');
    expect(get.code).toBe(13);
    expect(get.json().error.message).toContain(file);
    unchanged();

    const set = await ws.raos(['memory', 'set', 'y', '2', '--json']);
    expect(set.code, show(['memory', 'set', 'y', '2'], set)).not.toBe(0);
    expect(set.json().error.code).toBe('STORAGE_CORRUPT');
    expect(set.code).toBe(13);
    unchanged();

    const check = await ws.raos(['db', 'check', '--json']);
    expect(check.code, show(['db', 'check'], check)).toBe(13);
    expect(check.json().error.code).toBe('STORAGE_CORRUPT');
    expect(check.json().error.message).toContain(file);
    const human = await ws.raos(['db', 'check']);
    expect(human.code).toBe(13);
    expect(human.stderr).toContain(file);
    unchanged();
  });

  it('a text file as memory.db is STORAGE_CORRUPT too, and db status reports it without failing', async () => {
    const ws = await workspace();
    const file = path.join(ws.dataDir, 'memory.db');
    writeFileSync(file, 'this is not a database, just some text\n'.repeat(50));
    const before = readFileSync(file);
    const get = await ws.raos(['memory', 'get', 'x', '--json']);
    expect(get.json().error.code, show(['memory', 'get', 'x'], get)).toBe('STORAGE_CORRUPT');
    expect(get.code).toBe(13);
    const status = await ws.raos(['db', 'status', '--json']);
    expect(status.code, show(['db', 'status'], status)).toBe(0);
    const memory = status.json().databases.find((d: { module: string }) => d.module === 'memory');
    expect(memory).toMatchObject({ ok: false, errorCode: 'STORAGE_CORRUPT', path: file });
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('a torn journal tail (garbage appended to the newest segment) is cut off: reads and writes work, earlier keys stay', async () => {
    const ws = await workspace();
    for (let i = 0; i < 5; i++) await ws.ok(['memory', 'set', `t${i}`, `{"n":${i}}`]);
    const segments = journalFiles(ws);
    expect(segments.length).toBeGreaterThan(0);
    appendFileSync(path.join(ws.dataDir, segments.at(-1)!), Buffer.from([0x07, 0x00, 0x00, 0x00, 0x67, 0x61, 0x72, 0x62]));

    const expected = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`default/global/t${i}`, { n: i }]));
    expect(await memoryMap(ws)).toEqual(expected); // a read-only open replays up to the tear
    expect((await ws.ok(['memory', 'get', 't4'])).value).toEqual({ n: 4 });
    await ws.ok(['memory', 'set', 't5', '{"n":5}']); // a writer repairs the tail and appends after it
    expect(await memoryMap(ws)).toEqual({ ...expected, 'default/global/t5': { n: 5 } });
    const check = await ws.raos(['db', 'check', '--json']);
    expect(check.code, show(['db', 'check'], check)).toBe(0);
    // The cut-off bytes are kept beside the segment, not destroyed.
    expect(readdirSync(ws.dataDir).some((f) => /\.torn-\d+$/.test(f))).toBe(true);
  });

  it('a damaged record in an older journal segment is STORAGE_CORRUPT naming the segment', async () => {
    const ws = await workspace();
    await ws.ok(['memory', 'set', 'a', '1']);
    await ws.ok(['db', 'checkpoint']); // rotates to a new segment
    await ws.ok(['memory', 'set', 'b', '2']);
    // Make a second segment after the current one, so the current one is no longer the newest.
    const segments = journalFiles(ws);
    const newest = segments.at(-1)!;
    const seq = Number(newest.split('-').at(-1));
    writeFileSync(path.join(ws.dataDir, `memory.db.journal-${String(seq + 1).padStart(6, '0')}`), 'RAOSJNL1');
    appendFileSync(path.join(ws.dataDir, newest), Buffer.from('garbage!'));
    const get = await ws.raos(['memory', 'get', 'a', '--json']);
    expect(get.json().error.code, show(['memory', 'get', 'a'], get)).toBe('STORAGE_CORRUPT');
    expect(get.code).toBe(13);
    expect(get.json().error.message).toContain(newest);
    const check = await ws.raos(['db', 'check', '--json']);
    expect(check.code).toBe(13);
    expect(check.json().error.message).toContain(newest);
  });
});

describe('db status, checkpoint and backup', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace();
    await Promise.all([
      ws.ok(['memory', 'set', 'alpha', '1']),
      ws.ok(['memory', 'set', 'beta', '{"b":[1,2]}']),
      ws.ok(['memory', 'set', 'gamma', 'text value', '--namespace', 'other', '--scope', 'user:7']),
    ]);
  });

  it('db status lists memory with its journal; checkpoint folds the journal into the file', async () => {
    const status = await ws.ok(['db', 'status']);
    expect(status.dataDir).toBe(ws.dataDir);
    const memory = status.databases.find((d: { module: string }) => d.module === 'memory');
    expect(memory, JSON.stringify(status)).toBeTruthy();
    expect(memory.ok).toBe(true);
    expect(memory.path).toBe(path.join(ws.dataDir, 'memory.db'));
    expect(memory.status.journal.records).toBeGreaterThanOrEqual(3);
    expect(memory.status.journal.bytes).toBeGreaterThan(8);
    expect(memory.status.lsn).toBeGreaterThanOrEqual(memory.status.journal.records);

    const human = await ws.raos(['db', 'status']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/memory/);

    const cp = await ws.ok(['db', 'checkpoint']);
    const cpMemory = cp.databases.find((d: { module: string }) => d.module === 'memory');
    expect(cpMemory.bytes).toBeGreaterThan(0);

    const after = (await ws.ok(['db', 'status'])).databases.find((d: { module: string }) => d.module === 'memory');
    expect(after.status.journal.records).toBe(0);
    expect(after.status.fileBytes).toBeGreaterThan(0);
    expect(after.status.fileBytes).toBe(statSync(path.join(ws.dataDir, 'memory.db')).size);
    expect(after.status.checkpointLsn).toBe(after.status.lsn);
    // Values are all still there, read from the file now.
    expect(await memoryMap(ws)).toEqual({
      'default/global/alpha': 1,
      'default/global/beta': { b: [1, 2] },
      'other/user:7/gamma': 'text value',
    });
  });

  it('db backup writes every database (memory.db, auth.db, audit.db, game.db, cms.db) and a manifest whose sha256 matches; the copy is a working database', async () => {
    await ws.ok(['memory', 'set', 'delta', 'after-checkpoint']); // lives only in the journal so far
    const dir = path.join(tempDir(), 'backup');
    const result = await ws.ok(['db', 'backup', dir]);
    expect(result.dir).toBe(dir);
    // Every module database: the audit trail and users too.
    expect(readdirSync(dir).sort()).toEqual(['audit.db', 'auth.db', 'cms.db', 'game.db', 'manifest.json', 'memory.db']);
    const audit = await ws.ok<{ entries: { action: string; outcome: string; target: string }[] }>(['audit', 'list', '--action', 'db.backup']);
    expect(audit.entries[0]).toMatchObject({ action: 'db.backup', outcome: 'ok', target: dir });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const entry = manifest.files.find((f: { module: string }) => f.module === 'memory');
    expect(entry.file).toBe('memory.db');
    const bytes = readFileSync(path.join(dir, 'memory.db'));
    expect(entry.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(entry.bytes).toBe(bytes.length);
    expect(bytes.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');

    // Restore into a fresh workspace: copy the file into data/ and read.
    const restored = await workspace();
    copyFileSync(path.join(dir, 'memory.db'), path.join(restored.dataDir, 'memory.db'));
    expect((await restored.ok(['memory', 'get', 'beta'])).value).toEqual({ b: [1, 2] });
    expect((await restored.ok(['memory', 'get', 'delta'])).value).toBe('after-checkpoint');
    expect((await restored.ok(['memory', 'get', 'gamma', '--namespace', 'other', '--scope', 'user:7'])).value).toBe('text value');
    expect(Object.keys(await memoryMap(restored)).length).toBe(4);
    // It takes writes and passes the check.
    await restored.ok(['memory', 'set', 'epsilon', '5']);
    expect((await restored.raos(['db', 'check'])).code).toBe(0);

    // A second backup into the same folder needs --force.
    const again = await ws.raos(['db', 'backup', dir, '--json']);
    expect(again.code, show(['db', 'backup', dir], again)).toBe(4);
    expect(again.json().error.code).toBe('CONFLICT');
    expect(readFileSync(path.join(dir, 'memory.db')).equals(bytes)).toBe(true);
    await ws.ok(['db', 'backup', dir, '--force']);
  });
});

describe('the workspace lock', () => {
  it('a writer waits at most storage.lockTimeoutMs, then fails with LOCK_TIMEOUT (exit 12) naming the holder pid', async () => {
    const ws = await workspace();
    await ws.ok(['memory', 'set', 'seed', '1']);
    const dir = tempDir();
    const holderScript = path.join(dir, 'hold-lock.mjs');
    writeFileSync(
      holderScript,
      `import { acquireLock } from ${JSON.stringify(pathToFileURL(DIST_INDEX).href)};
const lock = await acquireLock({ dir: process.argv[2], timeoutMs: 10000, purpose: 'e2e lock holder' });
process.stdout.write('LOCKED ' + process.pid + '\\n');
const keepAlive = setInterval(() => {}, 1000);
process.stdin.on('data', () => {});
process.stdin.on('end', async () => { await lock.release(); clearInterval(keepAlive); process.stdout.write('RELEASED\\n'); });
`,
    );
    expect(existsSync(DIST_INDEX)).toBe(true);
    const holder = spawn(process.execPath, [holderScript, ws.dataDir], { env: baseEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    holder.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    holder.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    try {
      const t0 = Date.now();
      while (!out.includes('LOCKED') && holder.exitCode === null && Date.now() - t0 < 30_000) await sleep(20);
      expect(out, `lock holder failed: ${err}`).toContain(`LOCKED ${holder.pid}`);

      const started = Date.now();
      const blocked = await ws.raos(['memory', 'set', 'blocked', '1', '-c', 'storage.lockTimeoutMs=300', '--json']);
      const elapsed = Date.now() - started;
      expect(blocked.code, show(['memory', 'set', 'blocked', '1'], blocked)).toBe(12);
      const error = blocked.json().error;
      expect(error.code).toBe('LOCK_TIMEOUT');
      expect(error.message).toContain(String(holder.pid));
      expect(error.message).toContain('e2e lock holder');
      expect(elapsed).toBeGreaterThanOrEqual(300);

      // Readers are not blocked by the writer lock.
      expect((await ws.ok(['memory', 'get', 'seed'])).value).toBe(1);

      // Once released, the same write succeeds.
      holder.stdin!.end();
      while (!out.includes('RELEASED') && holder.exitCode === null) await sleep(20);
      await ws.ok(['memory', 'set', 'blocked', '1', '-c', 'storage.lockTimeoutMs=300']);
      expect((await ws.ok(['memory', 'get', 'blocked'])).value).toBe(1);
      const map = await memoryMap(ws);
      expect(Object.keys(map).sort()).toEqual(['default/global/blocked', 'default/global/seed']);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
