import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { CHAT_KINDS } from '../../../modules/game/schema.js';

export default class GameChatCreate extends RaosCommand {
  static summary = 'Create a chat room in a scene. Prints its id.';
  static description = "The scene's owner makes rooms, or a role with game.chat.moderate (Moderator and above). Room names are unique within a scene; a room is named by its id (r_…) or as SCENE/ROOM. Each room keeps its last 200 messages.";
  static examples = [
    '<%= config.bin %> game chat create dungeon lobby',
    '<%= config.bin %> game chat create dungeon raiders --kind party',
    '<%= config.bin %> game chat create s_0123456789ab guild-hall --kind guild --json',
  ];
  static access = 'write' as const;
  static args = {
    scene: Args.string({ description: 'The scene: its id (s_…) or name.', required: true }),
    name: Args.string({ description: 'The room name.', required: true }),
  };
  static flags = { kind: Flags.string({ summary: 'What the room is for.', options: [...CHAT_KINDS], default: 'zone' }) };

  async run() {
    const { args, flags } = await this.parse(GameChatCreate);
    const { client } = await this.connect(flags);
    const room = await client.game.chat.create({ scene: args.scene, name: args.name, kind: flags.kind as (typeof CHAT_KINDS)[number] });
    this.log(room.id);
    this.logToStderr(`created ${room.kind} room ${args.scene}/${room.name}`);
    return room;
  }
}
