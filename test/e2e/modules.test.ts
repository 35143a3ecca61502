/**
 * External modules (docs/modules.md) through the built CLI: `raos <module> <command> [args...]`,
 * `raos module list|info|reload`, and the failures that must stay isolated: cycles, missing
 * dependencies, init that throws, invalid exports, names taken by built-ins.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, raos, show, workspace, writeModule, type Workspace } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

const HELLO = (version = '1.0.0') => `export default {
  name: 'hello',
  version: '${version}',
  description: 'Says hello',
  process(command, args) {
    switch (command) {
      case 'greet': return { greeting: 'hello ' + args[0] };
      case 'version': return '${version}';
      case 'nothing': return undefined;
      case 'crash': throw new Error('asked to crash');
      case 'missing': throw Object.assign(new Error('no greeting named ' + args[0]), { code: 'NOT_FOUND' });
      default: throw Object.assign(new Error("unknown command '" + command + "'; try: greet [name]"), { code: 'INVALID_INPUT' });
    }
  },
  health() { return { ok: true, note: 'fine' }; },
};
`;

const simple = (name: string, extra = '') =>
  `export default { name: ${JSON.stringify(name)}, version: '1.0.0', ${extra} process(command, args) { return { from: ${JSON.stringify(name)}, command, args }; } };\n`;

interface ModuleInfo {
  name: string;
  version: string;
  kind: 'builtin' | 'external';
  state: string;
  error?: string;
  dependsOn: string[];
  path?: string;
}

describe('a workspace with good and broken modules', () => {
  let ws: Workspace;
  let modules: ModuleInfo[];
  const find = (name: string, kind: 'builtin' | 'external' = 'external') => {
    const m = modules.find((x) => x.name === name && x.kind === kind);
    expect(m, `module ${name} (${kind}) not listed: ${JSON.stringify(modules, null, 2)}`).toBeTruthy();
    return m!;
  };

  beforeAll(async () => {
    ws = await workspace();
    const dir = ws.modulesDir;
    writeModule(dir, 'hello', HELLO());
    writeModule(dir, 'greeter', `export default {
  name: 'greeter', version: '0.2.0', dependsOn: ['hello', 'memory'],
  async process(command, args, ctx) {
    if (command === 'welcome') {
      const reply = await ctx.call('hello', 'greet', args);
      return { welcome: reply.greeting.toUpperCase() };
    }
    if (command === 'sneak') return ctx.call('cyc-a', 'x', []);
    throw Object.assign(new Error('unknown'), { code: 'INVALID_INPUT' });
  },
};
`, { main: 'lib/main.mjs' });
    writeModule(dir, 'cyc-a', simple('cyc-a', "dependsOn: ['cyc-b'],"));
    writeModule(dir, 'cyc-b', simple('cyc-b', "dependsOn: ['cyc-a'],"));
    writeModule(dir, 'needs-ghost', simple('needs-ghost', "dependsOn: ['ghost'],"));
    writeModule(dir, 'on-needs-ghost', simple('on-needs-ghost', "dependsOn: ['needs-ghost'],"));
    writeModule(dir, 'boom', simple('boom', "init() { throw new Error('kaboom during init'); },"));
    writeModule(dir, 'bad-version', `export default { name: 'bad-version', version: 'one', process() { return 1; } };\n`);
    writeModule(dir, 'no-process', `export default { name: 'no-process', version: '1.0.0' };\n`);
    writeModule(dir, 'syntax', `export default { name: 'syntax', version: '1.0.0', process() { return 1 },, };\n`);
    writeModule(dir, 'shadow-memory', simple('memory'));
    writeModule(dir, 'shadow-config', simple('config'));
    const list = await ws.ok<{ modules: ModuleInfo[] }>(['module', 'list']);
    modules = list.modules;
  });

  it('module list exits 0 and shows the good module ready and the built-in memory ready', async () => {
    expect(find('hello')).toMatchObject({ version: '1.0.0', state: 'ready', path: path.join(ws.modulesDir, 'hello') });
    expect(find('greeter')).toMatchObject({ version: '0.2.0', state: 'ready', dependsOn: ['hello', 'memory'] });
    expect(find('memory', 'builtin')).toMatchObject({ state: 'ready' });
    // Human mode lists them too, and exits 0 despite the broken ones.
    const human = await ws.raos(['module', 'list']);
    expect(human.code, show(['module', 'list'], human)).toBe(0);
    expect(human.stdout).toMatch(/hello\s+1\.0\.0\s+external\s+ready/);
    expect(human.stdout).toMatch(/cyc-a.*failed/);
  });

  it('raos hello greet world prints the result, with --json and without', async () => {
    const json = await ws.raos(['hello', 'greet', 'world', '--json']);
    expect(json.code, show(['hello', 'greet', 'world', '--json'], json)).toBe(0);
    expect(json.json()).toEqual({ greeting: 'hello world' });
    const human = await ws.raos(['hello', 'greet', 'world']);
    expect(human.code, show(['hello', 'greet', 'world'], human)).toBe(0);
    expect(human.stdout).toContain('hello world');
    expect(JSON.parse(human.stdout)).toEqual({ greeting: 'hello world' });
    // --workspace works for module commands too, before or after the words.
    const flagged = await raos(['hello', 'greet', 'there', '--workspace', ws.root, '--json']);
    expect(flagged.json()).toEqual({ greeting: 'hello there' });
    const early = await raos(['hello', '--workspace', ws.root, 'greet', 'you', '--json']);
    expect(early.json(), show(['hello', '--workspace', ws.root, 'greet', 'you'], early)).toEqual({ greeting: 'hello you' });
  });

  it('module errors keep their code; a plain throw is INTERNAL; undefined prints null with --json', async () => {
    const [unknown, missing, crash, nothing, noCommand] = await Promise.all([
      ws.raos(['hello', 'wave', '--json']),
      ws.raos(['hello', 'missing', 'x', '--json']),
      ws.raos(['hello', 'crash', '--json']),
      ws.raos(['hello', 'nothing', '--json']),
      ws.raos(['hello', '--json']),
    ]);
    expect(unknown.code, show(['hello', 'wave'], unknown)).toBe(2);
    expect(unknown.json().error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(unknown.json().error.message).toContain("unknown command 'wave'");
    expect(missing.code).toBe(3);
    expect(missing.json().error.code).toBe('NOT_FOUND');
    expect(crash.code).toBe(1);
    expect(crash.json().error.code).toBe('INTERNAL');
    expect(crash.json().error.message).toContain('asked to crash');
    expect(nothing.code).toBe(0);
    expect(nothing.json()).toBeNull();
    expect(noCommand.code).toBe(2);
    expect(noCommand.json().error.code).toBe('INVALID_INPUT');
  });

  it('a module calls its dependencies through ctx.call, and nothing else', async () => {
    const ok = await ws.raos(['greeter', 'welcome', 'ra', '--json']);
    expect(ok.code, show(['greeter', 'welcome', 'ra'], ok)).toBe(0);
    expect(ok.json()).toEqual({ welcome: 'HELLO RA' });
    const sneak = await ws.raos(['greeter', 'sneak', '--json']);
    expect(sneak.code, show(['greeter', 'sneak'], sneak)).not.toBe(0);
    expect(sneak.json().error.message).toMatch(/dependsOn|may only call/);
  });

  it('a dependency cycle fails every module on it, naming the chain; others are unaffected', async () => {
    for (const name of ['cyc-a', 'cyc-b']) {
      const m = find(name);
      expect(m.state).toBe('failed');
      expect(m.error).toMatch(/cycle/);
      expect(m.error).toContain('cyc-a');
      expect(m.error).toContain('cyc-b');
    }
    expect(find('hello').state).toBe('ready');
    const run = await ws.raos(['cyc-a', 'x', '--json']);
    expect(run.code, show(['cyc-a', 'x'], run)).toBe(14);
    expect(run.json().error.code).toBe('MODULE_FAILED');
    expect(run.json().error.message).toMatch(/cycle/);
    const human = await ws.raos(['cyc-b', 'x']);
    expect(human.code).toBe(14);
    expect(human.stderr).toMatch(/MODULE_FAILED/);
  });

  it('a missing dependency fails the module (and what depends on it), naming the dependency', async () => {
    expect(find('needs-ghost')).toMatchObject({ state: 'failed' });
    expect(find('needs-ghost').error).toMatch(/ghost.*not installed/);
    expect(find('on-needs-ghost').state).toBe('failed');
    expect(find('on-needs-ghost').error).toContain('needs-ghost');
    const run = await ws.raos(['needs-ghost', 'x', '--json']);
    expect(run.code).toBe(14);
    expect(run.json().error.code).toBe('MODULE_FAILED');
  });

  it('an init that throws fails that module with its message; the rest work', async () => {
    expect(find('boom')).toMatchObject({ state: 'failed' });
    expect(find('boom').error).toContain('kaboom during init');
    const run = await ws.raos(['boom', 'x', '--json']);
    expect(run.code, show(['boom', 'x'], run)).toBe(14);
    expect(run.json().error.message).toContain('kaboom during init');
    const info = await ws.ok(['module', 'info', 'boom']);
    expect(info).toMatchObject({ name: 'boom', state: 'failed' });
    expect(info.health.ok).toBe(false);
  });

  it('an invalid export is listed as failed with the file and the field', async () => {
    const badVersion = find('bad-version');
    expect(badVersion.state).toBe('failed');
    expect(badVersion.error).toContain('modules/bad-version/index.js');
    expect(badVersion.error).toMatch(/version/);
    const noProcess = find('no-process');
    expect(noProcess.state).toBe('failed');
    expect(noProcess.error).toContain('modules/no-process/index.js');
    expect(noProcess.error).toMatch(/process/);
    const syntax = modules.find((m) => m.path === path.join(ws.modulesDir, 'syntax'));
    expect(syntax, JSON.stringify(modules, null, 2)).toBeTruthy();
    expect(syntax!.state).toBe('failed');
    expect(syntax!.error).toContain('modules/syntax/index.js');
    const run = await ws.raos(['bad-version', 'x', '--json']);
    expect(run.code, show(['bad-version', 'x'], run)).toBe(14);
    expect(run.json().error.code).toBe('MODULE_FAILED');
  });

  it('external modules named memory or config are refused ("taken"); the built-ins keep working', async () => {
    for (const name of ['memory', 'config']) {
      const m = find(name, 'external');
      expect(m.state).toBe('failed');
      expect(m.error).toMatch(/taken/);
    }
    await ws.ok(['memory', 'set', 'still', 'works']);
    expect((await ws.ok(['memory', 'get', 'still'])).value).toBe('works');
    const config = await ws.ok(['config', 'path']);
    expect(config.root).toBe(ws.root);
    const builtin = await ws.ok(['module', 'info', 'memory']);
    expect(builtin).toMatchObject({ kind: 'builtin', state: 'ready' });
  });

  it('an unknown command of a built-in topic is NOT_FOUND naming that command, not the topic', async () => {
    const r = await ws.raos(['memory', 'sett', 'a', 'b', '--json']);
    expect(r.code, show(['memory', 'sett', 'a', 'b'], r)).toBe(3);
    const error = r.json().error;
    expect(error.code).toBe('NOT_FOUND');
    // 'memory' IS a raos topic: the message must be about 'memory sett', not claim memory does not exist.
    expect(error.message, show(['memory', 'sett'], r)).toContain('sett');
    expect(await ws.ok(['memory', 'list'])).toMatchObject({ items: expect.any(Array) });
  });

  it('an unknown word is NOT_FOUND (exit 3) with a hint; --json prints the error JSON', async () => {
    const human = await ws.raos(['nosuchthing']);
    expect(human.code).toBe(3);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/NOT_FOUND/);
    expect(human.stderr).toMatch(/Hint:/);
    const json = await ws.raos(['nosuchthing', 'sub', '--json']);
    expect(json.code).toBe(3);
    const error = json.json().error;
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('nosuchthing');
    expect(error.hint).toBeTruthy();
  });
});

describe('time limits (modules.initTimeoutMs)', () => {
  // Each run is started at once (in parallel) and given at most 12 s; the modules' own timers run 30 s, so
  // a CLI that waits for them instead of exiting at the limit is caught.
  const LIMIT = ['-c', 'modules.initTimeoutMs=300', '--json'];
  let results: Record<string, { code: number | null; signal: string | null; stdout: string; stderr: string; ms: number; json(): any }>;

  beforeAll(async () => {
    const ws = await workspace();
    writeModule(ws.modulesDir, 'slow', `export default { name: 'slow', version: '1.0.0',
  process(command) {
    if (command === 'forever') return new Promise(() => {});
    if (command === 'long') return new Promise((resolve) => setTimeout(() => resolve('late'), 30000));
    return 'quick';
  } };
`);
    writeModule(ws.modulesDir, 'init-forever', simple('init-forever', 'init() { return new Promise(() => {}); },'));
    writeModule(ws.modulesDir, 'init-long', simple('init-long', 'init() { return new Promise((r) => setTimeout(r, 30000)); },'));
    const runs: Record<string, string[]> = {
      quick: ['slow', 'quick', ...LIMIT],
      forever: ['slow', 'forever', ...LIMIT],
      long: ['slow', 'long', ...LIMIT],
      initForever: ['init-forever', 'x', ...LIMIT],
      initLong: ['init-long', 'x', ...LIMIT],
    };
    const entries = await Promise.all(
      Object.entries(runs).map(async ([name, args]) => {
        const t0 = Date.now();
        const r = await ws.raos(args, { timeoutMs: 12_000 });
        return [name, { ...r, ms: Date.now() - t0, json: r.json }] as const;
      }),
    );
    results = Object.fromEntries(entries);
  });

  const describeRun = (name: string) => {
    const r = results[name];
    return `${name}: exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ''} after ${r.ms} ms\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  };

  it('a module command within the limit works', () => {
    expect(results.quick.code, describeRun('quick')).toBe(0);
    expect(results.quick.json()).toBe('quick');
  });

  it('a process() that never settles is UNAVAILABLE (exit 15), with the error printed', () => {
    const r = results.forever;
    expect(r.stdout, describeRun('forever')).not.toBe('');
    expect(r.json().error?.code, describeRun('forever')).toBe('UNAVAILABLE');
    expect(r.code, describeRun('forever')).toBe(15);
  });

  it('a process() past the limit is UNAVAILABLE (exit 15) and the CLI exits then, not when the module finishes', () => {
    const r = results.long;
    expect(r.json().error?.code, describeRun('long')).toBe('UNAVAILABLE');
    expect(r.code, describeRun('long')).toBe(15);
    expect(r.ms, describeRun('long')).toBeLessThan(10_000);
  });

  it('an init() that never settles fails the module (MODULE_FAILED, exit 14, "timed out")', () => {
    const r = results.initForever;
    expect(r.stdout, describeRun('initForever')).not.toBe('');
    expect(r.json().error?.code, describeRun('initForever')).toBe('MODULE_FAILED');
    expect(r.json().error.message).toMatch(/timed out after 300 ms/);
    expect(r.code).toBe(14);
  });

  it('an init() past the limit fails the module and the CLI exits then', () => {
    const r = results.initLong;
    expect(r.json().error?.code, describeRun('initLong')).toBe('MODULE_FAILED');
    expect(r.json().error.message).toMatch(/timed out after 300 ms/);
    expect(r.code).toBe(14);
    expect(r.ms, describeRun('initLong')).toBeLessThan(10_000);
  });
});

describe('module reload', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace();
    writeModule(ws.modulesDir, 'hello', HELLO('1.0.0'));
  });

  it('picks up a rewritten entry: reload reports 2.0.0 and module info says 2.0.0', async () => {
    expect((await ws.ok(['module', 'info', 'hello'])).version).toBe('1.0.0');
    writeFileSync(path.join(ws.modulesDir, 'hello', 'index.js'), HELLO('2.0.0'));
    const reloaded = await ws.ok(['module', 'reload', 'hello']);
    expect(reloaded.module).toMatchObject({ name: 'hello', version: '2.0.0', state: 'ready' });
    const human = await ws.raos(['module', 'reload', 'hello']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('2.0.0');
    const info = await ws.ok(['module', 'info', 'hello']);
    expect(info).toMatchObject({ name: 'hello', version: '2.0.0', state: 'ready' });
    expect(info.health.ok).toBe(true);
    expect((await ws.ok(['hello', 'version'])) ).toBe('2.0.0');
  });

  it('a reload of a broken entry reports it failed; fixing it and reloading brings it back', async () => {
    writeFileSync(path.join(ws.modulesDir, 'hello', 'index.js'), `export default { name: 'hello', version: 'bad', process() {} };\n`);
    const broken = await ws.raos(['module', 'reload', 'hello', '--json']);
    const out = broken.json();
    const state = out.module?.state ?? out.error?.code;
    expect(state, show(['module', 'reload', 'hello'], broken)).toMatch(/failed|MODULE_FAILED/);
    writeFileSync(path.join(ws.modulesDir, 'hello', 'index.js'), HELLO('3.0.0'));
    const fixed = await ws.ok(['module', 'reload', 'hello']);
    expect(fixed.module).toMatchObject({ version: '3.0.0', state: 'ready' });
  });

  it('built-in and unknown modules cannot be reloaded', async () => {
    await ws.fails(['module', 'reload', 'memory'], 'INVALID_INPUT', 2);
    await ws.fails(['module', 'reload', 'no-such-module'], 'NOT_FOUND', 3);
  });
});
