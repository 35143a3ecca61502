import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { count } from '../../../cli/game-output.js';
import { writeFileAtomic } from '../../../kernel/durable.js';

export default class GameSceneExport extends RaosCommand {
  static summary = 'Write a scene, its entities and chat rooms as portable JSON (format raos-scene/1).';
  static description = 'Without --out the JSON goes to standard output (with or without --json). With --out it is written to FILE atomically (a crash leaves the old file or the new one), and --json prints { file, entities }. Chat messages are not exported. `raos game scene import` reads the file back, in this or another workspace.';
  static examples = [
    '<%= config.bin %> game scene export dungeon > dungeon.json',
    '<%= config.bin %> game scene export dungeon --out backups/dungeon.json',
    '<%= config.bin %> game scene export dungeon | <%= config.bin %> game scene import - --name dungeon-copy',
  ];
  static args = { scene: Args.string({ description: 'The scene: its id (s_…) or name.', required: true }) };
  static flags = { out: Flags.string({ char: 'o', summary: 'Write to this file instead of standard output (replacing it).' }) };

  async run() {
    const { args, flags } = await this.parse(GameSceneExport);
    const { client } = await this.connect(flags);
    const data = await client.game.scene.export({ scene: args.scene });
    if (flags.out === undefined) {
      if (!this.jsonEnabled()) this.printJson(data);
      return data;
    }
    const file = resolve(flags.out);
    writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n');
    this.logToStderr(`wrote scene ${data.scene.name} (${count(data.entities.length, 'entity', 'entities')}, ${count(data.chatRooms.length, 'chat room', 'chat rooms')}) to ${file}`);
    return { file, entities: data.entities.length };
  }
}
