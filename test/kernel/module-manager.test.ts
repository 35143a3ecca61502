import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaosError } from '../../src/kernel/errors.js';
import { EventBus } from '../../src/kernel/events.js';
import { silentLogger, type Logger } from '../../src/kernel/logger.js';
import type { ModuleContext, ModuleDefinition } from '../../src/kernel/module.js';
import { discoverModules, loadModuleFolder } from '../../src/kernel/module-loader.js';
import { ModuleManager, type ModuleManagerOptions } from '../../src/kernel/module-manager.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'modules');

/** A manager with a minimal kernel-like context builder; `settings` feeds ctx.settings per module. */
function createManager(options: Partial<ModuleManagerOptions> & { settings?: Record<string, Record<string, unknown>> } = {}) {
  const bus = new EventBus();
  const contexts: ModuleContext[] = [];
  const manager = new ModuleManager({
    log: silentLogger,
    contextFor: ({ definition, call }) => {
      const ctx: ModuleContext = {
        name: definition.name,
        workspace: '/ws',
        dataDir: `/ws/.raos/modules/${definition.name}`,
        settings: options.settings?.[definition.name] ?? {},
        log: silentLogger,
        bus,
        call,
      };
      contexts.push(ctx);
      return ctx;
    },
    ...options,
  });
  return { manager, contexts };
}

/** A definition that records its lifecycle calls into `calls`. */
function mod(name: string, extra: Partial<ModuleDefinition> = {}, calls: string[] = []): ModuleDefinition {
  return {
    name,
    version: '1.0.0',
    init: () => {
      calls.push(`init ${name}`);
    },
    process: (command, args) => ({ module: name, command, args }),
    shutdown: () => {
      calls.push(`shutdown ${name}`);
    },
    ...extra,
  };
}

const states = (manager: ModuleManager) =>
  Object.fromEntries(manager.list().map((info) => [info.name, info.error ? `${info.state}: ${info.error}` : info.state]));

async function rejection(promise: Promise<unknown>): Promise<RaosError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RaosError);
    return err as RaosError;
  }
  throw new Error('expected a rejection');
}

describe('ModuleManager with discovered modules', () => {
  it('discovers, initialises and runs a module from disk, and routes ctx.call to a dependency', async () => {
    const { manager } = createManager({ settings: { hello: { greeting: 'Hi' } } });
    for (const found of await discoverModules(FIXTURES, { reserved: [] })) {
      manager.register({ definition: found.definition!, kind: 'external', path: found.dir });
    }
    await manager.initAll();
    expect(states(manager)).toEqual({ greeter: 'ready', hello: 'ready' });
    await expect(manager.process('hello', 'greet', ['Ra'])).resolves.toEqual({ message: 'Hi, Ra!' });
    await expect(manager.process('greeter', 'welcome', ['Ra'])).resolves.toEqual({ welcome: 'HI, RA!' });
    await expect(manager.health('hello')).resolves.toEqual({ ok: true, greeting: 'Hi' });
    expect(manager.info('greeter')).toMatchObject({
      name: 'greeter',
      version: '0.2.0',
      kind: 'external',
      state: 'ready',
      dependsOn: ['hello'],
      path: path.join(FIXTURES, 'greeter'),
    });
  });

  it('lists discovery failures as failed, and their dependents with the reason', async () => {
    const { manager } = createManager();
    manager.register({ definition: mod('memory'), kind: 'builtin' });
    manager.registerFailed({ name: 'broken', path: '/ws/modules/broken', error: 'modules/broken/index.js: version: expected a semantic version like 1.0.0' });
    manager.registerFailed({ name: 'memory', path: '/ws/modules/mem', error: "modules/mem/index.js: name 'memory' is taken by a built-in module or command; rename the module" });
    manager.register({ definition: mod('uses-broken', { dependsOn: ['broken'] }), kind: 'external' });
    await manager.initAll();
    expect(manager.list().map((i) => [i.name, i.kind, i.state, i.error])).toEqual([
      ['broken', 'external', 'failed', 'modules/broken/index.js: version: expected a semantic version like 1.0.0'],
      ['memory', 'builtin', 'ready', undefined],
      ['memory', 'external', 'failed', "modules/mem/index.js: name 'memory' is taken by a built-in module or command; rename the module"],
      [
        'uses-broken',
        'external',
        'failed',
        "dependency 'broken' failed: modules/broken/index.js: version: expected a semantic version like 1.0.0",
      ],
    ]);
  });
});

