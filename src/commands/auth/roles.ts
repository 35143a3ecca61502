import { RaosCommand } from '../../cli/base.js';
import { table } from '../../cli/output.js';

export default class AuthRoles extends RaosCommand {
  static summary = 'List the roles: the five built-in ones (Guest < User < Moderator < Admin < SuperAdmin) and custom ones.';
  static description = 'Each role holds its own permissions and every permission of the roles below it; SuperAdmin holds all. `raos auth permissions` shows which role first holds each permission.';
  static examples = ['<%= config.bin %> auth roles', '<%= config.bin %> auth roles --json'];

  async run() {
    const { flags } = await this.parse(AuthRoles);
    const { client } = await this.connect(flags);
    const roles = await client.auth.role.list({});
    this.log(
      table(
        roles.map((r) => ({
          name: r.name,
          kind: r.builtin ? 'built-in' : `custom (${r.inherits} +)`,
          permissions: String(r.permissions.length),
          description: r.description,
        })),
        [
          { key: 'name', label: 'role' },
          { key: 'kind', label: 'kind' },
          { key: 'permissions', label: 'permissions' },
          { key: 'description', label: 'description', max: 80 },
        ],
      ),
    );
    return roles;
  }
}
