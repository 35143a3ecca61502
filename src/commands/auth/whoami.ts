import { RaosCommand } from '../../cli/base.js';

export default class AuthWhoami extends RaosCommand {
  static summary = 'Show who commands act as: the workspace owner, the user of RAOS_TOKEN, or the user of --as.';
  static examples = ['<%= config.bin %> auth whoami', '<%= config.bin %> auth whoami --as alice --json'];

  async run() {
    const { flags } = await this.parse(AuthWhoami);
    const { client } = await this.connect(flags);
    const me = await client.auth.whoami({});
    this.log(`${me.name} (${me.kind}, role ${me.role}${me.actingOwner ? ', the owner acting as this user' : ''})`);
    if (me.expiresAt) this.log(`token expires ${me.expiresAt}`);
    this.log(`permissions: ${me.permissions.join(', ') || '(none)'}`);
    return me;
  }
}
