import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';
import { entityDetails, parseComponentFlags, vecFlag } from '../../../cli/game-output.js';

export default class GameEntityUpdate extends RaosCommand {
  static summary = "Change an entity's name, local transform or components.";
  static description = `--component adds a component or replaces the one of that type; --remove-component removes one by type. Every change raises the entity's version; --if-version N makes the change only if the entity is still at version N (else CONFLICT), so two editors cannot overwrite each other. To change the parent use \`raos game entity move\`.`;
  static examples = [
    '<%= config.bin %> game entity update e_0123456789ab --position 1,0,5 --rotation 0,45,0',
    `<%= config.bin %> game entity update e_0123456789ab --component '{"type":"health","current":3,"max":10}' --if-version 4`,
    '<%= config.bin %> game entity update e_0123456789ab --remove-component light --name "Dead torch"',
  ];
  static access = 'write' as const;
  static args = { id: Args.string({ description: 'The entity id (e_…).', required: true }) };
  static flags = {
    name: Flags.string({ summary: 'The new name.' }),
    position: Flags.string({ char: 'p', summary: 'New local position x,y,z.' }),
    rotation: Flags.string({ char: 'r', summary: 'New local rotation x,y,z in degrees (XYZ order).' }),
    scale: Flags.string({ char: 's', summary: 'New local scale x,y,z (no axis 0).' }),
    component: Flags.string({ summary: 'Add or replace a component: JSON with its "type" (repeatable).', multiple: true }),
    'remove-component': Flags.string({ summary: 'Remove the component of this type (repeatable).', multiple: true }),
    'if-version': Flags.integer({ summary: 'Only if the entity is at this version (else CONFLICT).' }),
  };

  async run() {
    const { args, flags } = await this.parse(GameEntityUpdate);
    const input = {
      id: args.id,
      name: flags.name,
      position: vecFlag(flags.position, 'position'),
      rotation: vecFlag(flags.rotation, 'rotation'),
      scale: vecFlag(flags.scale, 'scale'),
      components: parseComponentFlags(flags.component),
      removeComponents: flags['remove-component'],
      ifVersion: flags['if-version'],
    };
    const { client } = await this.connect(flags);
    const entity = await client.game.entity.update(input);
    this.log(`updated ${entity.name} (${entity.id}), now version ${entity.version}`);
    if (!this.jsonEnabled()) this.log(entityDetails(entity));
    return entity;
  }
}
