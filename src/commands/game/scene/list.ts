import { Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { sceneTable } from '../../../cli/game-output.js';

export default class GameSceneList extends RaosCommand {
  static summary = 'List scenes with their owner and entity count, by name.';
  static examples = ['<%= config.bin %> game scene list', '<%= config.bin %> game scene list --owner alice', '<%= config.bin %> game scene list --json'];
  static flags = { owner: Flags.string({ summary: 'Only the scenes of this user (name or id).' }) };

  async run() {
    const { flags } = await this.parse(GameSceneList);
    const { client } = await this.connect(flags);
    const scenes = await client.game.scene.list({ owner: flags.owner });
    this.log(sceneTable(scenes));
    return scenes;
  }
}
