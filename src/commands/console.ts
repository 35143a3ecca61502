import { RaosCommand } from '../cli/base.js';
import { commandWords } from '../cli/console/text.js';
import { RaosError } from '../kernel/errors.js';
import { workspacePaths } from '../kernel/workspace.js';

export default class Console extends RaosCommand {
  static summary = 'Open the interactive console: modules, live events, and a command line for raos commands.';
  static description =
    'Shows a boot banner, the modules and their states, the live event feed of the running daemon, and a command line that runs any raos command (history with Up/Down, Tab completion; help, clear, exit). It needs an interactive terminal. See docs/console.md.';
  static examples = ['<%= config.bin %> console', '<%= config.bin %> console --workspace ~/my-world'];

  async run(): Promise<void> {
    const { flags } = await this.parse(Console);
    // isTTY is undefined, not false, on pipes: only `true` means a terminal.
    if (!(process.stdin.isTTY === true && process.stdout.isTTY === true)) {
      throw new RaosError('UNAVAILABLE', 'raos console needs an interactive terminal', {
        hint: 'Run single commands instead, e.g. raos memory list',
      });
    }
    const workspace = this.workspace(flags);
    const visible = this.config.commands.filter((c) => !c.hidden && c.id !== 'console');
    // ink and the console screen load only here: importing ink costs about 350 ms.
    const { startConsole } = await import('../cli/console/start.js');
    await startConsole({
      root: workspace.root,
      dataDir: workspacePaths(workspace.root, workspace.config).dataDir,
      version: this.config.version,
      packageRoot: this.config.root,
      commands: visible.map((c) => commandWords(c.id)),
      topics: this.config.topics.filter((t) => !t.hidden).map((t) => commandWords(t.name)),
      config: flags.config,
    });
  }
}
