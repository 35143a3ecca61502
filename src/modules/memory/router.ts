/**
 * The Memory module's operations, declared with their permissions, and its tRPC router. The REST
 * door and the CLI reach the same operations through the same guard (kernel/operation.ts).
 */
import { defineOperation, field } from '../../kernel/operation.js';
import type { RequestContext } from '../../kernel/trpc.js';
import { mutation, query, router } from '../../kernel/trpc.js';
import { deleteInput, getInput, listInput, setInput } from './schema.js';
import type { MemoryService } from './service.js';

const memory = (ctx: RequestContext) => ctx.kernel.service<MemoryService>('memory');
const address = (input: unknown) => {
  const key = field(input, 'key');
  if (key === undefined) return undefined;
  return `${field(input, 'scope') ?? 'global'}/${field(input, 'namespace') ?? 'default'}/${key}`;
};

export const memoryOperations = {
  get: defineOperation({
    name: 'memory.get',
    permission: 'memory.read',
    kind: 'read',
    input: getInput,
    target: address,
    // The hot path: no promise for the service lookup once the module is up, no second validation.
    run: (ctx, input) => {
      const ready = ctx.kernel.readyService<MemoryService>('memory');
      return ready ? ready.read(ctx.actor, input) : memory(ctx).then((m) => m.read(ctx.actor, input));
    },
  }),
  list: defineOperation({
    name: 'memory.list',
    permission: 'memory.read',
    kind: 'read',
    input: listInput,
    run: async (ctx, input) => (await memory(ctx)).list(ctx.actor, input),
  }),
  set: defineOperation({
    name: 'memory.set',
    permission: 'memory.write',
    kind: 'write',
    input: setInput,
    target: address,
    run: async (ctx, input) => (await memory(ctx)).set(ctx.actor, input),
  }),
  delete: defineOperation({
    name: 'memory.delete',
    permission: 'memory.write',
    kind: 'write',
    input: deleteInput,
    target: address,
    run: async (ctx, input) => (await memory(ctx)).delete(ctx.actor, input),
  }),
};

export const memoryRouter = router({
  get: query(memoryOperations.get),
  list: query(memoryOperations.list),
  set: mutation(memoryOperations.set),
  delete: mutation(memoryOperations.delete),
});
