import type { RequestContext } from '../../kernel/trpc.js';
import { procedure, router } from '../../kernel/trpc.js';
import { deleteInput, getInput, listInput, setInput, type DeleteInput, type GetInput, type ListInput, type SetInput } from './schema.js';
import type { MemoryService } from './service.js';

const memory = (ctx: RequestContext) => ctx.kernel.service<MemoryService>('memory');

/**
 * The Memory operations as the doors call them. tRPC wraps them below; the REST door calls them
 * directly (no tRPC layer on its hot path), so both run the same code.
 */
export const memoryOperations = {
  'memory.get': async (ctx: RequestContext, input: GetInput) => (await memory(ctx)).get(ctx.actor, input),
  'memory.list': async (ctx: RequestContext, input: ListInput) => (await memory(ctx)).list(ctx.actor, input),
  'memory.set': async (ctx: RequestContext, input: SetInput) => (await memory(ctx)).set(ctx.actor, input),
  'memory.delete': async (ctx: RequestContext, input: DeleteInput) => (await memory(ctx)).delete(ctx.actor, input),
};

export const memoryRouter = router({
  get: procedure.input(getInput).query(({ ctx, input }) => memoryOperations['memory.get'](ctx, input)),
  list: procedure.input(listInput).query(({ ctx, input }) => memoryOperations['memory.list'](ctx, input)),
  set: procedure.input(setInput).mutation(({ ctx, input }) => memoryOperations['memory.set'](ctx, input)),
  delete: procedure.input(deleteInput).mutation(({ ctx, input }) => memoryOperations['memory.delete'](ctx, input)),
});
