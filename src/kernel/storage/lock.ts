/**
 * One writer per workspace. A process that writes takes this lock first; others wait for it, for a
 * bounded time, then fail with LOCK_TIMEOUT naming the holder's pid.
 *
 * On Linux the lock is an abstract-namespace Unix socket bound to a name derived from the workspace's
 * data folder: the kernel releases it the moment its holder exits, even after `kill -9`, so there are
 * no stale locks to break. Elsewhere it is a lock file created with O_EXCL holding the pid; a file whose
 * pid is no longer alive is taken over. In both cases `raos.lock` in the data folder says who holds it.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { RaosError } from '../errors.js';

export interface LockHolder {
  pid: number;
  purpose: string;
  since: string;
}

export interface WorkspaceLock {
  readonly holder: LockHolder;
  release(): Promise<void>;
}

export interface AcquireLockOptions {
  /** The workspace data folder. */
  dir: string;
  /** Give up after this long. 0 means try once. */
  timeoutMs: number;
  /** Said to whoever waits for us: `raos memory set`, `raos daemon`. */
  purpose: string;
  /** `socket` (Linux default) or `file` (default elsewhere; tests force it). */
  method?: 'socket' | 'file';
  /** Called once when the lock is busy and we start waiting. */
  onWait?(holder: LockHolder | null): void;
}

export function lockInfoPath(dir: string): string {
  return join(dir, 'raos.lock');
}

export function readLockHolder(dir: string): LockHolder | null {
  try {
    const info = JSON.parse(readFileSync(lockInfoPath(dir), 'utf8')) as LockHolder;
    return typeof info.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function trySocket(name: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end(`${process.pid}\n`));
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    server.listen(name, () => {
      server.unref();
      resolve(server);
    });
  });
}

function tryFile(path: string, holder: LockHolder): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = 0;
      try {
        pid = (JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid;
      } catch {
        // Being written right now: treat as held.
        return false;
      }
      if (isAlive(pid)) return false;
      try {
        unlinkSync(path); // The holder died without releasing; take over.
      } catch {
        /* someone else took it over first */
      }
    }
  }
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquireLock(options: AcquireLockOptions): Promise<WorkspaceLock> {
  mkdirSync(options.dir, { recursive: true });
  const method = options.method ?? (process.platform === 'linux' ? 'socket' : 'file');
  const holder: LockHolder = { pid: process.pid, purpose: options.purpose, since: new Date().toISOString() };
  const infoPath = lockInfoPath(options.dir);
  const socketName = '\0raos-lock-' + createHash('sha256').update(realpathSync(options.dir)).digest('hex').slice(0, 32);
  const deadline = Date.now() + options.timeoutMs;
  let delay = 4;
  let waited = false;
  for (;;) {
    let server: Server | null = null;
    let acquired: boolean;
    if (method === 'socket') {
      server = await trySocket(socketName);
      acquired = server !== null;
      if (acquired) writeFileSync(infoPath, JSON.stringify(holder));
    } else {
      acquired = tryFile(infoPath, holder);
    }
    if (acquired) {
      let released = false;
      return {
        holder,
        async release() {
          if (released) return;
          released = true;
          if (server) {
            // Say nobody holds it before letting go, so the note is never wrong while we still hold it.
            try {
              if (readLockHolder(options.dir)?.pid === process.pid) unlinkSync(infoPath);
            } catch {
              /* already gone */
            }
            await new Promise<void>((r) => server!.close(() => r()));
          } else {
            const current = readLockHolder(options.dir);
            if (current?.pid === process.pid) unlinkSync(infoPath);
          }
        },
      };
    }
    if (!waited) {
      waited = true;
      options.onWait?.(readLockHolder(options.dir));
    }
    if (Date.now() >= deadline) {
      const current = readLockHolder(options.dir);
      const who = current ? `process ${current.pid} (${current.purpose}, since ${current.since})` : 'another process';
      throw new RaosError('LOCK_TIMEOUT', `the workspace is locked by ${who}; waited ${options.timeoutMs} ms`, {
        hint: 'Wait for that command to finish, or raise storage.lockTimeoutMs. If a daemon runs, commands should go through it.',
        details: { pid: current?.pid ?? null, dir: options.dir },
      });
    }
    await sleep(Math.min(delay + Math.random() * delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 50);
  }
}
