import { Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { table } from '../../cli/output.js';

export default class AuditList extends RaosCommand {
  static summary = 'Show the audit trail: every write and every denied attempt, newest first.';
  static description = `Each entry has the actor, the action (the operation, e.g. memory.set), its target, the outcome (ok, denied, failed, with the error code), the time and the origin (cli, trpc, rest, ws, and the client IP). The trail is append-only: no command edits or deletes it.`;
  static examples = [
    '<%= config.bin %> audit list',
    '<%= config.bin %> audit list --actor alice --since 1h',
    "<%= config.bin %> audit list --action 'auth.*' --outcome denied --json",
  ];
  static flags = {
    actor: Flags.string({ summary: 'Only this actor (user name or id).' }),
    action: Flags.string({ summary: "Only this action, or a prefix with *: 'memory.*'." }),
    outcome: Flags.string({ summary: 'Only this outcome.', options: ['ok', 'denied', 'failed'] }),
    since: Flags.string({ summary: 'Only entries newer than this: 1h, 30m, 7d, or an ISO time.' }),
    limit: Flags.integer({ summary: 'At most this many entries (1-10000).', default: 100 }),
  };

  async run() {
    const { flags } = await this.parse(AuditList);
    const { client } = await this.connect(flags);
    const result = await client.audit.list({
      actor: flags.actor,
      action: flags.action,
      outcome: flags.outcome as 'ok' | 'denied' | 'failed' | undefined,
      since: flags.since,
      limit: flags.limit,
    });
    if (result.entries.length === 0) this.log('(no entries)');
    else {
      this.log(
        table(
          result.entries.map((e) => ({
            at: e.at,
            actor: `${e.actor.name} (${e.actor.role})`,
            action: e.action,
            target: e.target ?? '',
            outcome: e.code ? `${e.outcome} ${e.code}` : e.outcome,
            origin: e.ip ? `${e.origin} ${e.ip}` : e.origin,
          })),
          [
            { key: 'at', label: 'time' },
            { key: 'actor', label: 'actor', max: 32 },
            { key: 'action', label: 'action' },
            { key: 'target', label: 'target', max: 40 },
            { key: 'outcome', label: 'outcome' },
            { key: 'origin', label: 'origin' },
          ],
        ),
      );
      if (result.truncated) this.logToStderr(`(showing the newest ${result.entries.length}; raise --limit or narrow with --since to see more)`);
    }
    return result;
  }
}
