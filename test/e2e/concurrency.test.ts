/**
 * Readers take no lock, so they race with writers that checkpoint (rename a new file into place and
 * delete the journal segments it covers). A reader must never miss an acknowledged write nor report
 * damage because of that race.
 */
import { execFile } from 'node:child_process';
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
    expect(existsSync('dist/commands'), 'dist/ is missing: run `npm run build` first').toBe(true);
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
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).value).toBe('still here');
    }
    const list = await raos(home, ['memory', 'list', '--json']);
    expect(JSON.parse(list.stdout).items).toHaveLength(13);
    const status = JSON.parse((await raos(home, ['db', 'status', '--json'])).stdout);
    expect(status.databases[0].status.checkpointLsn).toBeGreaterThan(0);
    expect((await raos(home, ['db', 'check'])).code).toBe(0);
  });
});
