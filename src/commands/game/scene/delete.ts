import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { count } from '../../../cli/game-output.js';

export default class GameSceneDelete extends RaosCommand {
  static summary = 'Delete a scene with all its entities, chat rooms and messages.';
  static description = "Only the scene's owner may delete it, or a role with game.scene.delete (Moderator and above). Everything goes in one transaction; `raos game scene export` first keeps a copy.";
  static examples = ['<%= config.bin %> game scene delete dungeon', '<%= config.bin %> game scene export dungeon --out dungeon.json && <%= config.bin %> game scene delete dungeon'];
  static access = 'write' as const;
  static args = { scene: Args.string({ description: 'The scene: its id (s_…) or name.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(GameSceneDelete);
    const { client } = await this.connect(flags);
    const result = await client.game.scene.delete({ scene: args.scene });
    this.log(`deleted scene ${result.name} (${result.deleted}) with ${count(result.entities, 'entity', 'entities')} and ${count(result.chatRooms, 'chat room', 'chat rooms')}`);
    return result;
  }
}
