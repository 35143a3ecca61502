/**
 * `raos daemon start --foreground`: runs the daemon in this process until SIGTERM or SIGINT, then
 * shuts down gracefully and exits 0. Used directly in containers and under service managers, and by
 * `raos daemon start`, which spawns it detached.
 */
import type { RaosConfig } from '../kernel/config.js';
import { toRaosError } from '../kernel/errors.js';
import { workspacePaths } from '../kernel/workspace.js';
import { createDaemonLogger } from './logger.js';
import { startDaemon, type RunningDaemon } from './server.js';

export async function runForeground(options: { root: string; config: RaosConfig; version: string; print(line: string): void }): Promise<never> {
  const { dataDir } = workspacePaths(options.root, options.config);
  const { log, flush } = createDaemonLogger({ dataDir, level: options.config.log.level === 'warn' ? 'info' : options.config.log.level, stderr: false });
  let daemon: RunningDaemon;
  try {
    daemon = await startDaemon({ root: options.root, config: options.config, log, version: options.version });
  } catch (err) {
    const e = toRaosError(err);
    log.error('daemon failed to start', { code: e.code, error: e.message });
    flush();
    throw e;
  }
  options.print(`raos daemon listening on ${daemon.url} (pid ${process.pid})`);
  return new Promise<never>(() => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('signal received, shutting down', { signal });
      daemon.close().then(
        () => {
          flush();
          process.exit(0);
        },
        (err) => {
          log.error('shutdown failed', { error: String(err) });
          flush();
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
