import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { sceneDetails } from '../../../cli/game-output.js';

export default class GameSceneShow extends RaosCommand {
  static summary = 'Show one scene: description, owner, metadata, entity count and chat rooms.';
  static examples = ['<%= config.bin %> game scene show dungeon', '<%= config.bin %> game scene show s_0123456789ab --json'];
  static args = { scene: Args.string({ description: 'The scene: its id (s_…) or name.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(GameSceneShow);
    const { client } = await this.connect(flags);
    const scene = await client.game.scene.show({ scene: args.scene });
    this.log(sceneDetails(scene));
    return scene;
  }
}
