import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { entityTable, entityTree } from '../../../cli/game-output.js';

export default class GameEntityList extends RaosCommand {
  static summary = "List a scene's entities, parents before their children, with world positions.";
  static description = 'The table shows each entity with its parent, its world position (its ancestors\' transforms applied) and its component types; --tree indents each entity under its parent and shows local and world positions. --json gives every entity with its local and world transforms and its depth in the tree.';
  static examples = ['<%= config.bin %> game entity list dungeon', '<%= config.bin %> game entity list dungeon --tree', '<%= config.bin %> game entity list s_0123456789ab --json'];
  static args = { scene: Args.string({ description: 'The scene: its id (s_…) or name.', required: true }) };
  static flags = { tree: Flags.boolean({ char: 't', summary: 'Print the hierarchy as an indented tree.' }) };

  async run() {
    const { args, flags } = await this.parse(GameEntityList);
    const { client } = await this.connect(flags);
    const result = await client.game.entity.list({ scene: args.scene });
    this.log(flags.tree ? entityTree(result.entities) : entityTable(result.entities));
    return result;
  }
}
