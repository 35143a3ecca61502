/**
 * connect(): how a command reaches the operations. Without a daemon it builds the kernel in this
 * process and calls the AppRouter through `createCaller`, as the workspace owner; a command that
 * writes first takes the workspace lock. (When the daemon runs, the same calls go to it over tRPC.)
 */
import * as z from 'zod';
import { builtinModules, createCaller } from '../app.js';
import { ownerActor } from '../kernel/actor.js';
import { loadConfig, type LoadedConfig } from '../kernel/config.js';
import { RaosError } from '../kernel/errors.js';
import { Kernel } from '../kernel/kernel.js';
import { createStderrLogger, type Logger } from '../kernel/logger.js';
import { findWorkspace, workspacePaths, type WorkspaceSource } from '../kernel/workspace.js';
import { readDaemonState, readToken } from '../daemon/state.js';

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
  // A one-shot command parses each schema once or twice: compiling zod's fast paths (new Function)
  // costs more than it saves. Long-running hosts keep the default.
  z.config({ jitless: true });
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
}

export interface Connection {
  client: Client;
  workspace: ResolvedWorkspace;
  /** Where the calls go: the running daemon (its URL), or this process. */
  via: { daemon: string } | 'local';
  close(): Promise<void>;
}

export async function connect(options: ConnectOptions): Promise<Connection> {
  const workspace = resolveWorkspace(options);
  // When the workspace's daemon runs, it owns the databases: every call goes through it.
  const { dataDir } = workspacePaths(workspace.root, workspace.config);
  const daemon = readDaemonState(dataDir);
  if (daemon) {
    const token = readToken(dataDir);
    if (!token) {
      throw new RaosError('UNAUTHORIZED', `the daemon at ${daemon.url} runs, but its token file ${daemon.tokenFile} cannot be read`, {
        hint: 'Run raos as the user who started the daemon.',
      });
    }
    const { remoteClient } = await import('./remote.js');
    return { client: remoteClient({ url: daemon.url, token, timeoutMs: workspace.config.server.clientTimeoutMs }), workspace, via: { daemon: daemon.url }, close: async () => {} };
  }
  const log = options.log ?? createStderrLogger(workspace.config.log.level);
  const kernel = await Kernel.create({
    root: workspace.root,
    config: workspace.config,
    log,
    builtins: builtinModules,
    access: options.access,
    purpose: options.purpose,
    onLockWait: (holder) => {
      if (process.stderr.isTTY) {
        process.stderr.write(`waiting for the workspace lock held by ${holder ? `pid ${holder.pid} (${holder.purpose})` : 'another process'}…\n`);
      }
    },
  });
  const client = createCaller({ kernel, actor: ownerActor('cli') });
  return { client, workspace, via: 'local', close: () => kernel.close() };
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

