/**
 * The daemon logs with pino, as JSON lines, to `<dataDir>/logs/daemon.log` (and to stderr when it runs
 * in the foreground). `raos daemon logs` reads that file.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { LogLevel, Logger } from '../kernel/logger.js';

export const logFile = (dataDir: string) => join(dataDir, 'logs', 'daemon.log');

function wrap(p: pino.Logger): Logger {
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (bindings) => wrap(p.child(bindings)),
  };
}

export function createDaemonLogger(options: { dataDir: string; level: LogLevel; stderr: boolean }): { log: Logger; flush(): void } {
  mkdirSync(join(options.dataDir, 'logs'), { recursive: true });
  const file = pino.destination({ dest: logFile(options.dataDir), sync: false, mkdir: true });
  const streams: pino.StreamEntry[] = [{ level: options.level === 'silent' ? 'fatal' : options.level, stream: file }];
  if (options.stderr) streams.push({ level: options.level === 'silent' ? 'fatal' : options.level, stream: process.stderr });
  const p = pino(
    { level: options.level === 'silent' ? 'silent' : 'debug', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream(streams),
  );
  return { log: wrap(p), flush: () => file.flushSync() };
}
