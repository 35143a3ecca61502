import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { roomTable } from '../../../cli/game-output.js';

export default class GameChatList extends RaosCommand {
  static summary = "List a scene's chat rooms.";
  static examples = ['<%= config.bin %> game chat list dungeon', '<%= config.bin %> game chat list s_0123456789ab --json'];
  static args = { scene: Args.string({ description: 'The scene: its id (s_…) or name.', required: true }) };

  async run() {
    const { args, flags } = await this.parse(GameChatList);
    const { client } = await this.connect(flags);
    const rooms = await client.game.chat.list({ scene: args.scene });
    this.log(roomTable(rooms));
    return rooms;
  }
}
