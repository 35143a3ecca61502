import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { vec, vecFlag } from '../../../cli/game-output.js';
import { RaosError } from '../../../kernel/errors.js';

export default class GameEntityMove extends RaosCommand {
  static summary = 'Move an entity under another parent (or to the root) and/or to a new local position or rotation.';
  static description = 'Children move with their parent. The local transform is kept as given: under a new parent the entity keeps its local position, so its world position changes unless --position says otherwise. Moving an entity under itself or one of its descendants is refused (INVALID_INPUT naming the cycle).';
  static examples = [
    '<%= config.bin %> game entity move e_0123456789ab --parent e_ba9876543210',
    '<%= config.bin %> game entity move e_0123456789ab --root --position 0,0,0',
    '<%= config.bin %> game entity move e_0123456789ab --position 3,0,-1 --rotation 0,90,0',
  ];
  static access = 'write' as const;
  static args = { id: Args.string({ description: 'The entity id (e_…).', required: true }) };
  static flags = {
    parent: Flags.string({ summary: 'Id of the new parent entity, in the same scene.', exclusive: ['root'] }),
    root: Flags.boolean({ summary: 'Move to the root of the scene (no parent).', exclusive: ['parent'] }),
    position: Flags.string({ char: 'p', summary: 'New local position x,y,z.' }),
    rotation: Flags.string({ char: 'r', summary: 'New local rotation x,y,z in degrees (XYZ order).' }),
  };

  async run() {
    const { args, flags } = await this.parse(GameEntityMove);
    if (flags.parent === undefined && !flags.root && flags.position === undefined && flags.rotation === undefined) {
      throw new RaosError('INVALID_INPUT', 'nothing to move: give --parent ID, --root, --position x,y,z or --rotation x,y,z', {
        hint: 'For example: raos game entity move ID --parent OTHER_ID',
      });
    }
    const input = {
      id: args.id,
      parent: flags.root ? null : flags.parent,
      position: vecFlag(flags.position, 'position'),
      rotation: vecFlag(flags.rotation, 'rotation'),
    };
    const { client } = await this.connect(flags);
    const entity = await client.game.entity.move(input);
    this.log(`moved ${entity.name} (${entity.id}) ${entity.parent ? `under ${entity.parent}` : 'to the root'}; world position ${vec(entity.world.position)}`);
    return entity;
  }
}
