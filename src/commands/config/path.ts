import { RaosCommand } from '../../cli/base.js';
import { workspacePaths } from '../../kernel/workspace.js';

export default class ConfigPath extends RaosCommand {
  static summary = 'Show which workspace is in use, how it was found, and its files and folders.';
  static examples = ['<%= config.bin %> config path', 'RAOS_HOME=/srv/world <%= config.bin %> config path --json'];

  async run() {
    const { flags } = await this.parse(ConfigPath);
    const ws = this.workspace(flags);
    const paths = workspacePaths(ws.root, ws.config);
    const result = { root: ws.root, foundBy: ws.source, environment: ws.config.environment, configFiles: ws.files, dataDir: paths.dataDir, modulesDir: paths.modulesDir };
    this.log(`workspace    ${result.root}  (found by ${result.foundBy})`);
    this.log(`environment  ${result.environment}`);
    this.log(`config       ${result.configFiles.join(', ') || '(none)'}`);
    this.log(`data         ${result.dataDir}`);
    this.log(`modules      ${result.modulesDir}`);
    return result;
  }
}
