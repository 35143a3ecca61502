import type { BuiltinModule } from '../../kernel/kernel.js';
import { parseDuration } from '../../kernel/config.js';
import { migrations, type MemoryTables } from './migrations.js';
import { MemoryService } from './service.js';

/** The seed's Memory module: persistent key-value storage with namespaces, scopes and expiry. */
export const memoryModule: BuiltinModule<MemoryService> = {
  name: 'memory',
  version: '1.0.0',
  description: 'Namespaced key-value store with JSON values, scopes (global, user:<id>, session:<id>) and expiry',
  commands: ['memory set', 'memory get', 'memory list', 'memory delete'],
  migrations,
  async setup(ctx) {
    const store = await ctx.openStore<MemoryTables>();
    const { maxKeyLength, maxValueBytes, defaultTtl } = ctx.config.memory;
    return new MemoryService({
      store,
      bus: ctx.bus,
      now: ctx.now,
      limits: {
        maxKeyLength,
        maxValueBytes,
        defaultTtlMs: defaultTtl ? parseDuration(defaultTtl, 'memory.defaultTtl') : undefined,
      },
    });
  },
};
