import { Args, Flags } from '@oclif/core';
import { RaosCommand } from '../../cli/base.js';
import { addressFlags, parseValue, readStdin } from '../../cli/memory-flags.js';
import { parseDuration } from '../../kernel/config.js';
import { RaosError } from '../../kernel/errors.js';
import { MAX_TTL_MS } from '../../modules/memory/schema.js';

export default class MemorySet extends RaosCommand {
  static summary = 'Store a value under a key. The write is on disk (journaled and fsynced) when the command returns.';
  static description = `VALUE is stored as JSON when it is valid JSON (42, true, {"hp":10}, "text"), otherwise as the text itself. Use --string to store JSON-looking text verbatim, and - to read the value from standard input.

Keys are unique within a namespace and a scope; setting an existing key replaces its value (and its expiry).`;
  static examples = [
    '<%= config.bin %> memory set greeting hello',
    '<%= config.bin %> memory set player:42 \'{"hp":10,"level":3}\' --namespace game',
    '<%= config.bin %> memory set token abc123 --scope session:s1 --ttl 10m',
    'cat state.json | <%= config.bin %> memory set snapshot -',
  ];
  static access = 'write' as const;
  static args = {
    key: Args.string({ description: 'The key: no whitespace and none of * ? [ ].', required: true }),
    value: Args.string({ description: 'The value (JSON or text), or - to read it from standard input.', required: true }),
  };
  static flags = {
    ...addressFlags,
    ttl: Flags.string({ summary: 'Expire after this long: 30s, 10m, 2h, 7d, 1h30m.' }),
    string: Flags.boolean({ summary: 'Store VALUE as text even if it parses as JSON.' }),
    'if-absent': Flags.boolean({ summary: 'Fail with CONFLICT instead of replacing an existing key.' }),
  };

  async run() {
    const { args, flags } = await this.parse(MemorySet);
    const text = args.value === '-' ? await readStdin() : args.value;
    const ttlMs = flags.ttl === undefined ? undefined : parseDuration(flags.ttl, 'ttl');
    if (ttlMs !== undefined && (ttlMs < 1 || ttlMs > MAX_TTL_MS)) {
      throw new RaosError('INVALID_INPUT', `ttl: must be between 1ms and 10 years (got ${flags.ttl})`, {
        hint: 'For example --ttl 10m; leave --ttl out for a key that never expires.',
      });
    }
    const { client } = await this.connect(flags);
    const entry = await client.memory.set({
      key: args.key,
      value: parseValue(text, flags.string) as never,
      namespace: flags.namespace,
      scope: flags.scope,
      ttlMs,
      ifAbsent: flags['if-absent'],
    });
    this.log(`${entry.created ? 'set' : 'updated'} ${entry.key} (namespace ${entry.namespace}, scope ${entry.scope}${entry.expiresAt ? `, expires ${entry.expiresAt}` : ''})`);
    return entry;
  }
}
