import { describe, expect, it } from 'vitest';
import { builtinModules, createCaller } from '../src/app.js';
import { ownerActor } from '../src/kernel/actor.js';
import { loadConfig } from '../src/kernel/config.js';
import { toRaosError } from '../src/kernel/errors.js';
import { Kernel } from '../src/kernel/kernel.js';
import { silentLogger } from '../src/kernel/logger.js';
import { initWorkspace } from '../src/kernel/workspace.js';
import { useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

async function open(access: 'read' | 'write', root: string) {
  const { config } = loadConfig({ root, env: {} });
  const kernel = await Kernel.create({ root, config, log: silentLogger, builtins: builtinModules, access, purpose: 'test' });
  return { kernel, caller: createCaller({ kernel, actor: ownerActor('internal') }) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (err) {
    return toRaosError(err).code;
  }
}

describe('AppRouter through createCaller', () => {
  it('runs memory procedures end to end and keeps the data across kernels', async () => {
    const { root } = initWorkspace(tempDir());
    const w = await open('write', root);
    await w.caller.memory.set({ key: 'greeting', value: 'hello' });
    await w.kernel.close();
    const r = await open('read', root);
    expect((await r.caller.memory.get({ key: 'greeting' })).value).toBe('hello');
    expect((await r.caller.memory.list({})).items).toHaveLength(1);
    await r.kernel.close();
  });

  it('maps failures to raos codes: zod input errors, missing keys, read-only writes', async () => {
    const { root } = initWorkspace(tempDir());
    const w = await open('write', root);
    expect(await codeOf(w.caller.memory.set({ key: 'a b', value: 1 }))).toBe('INVALID_INPUT');
    expect(await codeOf(w.caller.memory.set({ key: 'k', value: 1, bogus: true } as never))).toBe('INVALID_INPUT');
    expect(await codeOf(w.caller.memory.get({ key: 'missing' }))).toBe('NOT_FOUND');
    expect(await codeOf(w.caller.module.info({ name: 'nope' }))).toBe('NOT_FOUND');
    await w.kernel.close();
    const r = await open('read', root);
    expect(await codeOf(r.caller.memory.set({ key: 'k', value: 1 }))).toBe('INTERNAL');
    await r.kernel.close();
  });

  it('reports the built-in modules and their databases', async () => {
    const { root } = initWorkspace(tempDir());
    const w = await open('write', root);
    const { modules } = await w.caller.module.list();
    expect(modules.find((m) => m.name === 'memory')).toMatchObject({ kind: 'builtin', state: 'ready' });
    await w.caller.memory.set({ key: 'k', value: 1 });
    const status = await w.caller.db.status();
    expect(status.databases.find((d) => d.module === 'memory')?.status?.journal.records).toBeGreaterThan(0);
    const checkpoint = await w.caller.db.checkpoint();
    expect(checkpoint.databases[0].bytes).toBeGreaterThan(0);
    expect((await w.caller.db.check()).ok).toBe(true);
    await w.kernel.close();
  });
});
