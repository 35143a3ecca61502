import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../../cli/base.js';

export default class AuthRoleCreate extends RaosCommand {
  static summary = 'Create a custom role: a role it inherits plus more permissions.';
  static description = 'The new role ranks with the built-in role at the root of what it inherits (a role inheriting User is below Moderator for "manage only lower roles"). `raos auth permissions` lists the names to --grant.';
  static examples = [
    '<%= config.bin %> auth role create Builder --inherits User --grant game.scene.create --grant game.world.generate',
    '<%= config.bin %> auth role create Editor --inherits User --grant cms.content.publish --description "Publishes posts"',
  ];
  static access = 'write' as const;
  static args = { name: Args.string({ description: 'The role name: 2-32 letters, digits, _ or -.', required: true }) };
  static flags = {
    inherits: Flags.string({ summary: 'The role whose permissions it starts from.', required: true }),
    grant: Flags.string({ summary: 'A permission to add (repeatable).', multiple: true, default: [] }),
    description: Flags.string({ summary: 'One line about the role.' }),
  };

  async run() {
    const { args, flags } = await this.parse(AuthRoleCreate);
    const { client } = await this.connect(flags);
    const role = await client.auth.role.create({ name: args.name, inherits: flags.inherits, grant: flags.grant, description: flags.description });
    this.log(`created role ${role.name} (${role.inherits} and ${flags.grant.length} more permission${flags.grant.length === 1 ? '' : 's'}; ${role.permissions.length} in all)`);
    return role;
  }
}
