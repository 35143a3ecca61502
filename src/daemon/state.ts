/**
 * Where a running daemon says it is: `<dataDir>/daemon.json` (pid, url, port, version, start time) and
 * `<dataDir>/daemon.token` (mode 0600). Both are written when the daemon is ready and removed when it
 * stops; a file whose pid is gone is stale and is removed by the next reader that notices.
 */
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../kernel/durable.js';
import { isAlive } from '../kernel/storage/lock.js';

export interface DaemonState {
  pid: number;
  url: string;
  host: string;
  port: number;
  version: string;
  startedAt: string;
  tokenFile: string;
}

export const stateFile = (dataDir: string) => join(dataDir, 'daemon.json');
export const tokenFile = (dataDir: string) => join(dataDir, 'daemon.token');


/** The running daemon of this data folder, or null (stale files are cleaned up on the way). */
export function readDaemonState(dataDir: string): DaemonState | null {
  let state: DaemonState;
  try {
    state = JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as DaemonState;
  } catch {
    return null;
  }
  if (typeof state.pid !== 'number' || !isAlive(state.pid)) {
    clearDaemonState(dataDir);
    return null;
  }
  return state;
}

export function readToken(dataDir: string): string | null {
  try {
    return readFileSync(tokenFile(dataDir), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

export function writeDaemonState(dataDir: string, state: DaemonState, token: string): void {
  writeFileAtomic(tokenFile(dataDir), token + '\n', { mode: 0o600 });
  chmodSync(tokenFile(dataDir), 0o600);
  writeFileAtomic(stateFile(dataDir), JSON.stringify(state, null, 2) + '\n');
}

export function clearDaemonState(dataDir: string): void {
  rmSync(stateFile(dataDir), { force: true });
  rmSync(tokenFile(dataDir), { force: true });
}
