import { Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { daemonOverrides, startInBackground } from '../../daemon/control.js';
import { readDaemonState } from '../../daemon/state.js';
import { workspacePaths } from '../../kernel/workspace.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export default class DaemonStart extends RaosCommand {
  static summary = 'Start the daemon: one host serving tRPC, REST, the /ws event stream and metrics for this workspace.';
  static description = `Spawns the daemon in the background, waits until it answers /healthz, prints its URL and exits. While it runs, every raos command of this workspace goes through it (same output, same errors). It listens on loopback unless --host says otherwise; every request needs the owner token from the file \`raos daemon status\` names.

With --foreground it runs in this process until SIGTERM or Ctrl-C (for containers and service managers). Starting it when it already runs prints where it runs and exits 0.`;
  static examples = [
    '<%= config.bin %> daemon start',
    '<%= config.bin %> daemon start --port 8080 --json',
    '<%= config.bin %> daemon start --foreground   # in a container',
  ];
  static flags = {
    port: Flags.integer({ char: 'p', summary: 'Port to listen on (default: server.port, RAOS_PORT or RACORE_PORT; 7077).', min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Interface to listen on (default 127.0.0.1). Anything but loopback exposes the daemon to the network.' }),
    foreground: Flags.boolean({ summary: 'Run in this process instead of in the background.' }),
  };

  async run() {
    const { flags } = await this.parse(DaemonStart);
    const overrides = daemonOverrides(flags);
    const ws = this.workspace({ ...flags, config: overrides });
    const { dataDir } = workspacePaths(ws.root, ws.config);
    if (!LOOPBACK.has(ws.config.server.host)) {
      this.logToStderr(`warning: listening on ${ws.config.server.host} exposes the daemon beyond this machine; keep the token file private.`);
    }
    const running = readDaemonState(dataDir);
    if (running) {
      this.log(`raos daemon already runs at ${running.url} (pid ${running.pid})`);
      return { started: false, alreadyRunning: true, pid: running.pid, url: running.url, port: running.port, tokenFile: running.tokenFile };
    }
    if (flags.foreground) {
      const { runForeground } = await import('../../daemon/foreground.js');
      return runForeground({ root: ws.root, config: ws.config, version: this.config.version, print: (line) => this.log(line) });
    }
    const state = await startInBackground({ cliRoot: this.config.root, root: ws.root, dataDir, overrides });
    this.log(`raos daemon started at ${state.url} (pid ${state.pid})`);
    return { started: true, alreadyRunning: false, pid: state.pid, url: state.url, port: state.port, tokenFile: state.tokenFile };
  }
}
