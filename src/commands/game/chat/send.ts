import { Args } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { readStdinText } from '../../../cli/game-output.js';

export default class GameChatSend extends RaosCommand {
  static summary = 'Send a message to a chat room.';
  static description = 'Messages are 1-500 characters of text (newlines and tabs allowed), trimmed. The room keeps its last 200 messages; older ones are deleted as new ones arrive. Players connected over /ws receive the message live.';
  static examples = [
    "<%= config.bin %> game chat send dungeon/lobby 'Anyone up for the dragon?'",
    "<%= config.bin %> game chat send r_0123456789ab 'gg' --json",
    'echo "Server restarts in 5 minutes" | <%= config.bin %> game chat send dungeon/lobby -',
  ];
  static access = 'write' as const;
  static args = {
    room: Args.string({ description: 'The room: its id (r_…) or SCENE/ROOM.', required: true }),
    text: Args.string({ description: 'The message, or - to read it from standard input.', required: true }),
  };

  async run() {
    const { args, flags } = await this.parse(GameChatSend);
    const text = args.text === '-' ? await readStdinText('TEXT', "echo 'hello' | raos game chat send SCENE/ROOM -") : args.text;
    const { client } = await this.connect(flags);
    const message = await client.game.chat.send({ room: args.room, text });
    this.log(`sent #${message.seq} to ${args.room}`);
    return message;
  }
}
