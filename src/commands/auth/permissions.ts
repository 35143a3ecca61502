import { Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { table } from '../../cli/output.js';

export default class AuthPermissions extends RaosCommand {
  static summary = 'List every permission, its module, and the lowest built-in role that holds it.';
  static examples = ['<%= config.bin %> auth permissions', '<%= config.bin %> auth permissions --module cms --json'];
  static flags = { module: Flags.string({ summary: 'Only the permissions of this module.' }) };

  async run() {
    const { flags } = await this.parse(AuthPermissions);
    const { client } = await this.connect(flags);
    const all = await client.auth.permission.list({});
    const permissions = flags.module ? all.filter((p) => p.module === flags.module) : all;
    this.log(
      table(
        permissions.map((p) => ({ name: p.name, module: p.module, role: p.role, description: p.description })),
        [
          { key: 'name', label: 'permission' },
          { key: 'module', label: 'module' },
          { key: 'role', label: 'from role' },
          { key: 'description', label: 'description', max: 80 },
        ],
      ),
    );
    return permissions;
  }
}
