/** Kernel-level operations and procedures: modules and databases. Module routers live with their modules. */
import * as z from 'zod';
import { defineOperation, field } from '../operation.js';
import { mutation, query, router } from '../trpc.js';
import { dbBackup, dbCheck, dbCheckpoint, dbStatus } from './db.js';
import { callModule, moduleInfo, moduleList, reloadModule } from './modules.js';

const moduleName = z.string().min(1).max(64);
const none = z.object({}).strict().optional();

export const adminOperations = {
  moduleList: defineOperation({
    name: 'module.list',
    permission: 'module.read',
    kind: 'read',
    input: none,
    run: ({ kernel }) => moduleList(kernel),
  }),
  moduleInfo: defineOperation({
    name: 'module.info',
    permission: 'module.read',
    kind: 'read',
    input: z.object({ name: moduleName }).strict(),
    run: ({ kernel }, input) => moduleInfo(kernel, input.name),
  }),
  moduleReload: defineOperation({
    name: 'module.reload',
    permission: 'module.reload',
    kind: 'write',
    input: z.object({ name: moduleName }).strict(),
    target: (input) => field(input, 'name'),
    run: ({ kernel }, input) => reloadModule(kernel, input.name),
  }),
  moduleProcess: defineOperation({
    name: 'module.process',
    permission: 'module.call',
    kind: 'write',
    input: z.object({ name: moduleName, command: z.string().min(1).max(256), args: z.array(z.string().max(65536)).max(256).default([]) }).strict(),
    target: (input) => [field(input, 'name'), field(input, 'command')].filter(Boolean).join(' ') || undefined,
    run: ({ kernel }, input) => callModule(kernel, input),
  }),
  dbStatus: defineOperation({ name: 'db.status', permission: 'db.read', kind: 'read', input: none, run: ({ kernel }) => dbStatus(kernel) }),
  dbCheck: defineOperation({ name: 'db.check', permission: 'db.read', kind: 'read', input: none, run: ({ kernel }) => dbCheck(kernel) }),
  dbCheckpoint: defineOperation({
    name: 'db.checkpoint',
    permission: 'db.maintain',
    kind: 'write',
    input: none,
    run: ({ kernel }) => dbCheckpoint(kernel),
  }),
  dbBackup: defineOperation({
    name: 'db.backup',
    permission: 'db.maintain',
    kind: 'write',
    input: z.object({ dir: z.string().min(1).max(4096), force: z.boolean().default(false) }).strict(),
    target: (input) => field(input, 'dir'),
    run: ({ kernel }, input) => dbBackup(kernel, input),
  }),
};

export const moduleRouter = router({
  list: query(adminOperations.moduleList),
  info: query(adminOperations.moduleInfo),
  reload: mutation(adminOperations.moduleReload),
  process: mutation(adminOperations.moduleProcess),
});

export const dbRouter = router({
  status: query(adminOperations.dbStatus),
  check: query(adminOperations.dbCheck),
  checkpoint: mutation(adminOperations.dbCheckpoint),
  backup: mutation(adminOperations.dbBackup),
});