describe('ModuleManager: ordering', () => {
  it('orders by dependsOn, dependencies first', () => {
    const { manager } = createManager();
    manager.register({ definition: mod('web', { dependsOn: ['auth', 'memory'] }), kind: 'builtin' });
    manager.register({ definition: mod('auth', { dependsOn: ['memory'] }), kind: 'builtin' });
    manager.register({ definition: mod('memory'), kind: 'builtin' });
    expect(manager.order()).toEqual({ order: ['memory', 'auth', 'web'], failures: new Map() });
  });

  it('refuses a cycle with the chain in the message while an independent module is ready', async () => {
    const { manager } = createManager();
    manager.register({ definition: mod('a', { dependsOn: ['b'] }), kind: 'external' });
    manager.register({ definition: mod('b', { dependsOn: ['a'] }), kind: 'external' });
    manager.register({ definition: mod('c', { dependsOn: ['d'] }), kind: 'external' });
    manager.register({ definition: mod('d', { dependsOn: ['e'] }), kind: 'external' });
    manager.register({ definition: mod('e', { dependsOn: ['c'] }), kind: 'external' });
    manager.register({ definition: mod('solo'), kind: 'external' });
    manager.register({ definition: mod('self', { dependsOn: ['self'] }), kind: 'external' });
    manager.register({ definition: mod('after', { dependsOn: ['a'] }), kind: 'external' });
    await manager.initAll();
    expect(states(manager)).toEqual({
      a: 'failed: dependency cycle: a → b → a',
      b: 'failed: dependency cycle: b → a → b',
      c: 'failed: dependency cycle: c → d → e → c',
      d: 'failed: dependency cycle: d → e → c → d',
      e: 'failed: dependency cycle: e → c → d → e',
      self: 'failed: dependency cycle: self → self',
      after: "failed: dependency 'a' failed: dependency cycle: a → b → a",
      solo: 'ready',
    });
    const err = await rejection(manager.process('a', 'x', []));
    expect(err.code).toBe('MODULE_FAILED');
    expect(err.message).toBe('module a failed: dependency cycle: a → b → a');
  });

  it('names a missing dependency', async () => {
    const { manager } = createManager();
    manager.register({ definition: mod('a', { dependsOn: ['ghost'] }), kind: 'external' });
    manager.register({ definition: mod('b', { dependsOn: ['a'] }), kind: 'external' });
    expect(manager.order().failures).toEqual(
      new Map([
        ['a', "depends on 'ghost', which is not installed"],
        ['b', "dependency 'a' failed: depends on 'ghost', which is not installed"],
      ]),
    );
    const err = await rejection(manager.ensure('a'));
    expect([err.code, err.message]).toEqual(['MODULE_FAILED', "module a failed: depends on 'ghost', which is not installed"]);
  });

  it('fails a dependent of a module whose init failed, with the reason', async () => {
    const { manager } = createManager();
    manager.register({ definition: mod('base', { init: () => Promise.reject(new Error('no database')) }), kind: 'external' });
    manager.register({ definition: mod('top', { dependsOn: ['base'] }), kind: 'external' });
    const err = await rejection(manager.process('top', 'x', []));
    expect(err.message).toBe("module top failed: dependency 'base' failed: init failed: no database");
    expect(states(manager)).toEqual({
      base: 'failed: init failed: no database',
      top: "failed: dependency 'base' failed: init failed: no database",
    });
  });

  it('treats disabled modules as stopped and fails their dependents', async () => {
    const { manager } = createManager({ disabled: ['game'] });
    const calls: string[] = [];
    manager.register({ definition: mod('game', {}, calls), kind: 'builtin' });
    manager.register({ definition: mod('arena', { dependsOn: ['game'] }, calls), kind: 'external' });
    await manager.initAll();
    expect(calls).toEqual([]);
    expect(states(manager)).toEqual({
      game: 'stopped: disabled in config',
      arena: "failed: dependency 'game' failed: disabled in config",
    });
    const err = await rejection(manager.process('game', 'x'));
    expect([err.code, err.message]).toEqual(['MODULE_FAILED', 'module game is disabled in config']);
  });

  it('lists a duplicate name as failed, pointing at the first', () => {
    const { manager } = createManager();
    manager.register({ definition: mod('dup'), kind: 'external', path: '/ws/modules/dup-one' });
    manager.register({ definition: mod('dup', { version: '2.0.0' }), kind: 'external', path: '/ws/modules/dup-two' });
    expect(manager.list().map((i) => [i.version, i.state, i.error ?? null])).toEqual([
      ['1.0.0', 'pending', null],
      ['2.0.0', 'failed', 'duplicate module name, also at /ws/modules/dup-one'],
    ]);
    expect(manager.info('dup').path).toBe('/ws/modules/dup-one');
  });
});

