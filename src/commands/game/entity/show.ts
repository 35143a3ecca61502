import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { entityDetails } from '../../../cli/game-output.js';

export default class GameEntityShow extends RaosCommand {
  static summary = 'Show one entity: local and world transform, components, children and version.';
  static examples = ['<%= config.bin %> game entity show e_0123456789ab', '<%= config.bin %> game entity show e_0123456789ab --json'];
  static args = { id: Args.string({ description: 'The entity id (e_…).', required: true }) };

  async run() {
    const { args, flags } = await this.parse(GameEntityShow);
    const { client } = await this.connect(flags);
    const entity = await client.game.entity.show({ id: args.id });
    this.log(entityDetails(entity));
    return entity;
  }
}
