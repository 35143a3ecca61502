/**
 * connect(): how a command reaches the operations. Without a daemon it builds the kernel in this
 * process and calls the AppRouter's procedures through a caller (local-client.ts), as the
 * workspace owner; a command that writes first takes the workspace lock. (When the daemon runs,
 * the same calls go to it over tRPC.)
 */
import type { createCaller } from '../app.js';
import { builtinModules } from '../modules/builtins.js';
import { lazyCaller } from './local-client.js';
import { ownerActor } from '../kernel/actor.js';
import { loadConfig, type LoadedConfig } from '../kernel/config.js';
import { RaosError } from '../kernel/errors.js';
import { Kernel } from '../kernel/kernel.js';
import { createStderrLogger, type Logger } from '../kernel/logger.js';
import { findWorkspace, workspacePaths, type WorkspaceSource } from '../kernel/workspace.js';
import { readDaemonState, readToken } from '../daemon/state.js';
import type { UserTokens } from '../daemon/auth.js';

export type Client = ReturnType<typeof createCaller>;

export interface WorkspaceOptions {
  /** `--workspace DIR`. */
  workspace?: string;
  /** `-c key=value` flags. */
  overrides?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ResolvedWorkspace extends LoadedConfig {
  root: string;
  source: WorkspaceSource;
}

export function resolveWorkspace(options: WorkspaceOptions): ResolvedWorkspace {
  const env = options.env ?? process.env;
  const { root, source } = findWorkspace({ flag: options.workspace, env, cwd: options.cwd });
  return { root, source, ...loadConfig({ root, env, overrides: options.overrides }) };
}

export interface ConnectOptions extends WorkspaceOptions {
  /** `read` opens databases read-only; `write` takes the workspace lock. */
  access: 'read' | 'write';
  /** Shown to other processes that wait for our lock, e.g. `raos memory set`. */
  purpose: string;
  log?: Logger;
  /** `--as NAME`: the owner acts as that user, to see what they may do. */
  as?: string;
  /** Progress of long operations run in this process (a site build); the daemon does not stream it. */
  progress?: (done: number, total: number, phase: string) => void;
}

export interface Connection {
  client: Client;
  workspace: ResolvedWorkspace;
  /** Where the calls go: the running daemon (its URL), or this process. */
  via: { daemon: string } | 'local';
  close(): Promise<void>;
}

/**
 * Who the command acts as: the workspace owner (the local operator, explicitly), or the user of the
 * token in RAOS_TOKEN, or, with `--as NAME`, the owner acting as that user.
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const workspace = resolveWorkspace(options);
  const env = options.env ?? process.env;
  const userToken = env.RAOS_TOKEN || undefined;
  if (userToken && options.as) {
    throw new RaosError('INVALID_INPUT', '--as: the owner acts as another user; it cannot be combined with RAOS_TOKEN', {
      hint: 'Unset RAOS_TOKEN to act as the owner with --as, or drop --as to act as the token\'s user.',
    });
  }
  // When the workspace's daemon runs, it owns the databases: every call goes through it.
  const { dataDir } = workspacePaths(workspace.root, workspace.config);
  const daemon = readDaemonState(dataDir);
  if (daemon) {
    const token = userToken ?? readToken(dataDir);
    if (!token) {
      throw new RaosError('UNAUTHORIZED', `the daemon at ${daemon.url} runs, but its token file ${daemon.tokenFile} cannot be read`, {
        hint: 'Run raos as the user who started the daemon, or set RAOS_TOKEN to a token from `raos auth login`.',
      });
    }
    const { remoteClient } = await import('./remote.js');
    const client = remoteClient({ url: daemon.url, token, as: options.as, timeoutMs: workspace.config.server.clientTimeoutMs });
    return { client, workspace, via: { daemon: daemon.url }, close: async () => {} };
  }
  const log = options.log ?? createStderrLogger(workspace.config.log.level);
  // Anyone but the owner may be denied, and denials are audited: that needs the write lock.
  const actsForSomeone = Boolean(userToken || options.as);
  const kernel = await Kernel.create({
    root: workspace.root,
    config: workspace.config,
    log,
    builtins: builtinModules,
    access: actsForSomeone ? 'write' : options.access,
    purpose: options.purpose,
    onLockWait: (holder) => {
      if (process.stderr.isTTY) {
        process.stderr.write(`waiting for the workspace lock held by ${holder ? `pid ${holder.pid} (${holder.purpose})` : 'another process'}…\n`);
      }
    },
  });
  try {
    let actor = ownerActor('cli');
    if (actsForSomeone) {
      const auth = await kernel.service<UserTokens>('auth');
      if (options.as) actor = await auth.actorFor(options.as, 'cli');
      else {
        const verified = await auth.verifyToken(userToken!, 'cli');
        if (!verified) {
          throw new RaosError('UNAUTHORIZED', 'RAOS_TOKEN holds a token that is wrong, expired or revoked', {
            hint: 'Log in again with `raos auth login NAME`, or unset RAOS_TOKEN to act as the workspace owner.',
          });
        }
        actor = verified;
      }
    }
    const client = lazyCaller({ kernel, actor, progress: options.progress });
    return { client, workspace, via: 'local', close: () => kernel.close() };
  } catch (err) {
    await kernel.close();
    throw err;
  }
}

/** Parses repeated `-c key=value` flags. */
export function parseOverrides(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new RaosError('INVALID_INPUT', `--config: expected KEY=VALUE, got '${item}'`, {
        hint: 'For example: -c storage.lockTimeoutMs=500',
      });
    }
    out[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  return out;
}

