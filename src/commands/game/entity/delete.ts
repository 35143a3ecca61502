import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { count } from '../../../cli/game-output.js';

export default class GameEntityDelete extends RaosCommand {
  static summary = 'Delete an entity and everything under it.';
  static examples = ['<%= config.bin %> game entity delete e_0123456789ab', '<%= config.bin %> game entity delete e_0123456789ab --json'];
  static access = 'write' as const;
  static args = { id: Args.string({ description: 'The entity id (e_…).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(GameEntityDelete);
    const { client } = await this.connect(flags);
    const result = await client.game.entity.delete({ id: args.id });
    const below = result.deleted.length - 1;
    this.log(`deleted ${count(result.deleted.length, 'entity', 'entities')}: ${args.id}${below > 0 ? ` and ${below} below it` : ''}`);
    return result;
  }
}
