import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { chatLines } from '../../../cli/game-output.js';

export default class GameChatHistory extends RaosCommand {
  static summary = "Print a room's newest messages, oldest first: [time] author: text.";
  static description = 'Times are UTC. A room keeps its last 200 messages.';
  static examples = ['<%= config.bin %> game chat history dungeon/lobby', '<%= config.bin %> game chat history dungeon/lobby --limit 10', '<%= config.bin %> game chat history r_0123456789ab --limit 200 --json'];
  static args = { room: Args.string({ description: 'The room: its id (r_…) or SCENE/ROOM.', required: true }) };
  static flags = { limit: Flags.integer({ char: 'n', summary: 'How many of the newest messages (1-200, default 50).' }) };

  async run() {
    const { args, flags } = await this.parse(GameChatHistory);
    const { client } = await this.connect(flags);
    const result = await client.game.chat.history({ room: args.room, limit: flags.limit });
    this.log(chatLines(result.messages));
    return result;
  }
}
