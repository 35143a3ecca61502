/** Kernel-level procedures: modules and databases. Module routers live with their modules. */
import * as z from 'zod';
import { procedure, router } from '../trpc.js';
import { dbBackup, dbCheck, dbCheckpoint, dbStatus } from './db.js';
import { callModule, moduleInfo, moduleList, reloadModule } from './modules.js';

const moduleName = z.string().min(1).max(64);

export const moduleRouter = router({
  list: procedure.input(z.object({}).strict().optional()).query(({ ctx }) => moduleList(ctx.kernel)),
  info: procedure.input(z.object({ name: moduleName }).strict()).query(({ ctx, input }) => moduleInfo(ctx.kernel, input.name)),
  reload: procedure.input(z.object({ name: moduleName }).strict()).mutation(({ ctx, input }) => reloadModule(ctx.kernel, input.name)),
  process: procedure
    .input(z.object({ name: moduleName, command: z.string().min(1).max(256), args: z.array(z.string().max(65536)).max(256).default([]) }).strict())
    .mutation(({ ctx, input }) => callModule(ctx.kernel, input)),
});

export const dbRouter = router({
  status: procedure.input(z.object({}).strict().optional()).query(({ ctx }) => dbStatus(ctx.kernel)),
  check: procedure.input(z.object({}).strict().optional()).query(({ ctx }) => dbCheck(ctx.kernel)),
  checkpoint: procedure.input(z.object({}).strict().optional()).mutation(({ ctx }) => dbCheckpoint(ctx.kernel)),
  backup: procedure
    .input(z.object({ dir: z.string().min(1).max(4096), force: z.boolean().default(false) }).strict())
    .mutation(({ ctx, input }) => dbBackup(ctx.kernel, input)),
});
