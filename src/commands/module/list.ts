import { RaosCommand } from '../../cli/base.js';
import { table } from '../../cli/output.js';

export default class ModuleList extends RaosCommand {
  static summary = 'List every module (built-in and external) with its version, state and dependencies.';
  static description = 'External modules are folders in <workspace>/modules/ (see docs/modules.md). A module that fails to load or initialise is shown as failed with the reason; the others keep working.';
  static examples = ['<%= config.bin %> module list', '<%= config.bin %> module list --json'];
  static access = 'write' as const;

  async run() {
    const { flags } = await this.parse(ModuleList);
    const { client } = await this.connect(flags);
    const result = await client.module.list();
    this.log(
      table(
        result.modules.map((m) => ({
          name: m.name,
          version: m.version,
          kind: m.kind,
          state: m.state,
          deps: m.dependsOn.join(', '),
          note: m.error ?? m.description ?? '',
        })),
        [
          { key: 'name', label: 'name' },
          { key: 'version', label: 'version' },
          { key: 'kind', label: 'kind' },
          { key: 'state', label: 'state' },
          { key: 'deps', label: 'depends on' },
          { key: 'note', label: 'description / error', max: 100 },
        ],
      ),
    );
    return result;
  }
}
