import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { parseComponentFlags, vecFlag } from '../../../cli/game-output.js';

export default class GameEntityCreate extends RaosCommand {
  static summary = 'Create an entity in a scene, optionally under a parent, with a transform and components. Prints its id.';
  static description = `Position, rotation and scale are local: relative to the parent (or to the scene at the root). Vectors are x,y,z (right-handed, Y up); rotation is Euler angles in degrees in XYZ order, R = Rx·Ry·Rz (three.js 'XYZ'). Defaults: position 0,0,0, rotation 0,0,0, scale 1,1,1.

Each --component is a JSON object with a "type" field and that type's data; \`raos game component list\` shows the types and their fields. Invalid data is refused naming the field (components.health.current).`;
  static examples = [
    '<%= config.bin %> game entity create dungeon Gate --position 0,0,-20',
    `<%= config.bin %> game entity create dungeon Dragon --position 4,0,12 --rotation 0,180,0 --scale 3,3,3 --component '{"type":"health","current":500,"max":500}' --component '{"type":"npc","behaviour":"guard","hostile":true}'`,
    '<%= config.bin %> game entity create dungeon Torch --parent e_0123456789ab --position 0,2,0 --component \'{"type":"light","color":"#ffaa00"}\' --json',
  ];
  static access = 'write' as const;
  static args = {
    scene: Args.string({ description: 'The scene: its id (s_…) or name.', required: true }),
    name: Args.string({ description: 'The entity name (names need not be unique).', required: true }),
  };
  static flags = {
    parent: Flags.string({ summary: 'Id of the parent entity (default: at the root of the scene).' }),
    position: Flags.string({ char: 'p', summary: 'Local position x,y,z.' }),
    rotation: Flags.string({ char: 'r', summary: 'Local rotation x,y,z in degrees (XYZ order).' }),
    scale: Flags.string({ char: 's', summary: 'Local scale x,y,z (no axis 0).' }),
    component: Flags.string({ summary: 'A component as JSON with its "type" (repeatable).', multiple: true }),
  };

  async run() {
    const { args, flags } = await this.parse(GameEntityCreate);
    const input = {
      scene: args.scene,
      name: args.name,
      parent: flags.parent,
      position: vecFlag(flags.position, 'position'),
      rotation: vecFlag(flags.rotation, 'rotation'),
      scale: vecFlag(flags.scale, 'scale'),
      components: parseComponentFlags(flags.component),
    };
    const { client } = await this.connect(flags);
    const entity = await client.game.entity.create(input);
    this.log(entity.id);
    this.logToStderr(`created entity ${entity.name}${entity.parent ? ` under ${entity.parent}` : ''} in scene ${entity.sceneId}`);
    return entity;
  }
}
