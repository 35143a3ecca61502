import { Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { table } from '../../cli/output.js';

export default class MemoryList extends RaosCommand {
  static summary = 'List stored keys, optionally by namespace, scope, prefix or glob pattern.';
  static description = 'Without --namespace or --scope every namespace and scope is listed. --pattern takes a glob over the whole key: * matches any run of characters, ? one character, [abc] one of a set. Expired keys are never listed.';
  static examples = [
    '<%= config.bin %> memory list',
    '<%= config.bin %> memory list --namespace game --prefix player:',
    "<%= config.bin %> memory list --pattern 'player:*:inventory' --json",
  ];
  static flags = {
    namespace: Flags.string({ char: 'n', summary: 'Only this namespace.' }),
    scope: Flags.string({ char: 's', summary: "Only this scope: 'global', 'user:<id>' or 'session:<id>'." }),
    prefix: Flags.string({ char: 'p', summary: 'Only keys that start with this text.', exclusive: ['pattern'] }),
    pattern: Flags.string({ summary: 'Only keys matching this glob (* ? [..]).', exclusive: ['prefix'] }),
    limit: Flags.integer({ summary: 'At most this many entries (1-10000).', default: 1000 }),
  };

  async run() {
    const { flags } = await this.parse(MemoryList);
    const { client } = await this.connect(flags);
    const result = await client.memory.list({
      namespace: flags.namespace,
      scope: flags.scope,
      prefix: flags.prefix,
      pattern: flags.pattern,
      limit: flags.limit,
    });
    if (result.items.length === 0) this.log('(no keys)');
    else {
      this.log(
        table(
          result.items.map((e) => ({
            key: e.key,
            namespace: e.namespace,
            scope: e.scope,
            value: typeof e.value === 'string' ? e.value : JSON.stringify(e.value),
            expires: e.expiresAt ?? '',
          })),
          [
            { key: 'key', label: 'key', max: 48 },
            { key: 'namespace', label: 'namespace' },
            { key: 'scope', label: 'scope' },
            { key: 'value', label: 'value', max: 48 },
            { key: 'expires', label: 'expires' },
          ],
        ),
      );
      if (result.truncated) this.logToStderr(`(showing the first ${result.items.length}; raise --limit to see more)`);
    }
    return result;
  }
}
