import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { parseJsonFlag } from '../../../cli/game-output.js';

export default class GameSceneCreate extends RaosCommand {
  static summary = 'Create an empty scene. Prints its id; you own it.';
  static description = `Scene names are unique in the workspace (case-insensitive), at most 100 characters, without / or control characters. Every other game command names a scene by its id (s_…) or its name.

--metadata is a JSON object of your own (at most 16 KiB), returned as it was given.`;
  static examples = [
    '<%= config.bin %> game scene create dungeon',
    "<%= config.bin %> game scene create 'Sunken Keep' --description 'Level 3' --metadata '{\"biome\":\"swamp\"}'",
    'SCENE=$(<%= config.bin %> game scene create arena --json | jq -r .id)',
  ];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The scene name.', required: true }) };
  static flags = {
    description: Flags.string({ char: 'd', summary: 'What the scene is (at most 1000 characters).' }),
    metadata: Flags.string({ summary: 'A JSON object stored with the scene.' }),
  };

  async run() {
    const { args, flags } = await this.parse(GameSceneCreate);
    const metadata = parseJsonFlag(flags.metadata, '--metadata', '{"biome":"desert"}');
    const { client } = await this.connect(flags);
    const scene = await client.game.scene.create({ name: args.name, description: flags.description, metadata: metadata as never });
    this.log(scene.id);
    this.logToStderr(`created scene ${scene.name}, owned by ${scene.owner.name}`);
    return scene;
  }
}