describe('ModuleManager: lifecycle and isolation', () => {
  it('isolates an init that throws and one that never resolves', async () => {
    const { manager } = createManager({ initTimeoutMs: 50 });
    manager.register({ definition: mod('thrower', { init: () => { throw new Error('bad config'); } }), kind: 'external' });
    manager.register({ definition: mod('sleeper', { init: () => new Promise<void>(() => {}) }), kind: 'external' });
    manager.register({ definition: mod('fine'), kind: 'external' });
    await manager.initAll();
    expect(states(manager)).toEqual({
      fine: 'ready',
      sleeper: 'failed: init timed out after 50 ms',
      thrower: 'failed: init failed: bad config',
    });
    await expect(manager.process('fine', 'ping', ['1'])).resolves.toEqual({ module: 'fine', command: 'ping', args: ['1'] });
    expect((await rejection(manager.ensure('sleeper'))).code).toBe('MODULE_FAILED');
    await expect(manager.health('thrower')).resolves.toEqual({ ok: false, message: 'init failed: bad config' });
  });

  it('ensure() initialises only the module and its dependencies', async () => {
    const calls: string[] = [];
    const { manager } = createManager();
    manager.register({ definition: mod('memory', {}, calls), kind: 'builtin' });
    manager.register({ definition: mod('auth', { dependsOn: ['memory'] }, calls), kind: 'builtin' });
    manager.register({ definition: mod('game', {}, calls), kind: 'builtin' });
    manager.register({ definition: mod('cms', { dependsOn: ['auth'] }, calls), kind: 'builtin' });
    await manager.ensure('auth');
    expect(calls).toEqual(['init memory', 'init auth']);
    expect(states(manager)).toEqual({ auth: 'ready', cms: 'pending', game: 'pending', memory: 'ready' });
  });

  it('concurrent ensure() calls share one init', async () => {
    let inits = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { manager } = createManager();
    manager.register({ definition: mod('base', { init: () => void inits++ }), kind: 'external' });
    manager.register({ definition: mod('slow', { dependsOn: ['base'], init: async () => { inits++; await gate; } }), kind: 'external' });
    const waiting = [manager.ensure('slow'), manager.ensure('slow'), manager.process('slow', 'x'), manager.ensure('base')];
    release();
    await Promise.all(waiting);
    expect(inits).toBe(2);
  });

  it('passes RaosError (and errors with our codes) through, wraps anything else as INTERNAL', async () => {
    const { manager } = createManager();
    manager.register({
      definition: mod('m', {
        process: (command) => {
          if (command === 'raos') throw new RaosError('CONFLICT', 'already there');
          if (command === 'coded') throw Object.assign(new Error('no such thing'), { code: 'NOT_FOUND', hint: 'list them first' });
          throw new TypeError('x is undefined');
        },
      }),
      kind: 'external',
    });
    manager.register({ definition: { name: 'quiet', version: '1.0.0' }, kind: 'builtin' });
    expect((await rejection(manager.process('m', 'raos'))).code).toBe('CONFLICT');
    const coded = await rejection(manager.process('m', 'coded'));
    expect([coded.code, coded.message, coded.hint]).toEqual(['NOT_FOUND', 'no such thing', 'list them first']);
    const wrapped = await rejection(manager.process('m', 'boom'));
    expect([wrapped.code, wrapped.message]).toEqual(['INTERNAL', "module m failed on 'boom': x is undefined"]);
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    expect(manager.info('m').state).toBe('ready');
    const none = await rejection(manager.process('quiet', 'x'));
    expect([none.code, none.message]).toEqual(['INVALID_INPUT', 'module quiet has no commands']);
  });

  it('abandons a process() call that takes too long, keeping the module ready', async () => {
    const { manager } = createManager({ processTimeoutMs: 30 });
    manager.register({ definition: mod('slow', { process: () => new Promise(() => {}) }), kind: 'external' });
    const err = await rejection(manager.process('slow', 'wait'));
    expect([err.code, err.message]).toEqual(['UNAVAILABLE', "module slow did not answer 'wait' within 30 ms"]);
    expect(manager.info('slow').state).toBe('ready');
  });

  it('refuses ctx.call() to a module outside dependsOn', async () => {
    const { manager, contexts } = createManager();
    manager.register({ definition: mod('memory'), kind: 'builtin' });
    manager.register({ definition: mod('other'), kind: 'external' });
    manager.register({
      definition: mod('caller', {
        dependsOn: ['memory'],
        process: (command, args, ctx) => ctx.call(command, 'get', args),
      }),
      kind: 'external',
    });
    await expect(manager.process('caller', 'memory', ['k'])).resolves.toEqual({ module: 'memory', command: 'get', args: ['k'] });
    const err = await rejection(manager.process('caller', 'other', ['k']));
    expect([err.code, err.message]).toEqual([
      'INVALID_INPUT',
      "module caller may only call its dependencies (dependsOn); 'other' is not one of them",
    ]);
    expect(manager.info('other').state).toBe('pending');
    expect(contexts.map((c) => c.name)).toEqual(['memory', 'caller']);
  });

  it('names the known modules when one is unknown', async () => {
    const { manager } = createManager();
    manager.register({ definition: mod('b'), kind: 'external' });
    manager.register({ definition: mod('a'), kind: 'external' });
    const err = await rejection(manager.ensure('zzz'));
    expect([err.code, err.message]).toEqual(['NOT_FOUND', "unknown module 'zzz'; known modules: a, b"]);
    expect(() => manager.info('zzz')).toThrow(/known modules: a, b/);
  });

  it('shuts down in reverse init order, logging errors and bounding each shutdown', async () => {
    const calls: string[] = [];
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (msg) => void warnings.push(msg), child: () => log };
    const { manager } = createManager({ log, initTimeoutMs: 40 });
    manager.register({ definition: mod('top', { dependsOn: ['mid'] }, calls), kind: 'external' });
    manager.register({ definition: mod('mid', { dependsOn: ['base'], shutdown: () => { calls.push('shutdown mid'); throw new Error('disk gone'); } }, calls), kind: 'external' });
    manager.register({ definition: mod('base', { shutdown: () => new Promise<void>(() => calls.push('shutdown base')) }, calls), kind: 'external' });
    manager.register({ definition: mod('idle', {}, calls), kind: 'external' });
    await manager.ensure('top');
    await manager.shutdownAll();
    expect(calls).toEqual(['init base', 'init mid', 'init top', 'shutdown top', 'shutdown mid', 'shutdown base']);
    expect(warnings).toEqual(['module mid shutdown failed: disk gone', 'module base shutdown failed: shutdown timed out after 40 ms']);
    expect(states(manager)).toEqual({ base: 'stopped', idle: 'stopped', mid: 'stopped', top: 'stopped' });
    expect((await rejection(manager.process('top', 'x'))).code).toBe('UNAVAILABLE');
  });
});

