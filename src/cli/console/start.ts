/**
 * Wires the console screen to the real world: commands run as child `raos` processes, modules come
 * from connect() (the daemon when it runs, else this process, read-only), events from the daemon's
 * `/ws` stream, history from `<dataDir>/console_history`. Only `raos console` imports this file; the
 * screen itself (ink, which costs about 350 ms to load) is ui.ts.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { silentLogger } from '../../kernel/logger.js';
import { connect, parseOverrides } from '../connect.js';
import { importEsm } from '../../kernel/import-esm.js';
import type { ModuleRow, RunResult } from './app.js';
import { daemonFeed } from './feed.js';
import { historyFile, readHistory, writeHistory } from './history.js';

export interface StartConsoleOptions {
  /** The workspace root (absolute); every command runs with `--workspace` set to it. */
  root: string;
  /** The workspace's data folder (daemon.json, console_history). */
  dataDir: string;
  /** raos's version, for the banner. */
  version: string;
  /** The package root, where `bin/run.js` is. */
  packageRoot: string;
  /** Command ids as typed (`memory set`). */
  commands: string[];
  topics: string[];
  /** The console's own `-c key=value` flags, passed on to every command. */
  config?: string[];
}

/** Output kept per stream of one command; anything before is cut (the panel shows the end). */
const MAX_CAPTURE = 1024 * 1024;

/** The words plus `--workspace ROOT` and `-c` flags, placed before any `--` so they stay flags. */
export function commandArgv(words: readonly string[], options: { root: string; config?: readonly string[] }): string[] {
  const stop = words.indexOf('--');
  const head = stop === -1 ? [...words] : words.slice(0, stop);
  const tail = stop === -1 ? [] : words.slice(stop);
  const hasWorkspace = head.some((w) => w === '--workspace' || w === '-w' || w.startsWith('--workspace='));
  const extra = [...(hasWorkspace ? [] : ['--workspace', options.root]), ...(options.config ?? []).flatMap((c) => ['-c', c])];
  return [...head, ...extra, ...tail];
}

/** Runs `node bin/run.js WORDS...` and collects what it prints; aborting sends SIGINT, then SIGKILL. */
export function spawnCli(options: {
  packageRoot: string;
  root: string;
  config?: string[];
  /** The commands' environment. Default: this process's. */
  env?: NodeJS.ProcessEnv;
}) {
  const bin = join(options.packageRoot, 'bin', 'run.js');
  return (words: string[], signal: AbortSignal): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...commandArgv(words, options)], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
      const out = { stdout: '', stderr: '' };
      const collect = (name: 'stdout' | 'stderr') => (chunk: Buffer) => {
        out[name] = (out[name] + chunk.toString('utf8')).slice(-MAX_CAPTURE);
      };
      child.stdout.on('data', collect('stdout'));
      child.stderr.on('data', collect('stderr'));
      let killer: NodeJS.Timeout | undefined;
      const stop = () => {
        child.kill('SIGINT');
        killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      };
      signal.addEventListener('abort', stop, { once: true });
      child.on('error', reject);
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', stop);
        if (killer) clearTimeout(killer);
        if (signal.aborted) out.stderr += `${out.stderr && !out.stderr.endsWith('\n') ? '\n' : ''}stopped (${sig ?? 'SIGINT'})\n`;
        resolve({ code: code ?? 130, ...out });
      });
    });
}

/** module.list() through connect(): the daemon's modules when it runs, else loaded here read-only. */
export function moduleLister(options: { root: string; config?: string[] }) {
  return async (): Promise<ModuleRow[]> => {
    const connection = await connect({
      workspace: options.root,
      overrides: parseOverrides(options.config),
      access: 'read',
      purpose: 'raos console',
      log: silentLogger,
    });
    try {
      const { modules } = await connection.client.module.list();
      return modules.map((m) => ({ name: m.name, version: m.version, state: m.state, error: m.error }));
    } finally {
      await connection.close();
    }
  };
}

/** Shows the console until the user leaves it. Needs a TTY on stdin and stdout (the command checks). */
export async function startConsole(options: StartConsoleOptions): Promise<void> {
  const file = historyFile(options.dataDir);
  const props = {
    version: options.version,
    workspace: options.root,
    commands: options.commands,
    topics: options.topics,
    run: spawnCli({ packageRoot: options.packageRoot, root: options.root, config: options.config }),
    listModules: moduleLister({ root: options.root, config: options.config }),
    events: daemonFeed({ dataDir: options.dataDir }),
    history: readHistory(file),
    onHistory: (history: readonly string[]) => writeHistory(file, history),
  };
  // An ES module of its own (see ui.ts): dist/cli/console/ui.js beside the CLI bundle dist/cli.cjs, or
  // ui.ts beside this file in the sources.
  const screen = new URL(import.meta.url.endsWith('.cjs') ? './cli/console/ui.js' : './ui.js', import.meta.url);
  const { showConsole } = await importEsm<typeof import('./ui.js')>(screen.href);
  await showConsole(props);
}
