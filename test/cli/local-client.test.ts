import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appRouter, builtinModules, createCaller } from '../../src/app.js';
import { lazyCaller, namespaceRouters } from '../../src/cli/local-client.js';
import { ownerActor } from '../../src/kernel/actor.js';
import { loadConfig } from '../../src/kernel/config.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { silentLogger } from '../../src/kernel/logger.js';
import { initWorkspace } from '../../src/kernel/workspace.js';
import { codeOf, useTempDirs } from '../helpers.js';

const tempDir = useTempDirs();

async function open(access: 'read' | 'write', root: string) {
  const { config } = loadConfig({ root, env: {} });
  return Kernel.create({ root, config, log: silentLogger, builtins: builtinModules, access, purpose: 'test' });
}

describe('lazyCaller', () => {
  it('knows every namespace of appRouter, each with the very procedures appRouter holds', async () => {
    const all = appRouter._def.procedures as Record<string, unknown>;
    expect(Object.keys(namespaceRouters).sort()).toEqual(Object.keys(appRouter._def.record).sort());
    let count = 0;
    for (const [name, load] of Object.entries(namespaceRouters)) {
      for (const [path, procedure] of Object.entries((await load())._def.procedures as Record<string, unknown>)) {
        expect(procedure, `${name}.${path}`).toBe(all[`${name}.${path}`]);
        count++;
      }
    }
    expect(count).toBe(Object.keys(all).length);
  });

  it('calls the same procedures as createCaller, with the same results and errors', async () => {
    const { root } = initWorkspace(tempDir());
    const kernel = await open('write', root);
    try {
      const ctx = { kernel, actor: ownerActor('cli') };
      const lazy = lazyCaller(ctx);
      const eager = createCaller(ctx);
      await lazy.memory.set({ key: 'greeting', value: 'hello' });
      expect(await lazy.memory.get({ key: 'greeting' })).toEqual(await eager.memory.get({ key: 'greeting' }));
      expect((await lazy.module.list()).modules.map((m) => m.name)).toEqual((await eager.module.list()).modules.map((m) => m.name));
      expect(await codeOf(lazy.memory.get({ key: 'missing' }))).toMatchObject({ code: 'NOT_FOUND' });
      expect(await codeOf(lazy.memory.set({ key: 'a b', value: 1 }))).toMatchObject({ code: 'INVALID_INPUT' });
      // Nested namespaces (cms.content.*) and another module's procedures.
      const created = await lazy.cms.content.create({ title: 'Hello', body: 'Hi' });
      expect((await eager.cms.content.show({ slug: created.slug })).title).toBe('Hello');
    } finally {
      await kernel.close();
    }
  });

  it('loads a namespace on its first call, once, and no other', async () => {
    const { root } = initWorkspace(tempDir());
    const kernel = await open('write', root);
    const original = { ...namespaceRouters };
    const loads: string[] = [];
    for (const name of Object.keys(namespaceRouters) as (keyof typeof namespaceRouters)[]) {
      namespaceRouters[name] = () => {
        loads.push(name);
        return original[name]();
      };
    }
    try {
      const lazy = lazyCaller({ kernel, actor: ownerActor('cli') });
      expect(loads).toEqual([]);
      await lazy.memory.set({ key: 'k', value: 1 });
      await lazy.memory.get({ key: 'k' });
      await lazy.memory.list({});
      expect(loads).toEqual(['memory']);
    } finally {
      Object.assign(namespaceRouters, original);
      await kernel.close();
    }
  });

  it('is what connect() uses, and connect() does not load the AppRouter (only its type)', () => {
    const source = readFileSync(new URL('../../src/cli/connect.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/lazyCaller\(\{ kernel, actor/);
    expect(source).not.toMatch(/^import (?!type )[^;]*from '\.\.\/app\.js'/m);
  });

  it('is not a thenable, and says so when a path is not a procedure', async () => {
    const { root } = initWorkspace(tempDir());
    const kernel = await open('read', root);
    try {
      const lazy = lazyCaller({ kernel, actor: ownerActor('cli') });
      expect((lazy as unknown as { then?: unknown }).then).toBeUndefined();
      expect(await Promise.resolve(lazy)).toBe(lazy);
      await expect((lazy as unknown as { memory(): Promise<unknown> }).memory()).rejects.toThrow("'memory' is not a procedure");
      await expect((lazy.memory as unknown as { nope(): Promise<unknown> }).nope()).rejects.toThrow('No procedure found on path "nope"');
      await expect((lazy as unknown as { nope: { get(): Promise<unknown> } }).nope.get()).rejects.toThrow("no namespace 'nope'");
    } finally {
      await kernel.close();
    }
  });
});
