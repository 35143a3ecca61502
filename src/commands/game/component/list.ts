import { RaosCommand } from '../../../cli/base.js';
import { table } from '../../../cli/output.js';

export default class GameComponentList extends RaosCommand {
  static summary = 'List the component types entities can have, with what each holds.';
  static description = 'With --json each type comes with the JSON Schema of its data, which every write is validated against.';
  static examples = ['<%= config.bin %> game component list', "<%= config.bin %> game component list --json | jq '.[] | select(.type == \"health\") | .schema'"];

  async run() {
    const { flags } = await this.parse(GameComponentList);
    const { client } = await this.connect(flags);
    const types = await client.game.component.list();
    this.log(table(types.map((t) => ({ type: t.type, description: t.description })), [
      { key: 'type', label: 'type' },
      { key: 'description', label: 'description' },
    ]));
    return types;
  }
}
