/**
 * The plugin sandbox: a well-behaved plugin works, and each hostile one ends with the right outcome
 * while the runner (and another plugin's host) keeps working.
 */
import { readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest, type HookName } from '../../../../src/modules/cms/plugins/manifest.js';
import { PluginHost, type HookOutcome, type PluginBudgets } from '../../../../src/modules/cms/plugins/runner.js';
import { writePlugin } from './helpers.js';

const BUDGETS: PluginBudgets = { timeMs: 200, memoryMb: 64 };

const dirs: string[] = [];
const hosts: PluginHost[] = [];

function host(files: Record<string, string>, options: { hooks?: HookName[]; budgets?: PluginBudgets; settings?: Record<string, unknown>; permissions?: string[] } = {}): PluginHost {
  const { dir, manifest } = writePlugin(files, {
    name: 'hostile',
    hooks: options.hooks ?? ['onPublish'],
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.permissions ? { permissions: options.permissions } : {}),
  });
  dirs.push(dir);
  const h = new PluginHost({ name: manifest.name, dir, manifest: parseManifest(manifest), budgets: options.budgets ?? BUDGETS });
  hosts.push(h);
  return h;
}

/** A plugin whose onPublish is `body` (a function body taking event and raos). */
function hookHost(body: string, options: Parameters<typeof host>[1] = {}): PluginHost {
  return host({ 'index.js': `exports.onPublish = function (event, raos) {\n${body}\n};\n` }, options);
}

function failed(outcome: HookOutcome): Extract<HookOutcome, { ok: false }> {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const goodFiles = {
  'index.js': `
const lib = require('./lib/text.js');
const data = require('./data.json');
let calls = 0;
exports.beforeContentSave = (event, raos) => {
  calls++;
  console.log('saving', event.title);
  raos.log('suffix is', raos.settings.suffix, { calls });
  return { ...event, title: lib.shout(event.title) + raos.settings.suffix, tags: [...event.tags, data.tag], plugin: raos.plugin };
};
exports.onPublish = async (event) => {
  const n = await Promise.resolve(event.n);
  await null;
  return { n: n + 1, calls };
};
`,
  'lib/text.js': `exports.shout = (s) => require('./upper').upper(s) + '!';`,
  'lib/upper.js': `module.exports = { upper: (s) => s.toUpperCase() };`,
  'data.json': `{ "tag": "from-json" }`,
};

let good: PluginHost;
let goodCalls = 0;

/** The well-behaved plugin's host still answers: nothing hostile took the runner down. */
async function survives(): Promise<void> {
  const outcome = await good.call('onPublish', { n: 41 });
  expect(outcome).toMatchObject({ ok: true, value: { n: 42, calls: goodCalls } });
}

beforeAll(() => {
  const { dir, manifest } = writePlugin(goodFiles, { name: 'good', version: '1.2.3', hooks: ['beforeContentSave', 'onPublish'], settings: { suffix: '?' } });
  dirs.push(dir);
  good = new PluginHost({ name: 'good', dir, manifest: parseManifest(manifest), budgets: BUDGETS });
});

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

afterAll(async () => {
  await good.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a well-behaved plugin', () => {
  it('runs sync hooks that change the payload, with require, JSON files, settings and logs', async () => {
    const outcome = await good.call('beforeContentSave', { title: 'hello', tags: ['a'] });
    goodCalls++;
    expect(outcome).toMatchObject({
      ok: true,
      value: { title: 'HELLO!?', tags: ['a', 'from-json'], plugin: { name: 'good', version: '1.2.3' } },
      logs: ['saving hello', 'suffix is ? {"calls":1}'],
    });
    expect(outcome.ms).toBeGreaterThanOrEqual(0);
  });

  it('runs async hooks, keeps module state, and keeps its host alive between calls', async () => {
    const first = await good.call('onPublish', { n: 1 });
    const pid = good.pid;
    expect(pid).toBeTypeOf('number');
    expect(first).toEqual({ ok: true, value: { n: 2, calls: goodCalls }, ms: expect.any(Number), logs: [] });
    await good.call('beforeContentSave', { title: 'x', tags: [] });
    goodCalls++;
    expect(await good.call('onPublish', { n: 2 })).toMatchObject({ ok: true, value: { n: 3, calls: goodCalls } });
    expect(good.pid).toBe(pid);
  });

  it('queues concurrent calls one at a time, in order', async () => {
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map((n) => good.call('onPublish', { n })));
    expect(outcomes.map((o) => (o.ok ? (o.value as { n: number }).n : o.reason))).toEqual([2, 3, 4, 5, 6]);
  });

  it('returns nothing as undefined', async () => {
    const h = hookHost('return undefined;');
    expect(await h.call('onPublish', {})).toMatchObject({ ok: true, value: undefined });
  });

  it('answers 1000 calls in a row from one process', async () => {
    const h = hookHost('return event.n;');
    await h.call('onPublish', { n: 0 });
    const pid = h.pid;
    for (let n = 0; n < 1000; n++) expect(await h.call('onPublish', { n })).toMatchObject({ ok: true, value: n });
    expect(h.pid).toBe(pid);
  });
});

