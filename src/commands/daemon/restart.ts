import { Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { daemonOverrides, startInBackground, stopDaemon } from '../../daemon/control.js';
import { workspacePaths } from '../../kernel/workspace.js';

export default class DaemonRestart extends RaosCommand {
  static summary = 'Stop the daemon (if it runs) and start it again.';
  static examples = ['<%= config.bin %> daemon restart', '<%= config.bin %> daemon restart --port 8080'];
  static flags = {
    port: Flags.integer({ char: 'p', summary: 'Port for the new daemon (default: server.port).', min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Interface for the new daemon (default 127.0.0.1).' }),
    timeout: Flags.integer({ summary: 'Seconds to wait for the old daemon before SIGKILL.', default: 10, min: 1 }),
  };

  async run() {
    const { flags } = await this.parse(DaemonRestart);
    const overrides = daemonOverrides(flags);
    const ws = this.workspace({ ...flags, config: overrides });
    const { dataDir } = workspacePaths(ws.root, ws.config);
    const stopped = await stopDaemon(dataDir, flags.timeout * 1000);
    const state = await startInBackground({ cliRoot: this.config.root, root: ws.root, dataDir, overrides });
    this.log(`raos daemon ${stopped.stopped ? 're' : ''}started at ${state.url} (pid ${state.pid})`);
    return { stopped: stopped.stopped, previousPid: stopped.pid, pid: state.pid, url: state.url, port: state.port, tokenFile: state.tokenFile };
  }
}
