import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../cli/base.js';
import { initWorkspace } from '../kernel/workspace.js';

export default class Init extends RaosCommand {
  static summary = 'Make a workspace: raos.json, a data/ folder and a modules/ folder.';
  static description = `A workspace holds one RaOS installation: its configuration (raos.json), its databases (data/*.db with their journals) and its external modules (modules/<name>/). Commands find it by walking up from the current folder, like git, unless --workspace or RAOS_HOME says otherwise.

Running init in an existing workspace changes nothing.`;
  static examples = [
    { description: 'Make the current folder a workspace', command: '<%= config.bin %> init' },
    { description: 'Make a new folder a workspace and use it', command: '<%= config.bin %> init ./world && cd world && <%= config.bin %> memory set greeting hello' },
  ];
  static args = { dir: Args.string({ description: 'Folder to make the workspace in (created when missing). Default: the current folder.' }) };
  static flags = { force: Flags.boolean({ summary: 'Rewrite raos.json with the defaults even if it exists (data is kept).' }) };

  async run() {
    const { args, flags } = await this.parse(Init);
    const result = initWorkspace(args.dir ?? flags.workspace ?? '.', { force: flags.force });
    if (result.created) this.log(`Made a workspace in ${result.root}\nNext: cd into it and try \`raos memory set hello world\`.`);
    else this.log(`${result.root} is already a workspace (raos.json kept as it is).`);
    return result;
  }
}