describe('the sandbox boundary', () => {
  it('runs the host under the permission model, without write/child/worker grants, in its own network namespace when possible', async () => {
    const h = hookHost('return 1;');
    await h.call('onPublish', {});
    const args = readFileSync(`/proc/${h.pid}/cmdline`, 'utf8').split('\0');
    expect(args.some((a) => a === '--permission' || a === '--experimental-permission')).toBe(true);
    expect(args.filter((a) => a.startsWith('--allow-fs-read='))).toHaveLength(2);
    expect(args.some((a) => /^--allow-(fs-write|child-process|worker|addons|wasi)/.test(a))).toBe(false);
    expect(args).toContain('--max-old-space-size=64');
    expect(readFileSync(`/proc/${h.pid}/environ`, 'utf8').split('\0').filter((v) => v && !v.startsWith('NODE_CHANNEL_'))).toEqual([]);
    const isolation = PluginHost.isolation();
    expect(isolation.permissionModel).toBe(true);
    if (isolation.network === 'namespace') {
      expect(readlinkSync(`/proc/${h.pid}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));
    }
  });

  it('ends an infinite loop with a timeout, and respawns the host for the next call', async () => {
    const h = host({ 'index.js': `exports.onPublish = () => { while (true) {} };\nexports.afterContentSave = (e) => e.n * 2;` }, { hooks: ['onPublish', 'afterContentSave'] });
    await h.call('afterContentSave', { n: 1 });
    const pid = h.pid;
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('timeout');
    expect(outcome.ms).toBeLessThan(BUDGETS.timeMs + 2000);
    expect(await h.call('afterContentSave', { n: 21 })).toMatchObject({ ok: true, value: 42 });
    expect(h.pid).not.toBe(pid);
    await survives();
  });

  it('ends a promise-microtask loop with a timeout', async () => {
    const h = hookHost('const spin = () => Promise.resolve().then(spin); return spin();');
    expect(failed(await h.call('onPublish', {})).reason).toBe('timeout');
    await survives();
  });

  it('ends an endless loop in the plugin body at load time with a timeout', async () => {
    const h = host({ 'index.js': 'for (;;) {}\nexports.onPublish = () => 1;' });
    expect(failed(await h.call('onPublish', {})).reason).toBe('timeout');
    await survives();
  });

  it('has no process: process.exit(1) throws', async () => {
    const h = hookHost('process.exit(1);');
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('threw');
    expect(outcome.message).toBe('ReferenceError: process is not defined');
    await survives();
  });

  it("refuses require('fs') (no reading /etc/passwd)", async () => {
    const h = hookHost("return require('fs').readFileSync('/etc/passwd', 'utf8');");
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('threw');
    expect(outcome.message).toMatch(/require\('fs'\) is not allowed/);
    await survives();
  });

  it("refuses require('child_process') and node: modules", async () => {
    const h = hookHost("try { require('node:fs') } catch (e) { console.log(e.message) }\nrequire('child_process').execSync('id');");
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('threw');
    expect(outcome.message).toMatch(/require\('child_process'\) is not allowed/);
    expect(outcome.logs[0]).toMatch(/require\('node:fs'\) is not allowed/);
    await survives();
  });

  it('refuses require of a file outside the plugin', async () => {
    const h = hookHost("return require('../../../etc/passwd');");
    expect(failed(await h.call('onPublish', {})).message).toMatch(/points outside the plugin/);
  });

  it('has no fetch: a local HTTP server sees no request', async () => {
    let requests = 0;
    const server: Server = createServer((_req, res) => {
      requests++;
      res.end('secret');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const h = hookHost('return fetch(event.url).then((r) => r.text());');
      const outcome = failed(await h.call('onPublish', { url: `http://127.0.0.1:${port}/` }));
      expect(outcome.reason).toBe('threw');
      expect(outcome.message).toMatch(/fetch is not defined/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(requests).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await survives();
  });

  it("gives no escape through this.constructor.constructor('return process')()", async () => {
    // As the hook's `this` (the exports object) and as a sloppy function's `this` (the global).
    const h = hookHost(`
      const attempts = [() => this.constructor.constructor('return process')(), function () { return this.constructor.constructor('return process')(); }];
      return attempts.map((attempt) => {
        try { const p = attempt(); return typeof (p && p.pid); } catch (e) { return e.name + ': ' + e.message; }
      });`);
    const outcome = await h.call('onPublish', {});
    expect(outcome).toMatchObject({ ok: true, value: [expect.any(String), expect.any(String)] });
    for (const result of (outcome as { value: string[] }).value) expect(result).toBe('EvalError: Code generation from strings disallowed for this context');
    await survives();
  });

  it('gives no escape through any constructor, stack trace, caller or error reachable from plugin code', async () => {
    // Each route returns what it reaches. Anything not of this realm (not instanceof its Object) is a
    // host object: FOREIGN, whether or not it could be exploited. Functions reached are also called
    // with 'return process' to see whether they compile code.
    const h = host({
      'index.js': `
const self = this;
exports.onPublish = function (event, raos) {
  const hookThis = this;
  const routes = {
    moduleThis: () => self.constructor.constructor,
    hookThis: () => hookThis.constructor.constructor,
    globalThis: () => globalThis.constructor.constructor,
    globalProto: () => Object.getPrototypeOf(globalThis),
    event: () => event.constructor.constructor,
    raos: () => raos.constructor.constructor,
    raosLog: () => raos.log.constructor,
    settings: () => raos.settings.constructor.constructor,
    console: () => console.log.constructor,
    require: () => require.constructor,
    module: () => module.constructor.constructor,
    asyncFn: () => (async () => {}).constructor,
    generator: () => (function* () {}).constructor,
    thrownByRequire: () => { try { require('fs'); } catch (e) { return e; } },
    thrownByNull: () => { try { null.x; } catch (e) { return e; } },
    stackFrames: () => { Error.prepareStackTrace = (e, frames) => frames; const frames = new Error().stack; Error.prepareStackTrace = undefined; return frames; },
    caller: () => { function f() { return f.caller; } return f(); },
    callerOfHook: () => { function f() { return f.caller && f.caller.caller; } return f(); },
    eval: () => eval('process'),
    indirectEval: () => (0, eval)('globalThis.process'),
    globals: () => globalThis.process || globalThis.require || globalThis.fetch || globalThis.setTimeout || globalThis.global,
  };
  const out = {};
  for (const [name, route] of Object.entries(routes)) {
    let reached;
    try { reached = route(); } catch (e) { out[name] = 'threw ' + (e instanceof Object ? e.name : 'FOREIGN'); continue; }
    if (reached === undefined || reached === null) { out[name] = 'nothing'; continue; }
    if ((typeof reached === 'object' || typeof reached === 'function') && !(reached instanceof Object)) { out[name] = 'FOREIGN'; continue; }
    if (typeof reached === 'function') {
      try {
        const p = reached('return process')();
        out[name] = p && typeof p.pid === 'number' ? 'ESCAPED' : 'ours, compiled nothing useful';
      } catch (e) {
        out[name] = 'ours, ' + (e instanceof Object ? e.name : 'FOREIGN');
      }
    } else out[name] = 'ours';
  }
  return out;
};`,
    });
    const outcome = await h.call('onPublish', { x: 1 });
    expect(outcome.ok).toBe(true);
    const results = (outcome as { value: Record<string, string> }).value;
    expect(Object.keys(results)).toHaveLength(21);
    for (const [name, result] of Object.entries(results)) expect(`${name}: ${result}`).not.toMatch(/ESCAPED|FOREIGN/);
    // The Function constructors reached are this realm's, where compiling strings is off.
    expect(results.moduleThis).toBe('ours, EvalError');
    expect(results.globalThis).toBe('ours, EvalError');
    await survives();
  });

  it('gives no escape through a host error raised by filling the stack first (errors carry no stack)', async () => {
    const h = hookHost(`
      const found = {};
      // A host object is not an instance of this realm's Object; whether it could be exploited further
      // depends on other layers, so any such object counts.
      const probe = (e) => (e !== null && typeof e === 'object' && !(e instanceof Object) ? 'FOREIGN' : 'ours');
      const attempts = [
        () => new Error('a').stack,
        () => { const o = {}; Error.captureStackTrace(o); return o.stack; },
        () => { Error.prepareStackTrace = (e, s) => s; return new Error('b').stack; },
        () => String(new Error('c')),
      ];
      let overflows = 0;
      function deeper(n) {
        try { deeper(n + 1); } catch (e) { overflows++; }
        attempts.forEach((attempt, i) => { try { attempt(); } catch (e) { found[i + ':' + probe(e)] = true; } });
      }
      deeper(0);
      return { found: Object.keys(found), overflows, stack: typeof new Error('x').stack };`);
    const outcome = await h.call('onPublish', {});
    expect(outcome.ok).toBe(true);
    const value = (outcome as { value: { found: string[]; overflows: number; stack: string } }).value;
    expect(value.overflows).toBeGreaterThan(0); // the attempts really ran at the edge of the stack
    expect(value.found.filter((f) => f.includes('FOREIGN'))).toEqual([]);
    expect(value.stack).toBe('undefined');
    await survives();
  });

  it.each([
    ["import('fs')", "return import('fs');"],
    ['import hidden by comments', "return import /* a */ // b\n ('node:child_process');"],
    ['import after an HTML comment', "return import<!-- x\n('fs');"],
  ])('refuses dynamic import: %s', async (_label, body) => {
    const h = hookHost(body);
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('threw');
    expect(outcome.message).toMatch(/^index\.js: import\(\) is not available in the plugin sandbox/);
    await survives();
  });

  it('does not mistake names containing import for import()', async () => {
    const h = hookHost('const reimport = (x) => x; const importer = { import: (x) => x * 2 }; return reimport(1) + importer.import (2) * 0 + 1;');
    // importer.import (2) is a method call, but the word boundary rule refuses it anyway: documented over-approximation.
    expect(failed(await h.call('onPublish', {})).message).toMatch(/import\(\) is not available/);
    const h2 = hookHost('const reimport = (x) => x; const importer = (x) => x * 2; return reimport(1) + importer(2);');
    expect(await h2.call('onPublish', {})).toMatchObject({ ok: true, value: 5 });
  });

  it('ends a 2 GiB ArrayBuffer fill (outside the V8 heap) with memory or timeout', async () => {
    const h = hookHost('new Uint8Array(2 * 1024 ** 3).fill(1); return "filled";');
    const outcome = failed(await h.call('onPublish', {}));
    expect(['memory', 'timeout']).toContain(outcome.reason);
    await survives();
  });

  it('ends a growing JS array with memory or timeout', async () => {
    const h = hookHost('const keep = []; for (;;) keep.push(new Array(10000).fill(Math.random()));', { budgets: { timeMs: 2000, memoryMb: 64 } });
    const outcome = failed(await h.call('onPublish', {}));
    expect(['memory', 'timeout']).toContain(outcome.reason);
    await survives();
  });

  it('reports a host killed mid-call as crashed and respawns it on the next call', async () => {
    const h = host(
      { 'index.js': 'exports.onPublish = (e) => { if (e.spin) for (;;) {} return "fine"; };' },
      { budgets: { timeMs: 3000, memoryMb: 64 } },
    );
    expect(await h.call('onPublish', {})).toMatchObject({ ok: true, value: 'fine' });
    const pid = h.pid as number;
    const pending = h.call('onPublish', { spin: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(pid, 'SIGKILL');
    const outcome = failed(await pending);
    expect(outcome.reason).toBe('crashed');
    expect(outcome.message).toMatch(/SIGKILL/);
    expect(await h.call('onPublish', {})).toMatchObject({ ok: true, value: 'fine' });
    expect(h.pid).not.toBe(pid);
    await survives();
  });

  it('survives unhandled rejections inside the sandbox', async () => {
    const h = host({ 'index.js': 'Promise.reject(new Error("top"));\nexports.onPublish = () => { Promise.reject({ get message() { for (;;) {} } }); return "ok"; };' });
    expect(await h.call('onPublish', {})).toMatchObject({ ok: true, value: 'ok' });
    expect(await h.call('onPublish', {})).toMatchObject({ ok: true, value: 'ok' });
    await survives();
  });

  it('removes what could block or run outside a call: Atomics, SharedArrayBuffer, FinalizationRegistry, WebAssembly', async () => {
    const h = hookHost('return [typeof Atomics, typeof SharedArrayBuffer, typeof FinalizationRegistry, typeof WebAssembly, typeof setTimeout];');
    expect(await h.call('onPublish', {})).toMatchObject({ ok: true, value: ['undefined', 'undefined', 'undefined', 'undefined', 'undefined'] });
  });
});

describe('plugin faults', () => {
  it('reports a thrown error with its name and message', async () => {
    const h = hookHost('\nthrow new TypeError("no title");');
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome).toMatchObject({ reason: 'threw', message: 'TypeError: no title' });
  });

  it('reports a rejected promise as threw, with the logs so far', async () => {
    const h = hookHost('console.warn("about to fail"); return Promise.reject(new Error("nope"));');
    expect(failed(await h.call('onPublish', {}))).toMatchObject({ reason: 'threw', message: expect.stringMatching(/^Error: nope/), logs: ['warn: about to fail'] });
  });

  it('names the file and line of a syntax error', async () => {
    const h = host({ 'index.js': "require('./lib.js');\nexports.onPublish = () => 1;", 'lib.js': 'const a = 1;\nconst b = ;\n' });
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('threw');
    expect(outcome.message).toMatch(/^lib\.js:2: SyntaxError: Unexpected token/);
    // The failure is remembered: the next call says the same without running anything.
    expect(failed(await h.call('onPublish', {})).message).toBe(outcome.message);
  });

  it('names the entry file and the hook a plugin declares but does not export', async () => {
    const h = host({ 'index.js': 'exports.onPublish = () => 1;' }, { hooks: ['onPublish', 'afterContentSave'] });
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('threw');
    expect(outcome.message).toMatch(/^index\.js does not export afterContentSave, declared in plugin\.json hooks/);
  });

  it('names the entry file when its top level throws', async () => {
    const h = host({ 'index.js': 'throw new Error("bad config");' });
    expect(failed(await h.call('onPublish', {}))).toMatchObject({ reason: 'threw', message: 'loading index.js failed: Error: bad config' });
  });

  it('refuses a result that is not JSON', async () => {
    const h = hookHost('return { big: 1n };');
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('invalid-result');
    expect(outcome.message).toMatch(/not JSON.*BigInt/);
  });

  it('refuses a promise that never settles', async () => {
    const h = hookHost('return new Promise(() => {});');
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('invalid-result');
    expect(outcome.message).toMatch(/did not settle; plugins have no timers/);
  });

  it('refuses a result over 2 MiB', async () => {
    const h = hookHost('return "x".repeat(3 * 1024 * 1024);');
    const outcome = failed(await h.call('onPublish', {}));
    expect(outcome.reason).toBe('invalid-result');
    expect(outcome.message).toMatch(/larger than 2097152 bytes|more than the limit of 2097152/);
  });

  it('does not let a late promise from an earlier call answer a later one', async () => {
    const h = hookHost('if (event.first) { let resolve; const p = new Promise((r) => { resolve = r; }); globalThis.later = resolve; return p; } globalThis.later("stale"); return "fresh";');
    expect(failed(await h.call('onPublish', { first: true })).reason).toBe('invalid-result');
    expect(await h.call('onPublish', {})).toMatchObject({ ok: true, value: 'fresh' });
  });

  it('caps logs', async () => {
    const h = hookHost('for (let i = 0; i < 500; i++) console.log("line", i, "x".repeat(5000)); return 1;');
    const outcome = await h.call('onPublish', {});
    expect(outcome.logs).toHaveLength(101);
    expect(outcome.logs[0].length).toBeLessThanOrEqual(2001);
    expect(outcome.logs[100]).toBe('(400 more log lines dropped)');
  });
});

describe('the runner', () => {
  it('refuses a hook the plugin does not declare', async () => {
    const h = hookHost('return 1;');
    expect(failed(await h.call('onRender', {}))).toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/does not declare the hook onRender/) });
    expect(h.pid).toBeUndefined(); // nothing was started for it
  });

  it('refuses a payload that is not JSON', async () => {
    const h = hookHost('return 1;');
    expect(failed(await h.call('onPublish', { n: 1n })).reason).toBe('unavailable');
  });

  it('close() kills the host, is idempotent, and later calls are unavailable', async () => {
    const h = hookHost('return 1;');
    await h.call('onPublish', {});
    const pid = h.pid as number;
    await h.close();
    await h.close();
    expect(h.pid).toBeUndefined();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(failed(await h.call('onPublish', {})).reason).toBe('unavailable');
  });

  it('close() during a call ends it as unavailable', async () => {
    const h2 = hookHost('if (event.spin) for (;;) {} return 1;', { budgets: { timeMs: 3000, memoryMb: 64 } });
    await h2.call('onPublish', {});
    const pending = h2.call('onPublish', { spin: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await h2.close();
    expect(failed(await pending).reason).toBe('unavailable');
  });

  it('reports a missing plugin folder as unavailable', async () => {
    const { dir, manifest } = writePlugin({ 'index.js': '' });
    dirs.push(dir);
    const h = new PluginHost({ name: 'gone', dir: '/nonexistent/raos-plugin', manifest: parseManifest(manifest), budgets: BUDGETS });
    hosts.push(h);
    expect(failed(await h.call('beforeContentSave', {})).reason).toBe('unavailable');
  });
});
