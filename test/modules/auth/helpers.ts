import { Store } from '../../../src/kernel/storage/store.js';
import type { Logger } from '../../../src/kernel/logger.js';
import { migrations, type AuthTables } from '../../../src/modules/auth/migrations.js';
import { AuthService, type AuthOptions } from '../../../src/modules/auth/service.js';

/** Every log call, as `level msg {fields}` text, so tests can search it for secrets. */
export function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
  return logger;
}

export interface Harness {
  store: Store<AuthTables>;
  auth: AuthService;
  clock: { now: number };
  sleeps: number[];
  logs: string[];
}

/** An AuthService over an in-memory store (or the file at `path`), a settable clock, and a sleep that records and returns. */
export async function openAuth(options: Partial<AuthOptions> & { path?: string } = {}): Promise<Harness> {
  const { path, ...rest } = options;
  const store = await Store.open<AuthTables>({ name: 'auth', path: path ?? null, mode: 'write', migrations });
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const sleeps: number[] = [];
  const logs: string[] = [];
  const auth = new AuthService({
    store,
    now: () => clock.now,
    log: recordingLogger(logs),
    options: {
      sessionTtlMs: 12 * 3600_000,
      passwordIterations: 100_000,
      maxLoginAttempts: 3,
      lockTimeMs: 15 * 60_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...rest,
    },
  });
  return { store, auth, clock, sleeps, logs };
}
