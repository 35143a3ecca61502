import { existsSync, readFileSync, statSync, watch } from 'node:fs';
import { Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { logFile } from '../../daemon/logger.js';
import { workspacePaths } from '../../kernel/workspace.js';

interface Entry {
  time?: string;
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

function format(line: string): string {
  try {
    const { time, level, msg, pid: _pid, hostname: _h, ...rest } = JSON.parse(line) as Entry;
    const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
    return `${time ?? ''} ${(LEVELS[level ?? 30] ?? String(level)).padEnd(5)} ${msg ?? ''}${extra ? ' ' + extra : ''}`;
  } catch {
    return line;
  }
}

export default class DaemonLogs extends RaosCommand {
  static summary = "Print the daemon's log (structured JSON lines in data/logs/daemon.log).";
  static description = 'Shows the last lines, formatted for reading; --json prints them as an array of the logged objects; -f keeps printing new lines until interrupted.';
  static examples = ['<%= config.bin %> daemon logs', '<%= config.bin %> daemon logs -n 200 --json', '<%= config.bin %> daemon logs -f'];
  static flags = {
    lines: Flags.integer({ char: 'n', summary: 'How many of the last lines to show.', default: 50, min: 1 }),
    follow: Flags.boolean({ char: 'f', summary: 'Keep printing new lines as they are written (not with --json).' }),
  };

  async run() {
    const { flags } = await this.parse(DaemonLogs);
    const ws = this.workspace(flags);
    const file = logFile(workspacePaths(ws.root, ws.config).dataDir);
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-flags.lines) : [];
    if (this.jsonEnabled()) {
      return { file, entries: lines.map((l) => { try { return JSON.parse(l) as unknown; } catch { return { msg: l }; } }) };
    }
    if (lines.length === 0) this.logToStderr(`(no log yet at ${file})`);
    for (const line of lines) this.log(format(line));
    if (flags.follow) {
      let offset = existsSync(file) ? statSync(file).size : 0;
      await new Promise<void>(() => {
        const read = () => {
          if (!existsSync(file)) return;
          const size = statSync(file).size;
          if (size < offset) offset = 0;
          if (size === offset) return;
          const chunk = readFileSync(file).subarray(offset, size).toString('utf8');
          offset = size;
          for (const line of chunk.split('\n').filter(Boolean)) this.log(format(line));
        };
        setInterval(read, 250);
        try {
          watch(file, read);
        } catch {
          /* polling covers it */
        }
      });
    }
    return { file, entries: lines };
  }
}
