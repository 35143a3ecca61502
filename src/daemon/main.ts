/**
 * `raos daemon start --foreground` without the CLI framework: bin/run.js hands such a run straight
 * here, so the long-lived daemon process never loads oclif or the commands (it starts sooner and
 * holds less memory). Accepts the flags that command documents: --workspace/-w, --config/-c
 * (repeatable), --port/-p, --host, --json.
 */
import { parseArgs } from 'node:util';
import { parseOverrides, resolveWorkspace } from '../cli/connect.js';
import { reportError } from '../cli/output.js';
import { RaosError } from '../kernel/errors.js';
import { workspacePaths } from '../kernel/workspace.js';
import { runForeground } from './foreground.js';
import { readDaemonState } from './state.js';

export async function main(argv: string[], version: string): Promise<void> {
  const json = argv.includes('--json');
  try {
    const { values } = parseArgs({
      args: argv.filter((a) => a !== 'daemon' && a !== 'start'),
      options: {
        foreground: { type: 'boolean' },
        json: { type: 'boolean' },
        workspace: { type: 'string', short: 'w' },
        config: { type: 'string', short: 'c', multiple: true },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const overrides = parseOverrides(values.config);
    if (values.port !== undefined) {
      if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
        throw new RaosError('INVALID_INPUT', `port: expected an integer from 0 to 65535, got '${values.port}'`);
      }
      overrides['server.port'] = values.port;
    }
    if (values.host !== undefined) overrides['server.host'] = values.host;
    const ws = resolveWorkspace({ workspace: values.workspace, overrides });
    const running = readDaemonState(workspacePaths(ws.root, ws.config).dataDir);
    if (running) {
      const line = `raos daemon already runs at ${running.url} (pid ${running.pid})`;
      process.stdout.write(json ? JSON.stringify({ started: false, alreadyRunning: true, pid: running.pid, url: running.url, port: running.port, tokenFile: running.tokenFile }, null, 2) + '\n' : line + '\n');
      process.exit(0);
    }
    await runForeground({ root: ws.root, config: ws.config, version, print: (line) => process.stdout.write(line + '\n') });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    // parseArgs reports unknown or malformed flags as plain TypeErrors with ERR_PARSE_ARGS_* codes.
    const error = typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')
      ? new RaosError('INVALID_INPUT', e.message ?? 'bad arguments', { hint: 'Run raos daemon start --help to see its flags.' })
      : err;
    reportError(error, json);
    process.exit(process.exitCode ?? 1);
  }
}
