import { RaosCommand } from '../../cli/base.js';
import { daemonStatus } from '../../daemon/control.js';
import { workspacePaths } from '../../kernel/workspace.js';

export default class DaemonStatus extends RaosCommand {
  static summary = 'Say whether the daemon runs, where, since when, and where its token is.';
  static description = 'Exits 0 either way; scripts read `running` from --json.';
  static examples = ['<%= config.bin %> daemon status', '<%= config.bin %> daemon status --json | jq -r .url'];

  async run() {
    const { flags } = await this.parse(DaemonStatus);
    const ws = this.workspace(flags);
    const status = await daemonStatus(workspacePaths(ws.root, ws.config).dataDir);
    if (!status.running) this.log('not running (start it with `raos daemon start`)');
    else {
      this.log(`running at ${status.url} (pid ${status.pid}, version ${status.version}, up ${Math.round((status.uptimeMs ?? 0) / 1000)} s)`);
      this.log(`owner token: ${status.tokenFile}`);
    }
    return status;
  }
}
