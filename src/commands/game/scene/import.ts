import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { count, readJsonFile } from '../../../cli/game-output.js';

export default class GameSceneImport extends RaosCommand {
  static summary = 'Create a scene from JSON written by `raos game scene export`. Prints the new scene id.';
  static description = 'Entities get new ids, with their parents, transforms and components kept; every component is validated and a parent cycle refuses the whole file. The scene keeps the name in the file unless --name gives another (names are unique, so importing next to the original needs --name). You own the new scene.';
  static examples = [
    '<%= config.bin %> game scene import dungeon.json',
    '<%= config.bin %> game scene import dungeon.json --name dungeon-2',
    'curl -s https://example.com/arena.json | <%= config.bin %> game scene import - --json',
  ];
  static access = 'write' as const;
  static args = { file: Args.string({ description: 'The JSON file, or - to read standard input.', required: true }) };
  static flags = { name: Flags.string({ summary: 'Name of the new scene (default: the name in the file).' }) };

  async run() {
    const { args, flags } = await this.parse(GameSceneImport);
    const data = await readJsonFile(args.file, 'raos game scene export dungeon | raos game scene import - --name copy');
    const { client } = await this.connect(flags);
    const scene = await client.game.scene.import({ data, name: flags.name });
    this.log(scene.id);
    this.logToStderr(`imported scene ${scene.name} with ${count(scene.entityCount, 'entity', 'entities')}`);
    return scene;
  }
}
