import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, readLockHolder } from '../../../src/kernel/storage/lock.js';
import { useTempDirs } from '../../helpers.js';

const tempDir = useTempDirs();

for (const method of ['socket', 'file'] as const) {
  describe(`workspace lock (${method})`, () => {
    it('lets one holder in, makes the next wait, and names the holder on timeout', async () => {
      const dir = tempDir();
      const first = await acquireLock({ dir, timeoutMs: 0, purpose: 'raos memory set', method });
      const started = Date.now();
      await expect(acquireLock({ dir, timeoutMs: 150, purpose: 'second', method })).rejects.toMatchObject({
        code: 'LOCK_TIMEOUT',
        message: expect.stringContaining(`process ${process.pid} (raos memory set`),
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      await first.release();
      const second = await acquireLock({ dir, timeoutMs: 0, purpose: 'second', method });
      expect(readLockHolder(dir)?.purpose).toBe('second');
      await second.release();
    });

    it('hands the lock to a waiter as soon as it is released', async () => {
      const dir = tempDir();
      const first = await acquireLock({ dir, timeoutMs: 0, purpose: 'first', method });
      let waited = false;
      const pending = acquireLock({ dir, timeoutMs: 5000, purpose: 'waiter', method, onWait: () => (waited = true) });
      setTimeout(() => void first.release(), 50);
      const second = await pending;
      expect(waited).toBe(true);
      await second.release();
    });

    it('is free again after its holder is killed with SIGKILL', async () => {
      const dir = tempDir();
      const script = join(dir, 'hold.mjs');
      writeFileSync(
        script,
        `import { acquireLock } from ${JSON.stringify(new URL('../../../src/kernel/storage/lock.ts', import.meta.url).pathname)};\n` +
          `await acquireLock({ dir: ${JSON.stringify(dir)}, timeoutMs: 0, purpose: 'victim', method: ${JSON.stringify(method)} });\n` +
          `console.log('held'); setInterval(() => {}, 1000);\n`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
      });
      await expect(acquireLock({ dir, timeoutMs: 100, purpose: 'me', method })).rejects.toMatchObject({
        code: 'LOCK_TIMEOUT',
        details: { pid: child.pid },
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const lock = await acquireLock({ dir, timeoutMs: 2000, purpose: 'me', method });
      expect(readLockHolder(dir)?.pid).toBe(process.pid);
      await lock.release();
    });
  });
}