describe('ModuleManager: reload', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'raos-reload-'));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  const writeCounter = (dir: string, version: string) =>
    writeFileSync(
      path.join(dir, 'index.js'),
      `export default {
  name: 'counter',
  version: '${version}',
  process: (command) => ({ version: '${version}', command }),
  shutdown: () => { globalThis.__raosCounterShutdowns = (globalThis.__raosCounterShutdowns ?? 0) + 1; },
};
`,
    );

  it('picks up a changed entry file, shutting the old one down', async () => {
    const dir = path.join(workspace, 'modules', 'counter');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
    writeCounter(dir, '1.0.0');
    const g = globalThis as { __raosCounterShutdowns?: number };
    g.__raosCounterShutdowns = 0;

    const { manager } = createManager();
    const first = await loadModuleFolder(dir, { reserved: [] });
    manager.register({ definition: first.definition!, kind: 'external', path: dir });
    await expect(manager.process('counter', 'get')).resolves.toEqual({ version: '1.0.0', command: 'get' });

    writeCounter(dir, '1.1.0');
    const fresh = await loadModuleFolder(dir, { reserved: [], bust: '1' });
    const info = await manager.reload('counter', { definition: fresh.definition!, kind: 'external', path: dir });
    expect(info).toMatchObject({ name: 'counter', version: '1.1.0', state: 'ready' });
    expect(g.__raosCounterShutdowns).toBe(1);
    await expect(manager.process('counter', 'get')).resolves.toEqual({ version: '1.1.0', command: 'get' });

    // A broken file on the next reload: the module is failed with the loader's reason, then fixed again.
    writeFileSync(path.join(dir, 'index.js'), `export default { name: 'counter', version: 'two', process() {} };`);
    const broken = await loadModuleFolder(dir, { reserved: [], bust: '2' });
    const failed = await manager.reload('counter', { error: broken.error! });
    expect(failed).toMatchObject({ state: 'failed', error: 'modules/counter/index.js: version: expected a semantic version like 1.0.0' });
    expect(g.__raosCounterShutdowns).toBe(2);
    expect((await rejection(manager.process('counter', 'get'))).code).toBe('MODULE_FAILED');

    writeCounter(dir, '1.2.0');
    const fixed = await loadModuleFolder(dir, { reserved: [], bust: '3' });
    expect(await manager.reload('counter', { definition: fixed.definition!, kind: 'external', path: dir })).toMatchObject({
      version: '1.2.0',
      state: 'ready',
    });
    expect(g.__raosCounterShutdowns).toBe(2);
  });

  it('re-checks dependencies of the reloaded module but leaves its dependents as they are', async () => {
    const calls: string[] = [];
    const { manager } = createManager();
    manager.register({ definition: mod('lib', {}, calls), kind: 'external' });
    manager.register({ definition: mod('app', { dependsOn: ['lib'] }, calls), kind: 'external' });
    await manager.initAll();

    // lib now depends on app: a cycle. lib fails; app, already running, keeps running.
    const info = await manager.reload('lib', { definition: mod('lib', { version: '2.0.0', dependsOn: ['app'] }, calls), kind: 'external' });
    expect(info).toMatchObject({ state: 'failed', error: 'dependency cycle: lib → app → lib' });
    expect(manager.info('app').state).toBe('ready');

    const again = await manager.reload('lib', { definition: mod('lib', { version: '3.0.0', dependsOn: ['gone'] }, calls), kind: 'external' });
    expect(again.error).toBe("depends on 'gone', which is not installed");
    expect(calls).toEqual(['init lib', 'init app', 'shutdown lib']);
  });

  it('gives dependents that failed only because of the reloaded module another init', async () => {
    const calls: string[] = [];
    const { manager } = createManager();
    manager.registerFailed({ name: 'lib', path: '/ws/modules/lib', error: 'modules/lib/index.js: failed to load: boom' });
    manager.register({ definition: mod('app', { dependsOn: ['lib'] }, calls), kind: 'external' });
    manager.register({ definition: mod('ui', { dependsOn: ['app'] }, calls), kind: 'external' });
    manager.register({ definition: mod('other', { dependsOn: ['lib', 'ghost'] }, calls), kind: 'external' });
    await manager.initAll();
    expect(manager.info('ui').error).toBe("dependency 'app' failed: dependency 'lib' failed: modules/lib/index.js: failed to load: boom");

    await manager.reload('lib', { definition: mod('lib', {}, calls), kind: 'external', path: '/ws/modules/lib' });
    expect(states(manager)).toEqual({
      lib: 'ready',
      app: 'ready',
      ui: 'ready',
      other: "failed: depends on 'ghost', which is not installed",
    });
    expect(calls).toEqual(['init lib', 'init app', 'init ui']);
  });

  it('refuses built-in modules, renamed modules and unknown names without a definition', async () => {
    const { manager } = createManager();
    manager.register({ definition: mod('memory'), kind: 'builtin' });
    manager.register({ definition: mod('ext'), kind: 'external', path: '/ws/modules/ext' });
    const builtin = await rejection(manager.reload('memory', { definition: mod('memory'), kind: 'external' }));
    expect([builtin.code, builtin.message]).toEqual(['INVALID_INPUT', 'module memory is built in and cannot be reloaded']);
    const renamed = await rejection(manager.reload('ext', { definition: mod('other'), kind: 'external', path: '/ws/modules/ext' }));
    expect(renamed.message).toBe("the module at /ws/modules/ext is now named 'other', not 'ext'");
    expect((await rejection(manager.reload('nope', { error: 'x' }))).code).toBe('NOT_FOUND');
    // A new folder can be loaded without a restart.
    await expect(manager.reload('fresh', { definition: mod('fresh'), kind: 'external' })).resolves.toMatchObject({ state: 'ready' });
  });
});
