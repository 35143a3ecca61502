import { procedure, router } from '../../kernel/trpc.js';
import { deleteInput, getInput, listInput, setInput } from './schema.js';
import type { MemoryService } from './service.js';

const memory = (ctx: { kernel: { service<S>(name: string): Promise<S> } }) => ctx.kernel.service<MemoryService>('memory');

export const memoryRouter = router({
  get: procedure.input(getInput).query(async ({ ctx, input }) => (await memory(ctx)).get(ctx.actor, input)),
  list: procedure.input(listInput).query(async ({ ctx, input }) => (await memory(ctx)).list(ctx.actor, input)),
  set: procedure.input(setInput).mutation(async ({ ctx, input }) => (await memory(ctx)).set(ctx.actor, input)),
  delete: procedure.input(deleteInput).mutation(async ({ ctx, input }) => (await memory(ctx)).delete(ctx.actor, input)),
});
