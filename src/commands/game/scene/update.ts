import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { parseJsonFlag, sceneDetails } from '../../../cli/game-output.js';
import { RaosError } from '../../../kernel/errors.js';

export default class GameSceneUpdate extends RaosCommand {
  static summary = "Rename a scene or change its description or metadata.";
  static description = "Only the scene's owner may change it, or a role with game.scene.delete (Moderator and above). --metadata replaces the whole object.";
  static examples = [
    "<%= config.bin %> game scene update dungeon --name 'Old Dungeon'",
    "<%= config.bin %> game scene update dungeon --description 'Now with traps'",
    "<%= config.bin %> game scene update s_0123456789ab --metadata '{\"difficulty\":\"hard\"}' --json",
  ];
  static access = 'write' as const;
  static args = { scene: Args.string({ description: 'The scene: its id (s_…) or name.', required: true }) };
  static flags = {
    name: Flags.string({ summary: 'The new name.' }),
    description: Flags.string({ char: 'd', summary: 'The new description.' }),
    metadata: Flags.string({ summary: 'The new metadata: a JSON object.' }),
  };

  async run() {
    const { args, flags } = await this.parse(GameSceneUpdate);
    if (flags.name === undefined && flags.description === undefined && flags.metadata === undefined) {
      throw new RaosError('INVALID_INPUT', 'nothing to change: give --name, --description or --metadata');
    }
    const metadata = parseJsonFlag(flags.metadata, '--metadata', '{"biome":"desert"}');
    const { client } = await this.connect(flags);
    const scene = await client.game.scene.update({ scene: args.scene, name: flags.name, description: flags.description, metadata: metadata as never });
    this.log(`updated scene ${scene.name}`);
    if (!this.jsonEnabled()) this.log(sceneDetails(scene));
    return scene;
  }
}
