import { Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { stopDaemon } from '../../daemon/control.js';
import { workspacePaths } from '../../kernel/workspace.js';

export default class DaemonStop extends RaosCommand {
  static summary = 'Stop the daemon gracefully (SIGTERM), or by force after a timeout.';
  static description = 'The daemon stops accepting requests, tells WebSocket clients to reconnect, lets requests in flight finish and checkpoints every database before it exits. If it has not exited after --timeout seconds it is killed (SIGKILL); acknowledged writes are safe either way. Stopping when no daemon runs succeeds and says so.';
  static examples = ['<%= config.bin %> daemon stop', '<%= config.bin %> daemon stop --timeout 30 --json'];
  static flags = { timeout: Flags.integer({ summary: 'Seconds to wait before SIGKILL.', default: 10, min: 1 }) };

  async run() {
    const { flags } = await this.parse(DaemonStop);
    const ws = this.workspace(flags);
    const result = await stopDaemon(workspacePaths(ws.root, ws.config).dataDir, flags.timeout * 1000);
    if (!result.stopped) this.log('no daemon runs for this workspace');
    else this.log(`stopped the daemon (pid ${result.pid})${result.forced ? ' by force after the timeout' : ''}`);
    return result;
  }
}
