/**
 * The plugin host: one child process per enabled CMS plugin, started by runner.ts. Plain JavaScript
 * with `node:` built-ins only, because it runs as-is from src/ (tests) and as dist/plugin-host.js.
 *
 * The process already runs under the Node permission model (it may read this script and the plugin
 * folder, nothing else; no writes, no child processes, no workers) and, where the machine allows, in
 * a network namespace with no interfaces. Inside it, plugin code runs in a `vm` context that holds
 * only ECMAScript built-ins and what the prelude below defines:
 *
 * - NO host object ever enters the context. A host function's `.constructor` is the host's Function,
 *   which compiles code where strings may be compiled and reaches `process`. So the context is created
 *   over a null-prototype object (over `{}`, `this.constructor` would be the host's Object), the
 *   plugin's files go in as strings inside a JSON literal, and every value coming back is a primitive
 *   string that is type-checked before it is parsed in this realm.
 * - Code generation from strings and wasm are off in the context (`eval`, `Function(...)`).
 * - Nothing in the context calls back into host JavaScript, whose errors would be host objects: stack
 *   traces are off (formatting one runs Node's prepareStackTrace hook), and a source that may call
 *   `import()` (Node's loader) is refused before it is compiled.
 * - `microtaskMode: 'afterEvaluate'`: promise chains settle inside the runInContext call that started
 *   them, so they count against its timeout. There are no timers in the context, and what could run
 *   outside a call (FinalizationRegistry) or block (Atomics) is removed.
 * - Should all that fail, this process cannot compile strings itself and its built-ins are frozen
 *   (`--disallow-code-generation-from-strings --frozen-intrinsics`, set by runner.ts and reported in
 *   the `ready` message, which the parent checks).
 *
 * Protocol (IPC, JSON): parent → {t:'init', ...} once, then {t:'call', id, hook, payload}; host →
 * {t:'ready', facts, load}, then {t:'result', id, outcome} per call. One call at a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { types } from 'node:util';

const MAX_CODE_FILES = 1000;
const MAX_CODE_BYTES = 32 * 1024 * 1024;
const CODE_EXTENSIONS = /\.(c?js|json)$/;
/** Room for log lines on top of the result limit before an outcome is refused unread. */
const LOG_ALLOWANCE = 512 * 1024;
const INTERNAL_STEP_MS = 2000;

/**
 * Runs inside the context, before any plugin code: defines module loading, console, the `raos` API
 * and the four entry points the host calls. Everything it keeps is in its closure, out of the
 * plugin's reach; what the plugin can reach (globals, prototypes) it can only break for itself.
 * Written as a string so no bundler can rewrite it with helpers that do not exist in the context.
 */
const PRELUDE = `(function (initJson) {
  'use strict';
  const G = globalThis;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const freeze = Object.freeze;
  const isFrozen = Object.isFrozen;
  const keys = Object.keys;
  const defineProperty = Object.defineProperty;
  const hasOwn = Object.hasOwn;
  const create = Object.create;
  const apply = Reflect.apply;
  const toStr = String;
  const promiseResolve = Promise.resolve.bind(Promise);
  const promiseThen = Promise.prototype.then;
  const init = parse(initJson);

  // No stack traces in the sandbox. Formatting one calls Node's prepareStackTrace hook, which is host
  // code: a plugin that fills the stack first makes it overflow there, and that RangeError is a host
  // object (its constructor.constructor is the host's Function). Without a number here V8 captures
  // nothing, so the hook is never called from plugin code.
  defineProperty(Error, 'stackTraceLimit', { value: undefined, writable: false, configurable: false });

  // Nothing a plugin needs, and each a way to block or to run code outside a call's time budget.
  for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly', 'FinalizationRegistry']) delete G[name];

  // ---- logs -------------------------------------------------------------------------------------
  let logs = [];
  let dropped = 0;
  function show(v) {
    if (typeof v === 'string') return v;
    try {
      const s = stringify(v);
      if (typeof s === 'string') return s;
    } catch (e) {}
    try { return toStr(v); } catch (e) { return '[unprintable]'; }
  }
  function log(level, args) {
    if (logs.length >= init.maxLogLines) { dropped++; return; }
    let line = level;
    for (let i = 0; i < args.length; i++) line += (i ? ' ' : '') + show(args[i]);
    if (line.length > init.maxLogChars) line = line.slice(0, init.maxLogChars) + '…';
    logs[logs.length] = line;
  }
  function takeLogs() {
    const out = logs;
    if (dropped) out[out.length] = '(' + dropped + ' more log lines dropped)';
    logs = [];
    dropped = 0;
    return out;
  }
  const console = freeze({
    log: (...a) => log('', a),
    info: (...a) => log('', a),
    debug: (...a) => log('debug: ', a),
    warn: (...a) => log('warn: ', a),
    error: (...a) => log('error: ', a),
  });
  defineProperty(G, 'console', { value: console, writable: true, configurable: true, enumerable: false });

  function deepFreeze(v) {
    if (v !== null && typeof v === 'object' && !isFrozen(v)) {
      freeze(v);
      for (const k of keys(v)) deepFreeze(v[k]);
    }
    return v;
  }
  const raos = freeze({
    plugin: freeze({ name: init.name, version: init.version }),
    settings: deepFreeze(init.settings || {}),
    log: (...a) => log('', a),
  });

  // ---- CommonJS over the plugin's own files ------------------------------------------------------
  const defs = create(null);
  const json = create(null);
  for (const p of keys(init.json)) json[p] = init.json[p];
  const cache = create(null);

  function normalize(p) {
    const out = [];
    for (const s of p.split('/')) {
      if (s === '' || s === '.') continue;
      if (s === '..') {
        if (out.length === 0) return null;
        out.pop();
      } else out.push(s);
    }
    return out.join('/');
  }
  function dirOf(p) {
    const i = p.lastIndexOf('/');
    return i < 0 ? '' : p.slice(0, i);
  }
  function resolveFrom(from, spec) {
    if (typeof spec !== 'string') throw new TypeError('require() takes a string');
    if (!(spec.startsWith('./') || spec.startsWith('../'))) {
      throw new Error("require('" + spec + "') is not allowed: plugins run in a sandbox without Node modules " +
        "and can only require their own files by a relative path such as './lib.js'");
    }
    const base = normalize(dirOf(from) + '/' + spec);
    if (base === null) throw new Error("require('" + spec + "') in " + from + ' points outside the plugin');
    const candidates = [base, base + '.js', base + '.cjs', base + '.json', base + '/index.js', base + '/index.cjs', base + '/index.json'];
    for (const c of candidates) if (hasOwn(defs, c) || hasOwn(json, c)) return c;
    throw new Error("Cannot find '" + spec + "' (required in " + from + ") among the plugin's .js, .cjs and .json files");
  }
  function load(p) {
    const cached = cache[p];
    if (cached) return cached.exports;
    if (hasOwn(json, p)) {
      let value;
      try { value = parse(json[p]); } catch (e) { throw new SyntaxError(p + ': ' + e.message); }
      cache[p] = { exports: value };
      return value;
    }
    const module = { exports: {}, id: p, filename: p, loaded: false };
    cache[p] = module;
    const require = (spec) => load(resolveFrom(p, spec));
    try {
      apply(defs[p], module.exports, [module.exports, require, module, p, dirOf(p)]);
    } catch (e) {
      delete cache[p];
      throw e;
    }
    module.loaded = true;
    return module.exports;
  }

  // ---- outcomes ------------------------------------------------------------------------------------
  function describe(e) {
    try {
      if (typeof e === 'string') return e;
      if (e !== null && typeof e === 'object') {
        const name = e.name;
        const message = e.message;
        if (typeof message === 'string') return (typeof name === 'string' && name ? name + ': ' : '') + message;
      }
      return 'threw ' + show(e);
    } catch (err) {
      return 'threw a value that cannot be described';
    }
  }

  let out;
  let seq = 0;
  let hooks = null;
  function fail(id, reason, message) {
    if (id !== seq) return;
    out = stringify({ ok: false, reason: reason, message: toStr(message), logs: takeLogs() });
  }
  function succeed(id, value) {
    if (id !== seq) return;
    let s;
    try { s = stringify(value); } catch (e) {
      return fail(id, 'invalid-result', 'the hook returned a value that is not JSON: ' + describe(e));
    }
    const l = stringify(takeLogs());
    out = typeof s === 'string' ? '{"ok":true,"logs":' + l + ',"value":' + s + '}' : '{"ok":true,"logs":' + l + '}';
  }

  defineProperty(G, '__raosDefine', {
    value: function (p) { defs[p] = G.__raosPending; delete G.__raosPending; },
    configurable: true,
  });
  defineProperty(G, '__raosLoad', { value: function () {
    delete G.__raosDefine;
    const id = ++seq;
    out = undefined;
    try {
      const exp = load(init.entry);
      const missing = [];
      for (const h of init.hooks) {
        let f;
        try { f = exp === null || exp === undefined ? undefined : exp[h]; } catch (e) {}
        if (typeof f !== 'function') missing[missing.length] = h;
      }
      if (missing.length) {
        return fail(id, 'threw', init.entry + ' does not export ' + missing.join(', ') + ', declared in plugin.json hooks; ' +
          'export each as a function, e.g. exports.' + missing[0] + ' = (event, raos) => { ... }');
      }
      hooks = exp;
      succeed(id, undefined);
    } catch (e) {
      fail(id, 'threw', 'loading ' + init.entry + ' failed: ' + describe(e));
    }
  } });
  defineProperty(G, '__raosCall', { value: function (hook, payloadJson) {
    const id = ++seq;
    out = undefined;
    logs = [];
    dropped = 0;
    if (hooks === null) return fail(id, 'threw', 'the plugin is not loaded');
    let result;
    try {
      const fn = hooks[hook];
      if (typeof fn !== 'function') return fail(id, 'threw', init.entry + ' no longer exports a function named ' + hook);
      result = apply(fn, hooks, [parse(payloadJson), raos]);
    } catch (e) {
      return fail(id, 'threw', describe(e));
    }
    let then;
    try {
      then = result !== null && (typeof result === 'object' || typeof result === 'function') ? result.then : undefined;
    } catch (e) {
      return fail(id, 'threw', describe(e));
    }
    if (typeof then !== 'function') return succeed(id, result);
    try {
      apply(promiseThen, promiseResolve(result), [(v) => succeed(id, v), (e) => fail(id, 'threw', describe(e))]);
    } catch (e) {
      fail(id, 'threw', describe(e));
    }
  } });
  defineProperty(G, '__raosTake', { value: function () { const o = out; out = undefined; return o; } });
  // Where the host leaves each call's hook name and payload (strings) before running CALL_SCRIPT:
  // data properties that cannot be reconfigured, so a plugin cannot turn them into accessors and run
  // when the host writes them.
  defineProperty(G, '__raosHook', { value: '', writable: true });
  defineProperty(G, '__raosIn', { value: '', writable: true });
  defineProperty(G, '__raosLogs', { value: function () { return stringify(takeLogs()); } });
})`;

/** @type {{ cfg: any, ctx: vm.Context | null, sandbox: any, loadFailure: any, poisoned: boolean } | null} */
let state = null;

function send(message) {
  if (process.connected) process.send(message);
}

/** Every .js, .cjs and .json file under the plugin folder, as `relative/path` → text. */
function readPluginFiles(dir) {
  const files = new Map();
  let bytes = 0;
  const walk = (abs, rel) => {
    for (const dirent of fs.readdirSync(abs, { withFileTypes: true })) {
      const childAbs = path.join(abs, dirent.name);
      const childRel = rel ? `${rel}/${dirent.name}` : dirent.name;
      const stat = fs.lstatSync(childAbs);
      if (stat.isDirectory()) walk(childAbs, childRel);
      else if (stat.isFile() && CODE_EXTENSIONS.test(dirent.name)) {
        bytes += stat.size;
        if (files.size >= MAX_CODE_FILES || bytes > MAX_CODE_BYTES) throw new Error('the plugin folder holds too much code');
        files.set(childRel, fs.readFileSync(childAbs, 'utf8').replace(/^\uFEFF/, ''));
      }
    }
  };
  walk(dir, '');
  return files;
}

function isTimeout(err) {
  if (!types.isNativeError(err) || types.isProxy(err)) return false;
  // A data property read never runs plugin code (a getter could).
  const code = Object.getOwnPropertyDescriptor(err, 'code');
  return code !== undefined && 'value' in code && code.value === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

/**
 * Runs a snippet in the context. Returns { value } with the raw result (only ever typeof-checked),
 * { timedOut: true }, or { brokeOut: true } when something was thrown past the prelude's catch (the
 * thrown value is a context object and is never touched).
 */
function step(code, timeout) {
  return run(new vm.Script(code, { filename: 'raos:host' }), timeout);
}

/** Like step, for a script compiled once. Without a timeout only for prelude code that runs no plugin code. */
function run(script, timeout) {
  try {
    return { value: timeout === undefined ? script.runInContext(state.ctx) : script.runInContext(state.ctx, { timeout }) };
  } catch (err) {
    if (isTimeout(err)) return { timedOut: true };
    return { brokeOut: true };
  }
}

/**
 * A hook call, compiled once: its hook name and payload are read from the context's own properties.
 * Taking the outcome runs only the prelude's `__raosTake` (a non-writable global returning a string
 * that the call step made), so it needs no timeout, whose watchdog thread costs ~90 µs a run.
 */
const CALL_SCRIPT = new vm.Script('void __raosCall(__raosHook, __raosIn)', { filename: 'raos:host' });
const TAKE_SCRIPT = new vm.Script('__raosTake()', { filename: 'raos:host' });

function readLogs() {
  const r = step('__raosLogs()', 50);
  if (typeof r.value !== 'string') return [];
  try {
    return cleanLogs(JSON.parse(r.value));
  } catch {
    return [];
  }
}

function cleanLogs(logs) {
  if (!Array.isArray(logs)) return [];
  const { maxLogLines, maxLogChars } = state.cfg;
  return logs
    .filter((l) => typeof l === 'string')
    .slice(0, maxLogLines + 1)
    .map((l) => (l.length > maxLogChars + 1 ? l.slice(0, maxLogChars) + '…' : l));
}

/** Reads the outcome the prelude left, as a host-realm object. */
function takeOutcome(what, timeMs) {
  const r = run(TAKE_SCRIPT);
  if (r.timedOut) return { ok: false, reason: 'timeout', message: `the ${what} ran longer than ${timeMs} ms`, logs: readLogs() };
  const text = r.value;
  if (text === undefined) {
    return {
      ok: false,
      reason: 'invalid-result',
      message: `the ${what}'s promise did not settle; plugins have no timers, so a promise must settle within the call`,
      logs: readLogs(),
    };
  }
  if (typeof text !== 'string') {
    return { ok: false, reason: 'invalid-result', message: 'the sandbox returned no outcome (the plugin replaced its internals)', logs: [] };
  }
  const { maxResultBytes } = state.cfg;
  if (text.length > maxResultBytes + LOG_ALLOWANCE) {
    return { ok: false, reason: 'invalid-result', message: `the ${what}'s result is larger than ${maxResultBytes} bytes as JSON`, logs: [] };
  }
  let o;
  try {
    o = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid-result', message: 'the sandbox returned an unreadable outcome', logs: [] };
  }
  if (o === null || typeof o !== 'object' || typeof o.ok !== 'boolean') {
    return { ok: false, reason: 'invalid-result', message: 'the sandbox returned an unreadable outcome', logs: [] };
  }
  const logs = cleanLogs(o.logs);
  if (o.ok) {
    if (!('value' in o)) return { ok: true, logs };
    const size = Buffer.byteLength(JSON.stringify(o.value));
    if (size > maxResultBytes) {
      return { ok: false, reason: 'invalid-result', message: `the ${what}'s result is ${size} bytes as JSON, more than the limit of ${maxResultBytes}`, logs };
    }
    return { ok: true, value: o.value, logs };
  }
  return {
    ok: false,
    reason: o.reason === 'invalid-result' ? 'invalid-result' : 'threw',
    message: typeof o.message === 'string' ? o.message.slice(0, 4000) : 'the hook failed',
    logs,
  };
}

/**
 * Whether a source may call import(): the word `import`, then only white space and comments, then
 * `(`. A dynamic import reaches Node's loader (host code, whose errors are host objects), so it is
 * refused before the file is compiled. Over-approximates: strings and comments count too.
 */
function mayImport(source) {
  const word = /(?<![A-Za-z0-9_$\\])import/g;
  const space = /\s+/y;
  const block = /\/\*[\s\S]*?\*\//y;
  const line = /(?:\/\/|<!--|-->)[^\n\r\u2028\u2029]*/y;
  for (let m = word.exec(source); m; m = word.exec(source)) {
    let i = m.index + 'import'.length;
    for (;;) {
      let moved = false;
      for (const re of [space, block, line]) {
        re.lastIndex = i;
        if (re.test(source)) {
          i = re.lastIndex;
          moved = true;
        }
      }
      if (!moved) break;
    }
    if (source[i] === '(') return true;
  }
  return false;
}

/** Second line of defence should mayImport miss one: the import fails with a primitive (realm-free) reason. */
function refuseImport() {
  throw 'import() is not available in the plugin sandbox; use require(\'./file.js\')';
}

function compileError(err, file) {
  // Compile errors come from V8 before any plugin code has run, so reading them is safe.
  const stack = typeof err?.stack === 'string' ? err.stack : '';
  const line = /^[^\n]*:(\d+)\n/.exec(stack)?.[1];
  const name = typeof err?.name === 'string' ? err.name : 'SyntaxError';
  return `${file}${line ? `:${line}` : ''}: ${name}: ${err?.message ?? String(err)}`;
}

function load(cfg) {
  state = { cfg, ctx: null, sandbox: null, loadFailure: null, poisoned: false };
  let files;
  try {
    files = readPluginFiles(cfg.dir);
  } catch (err) {
    return { ok: false, reason: 'unavailable', message: `cannot read the plugin's files: ${err.message}`, logs: [] };
  }
  const json = {};
  const modules = [];
  for (const [rel, text] of files) {
    if (rel.endsWith('.json')) json[rel] = text;
    else modules.push([rel, text]);
  }
  if (!files.has(cfg.entry)) {
    return { ok: false, reason: 'threw', message: `the entry file ${cfg.entry} named in plugin.json is missing`, logs: [] };
  }

  const sandbox = Object.create(null);
  state.sandbox = sandbox;
  state.ctx = vm.createContext(sandbox, {
    name: `plugin:${cfg.name}`,
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: 'afterEvaluate',
  });
  const init = {
    name: cfg.name,
    version: cfg.version,
    settings: cfg.settings ?? {},
    entry: cfg.entry,
    hooks: cfg.hooks,
    json,
    maxLogLines: cfg.maxLogLines,
    maxLogChars: cfg.maxLogChars,
  };
  // Compile every module before anything runs in the context: no plugin code has run while a
  // compile error is read, and the prelude has not yet switched off stack traces (their line numbers).
  const compiled = [];
  for (const [rel, text] of modules) {
    if (mayImport(text)) {
      return {
        ok: false,
        reason: 'threw',
        message: `${rel}: import() is not available in the plugin sandbox; use require('./file.js') (the word import followed by ( is refused anywhere, comments and strings included)`,
        logs: [],
      };
    }
    try {
      const params = ['exports', 'require', 'module', '__filename', '__dirname'];
      compiled.push([rel, vm.compileFunction(text, params, { parsingContext: state.ctx, filename: rel, importModuleDynamically: refuseImport })]);
    } catch (err) {
      return { ok: false, reason: 'threw', message: compileError(err, rel), logs: [] };
    }
  }
  vm.runInContext(`${PRELUDE}(${JSON.stringify(JSON.stringify(init))});`, state.ctx, { timeout: INTERNAL_STEP_MS, filename: 'raos:prelude' });
  for (const [rel, fn] of compiled) {
    // The function was compiled in the context: it is a context object, safe to hand over.
    sandbox.__raosPending = fn;
    const r = step(`__raosDefine(${JSON.stringify(rel)})`, INTERNAL_STEP_MS);
    if (!('value' in r)) return { ok: false, reason: 'crashed', message: 'the sandbox could not be prepared', logs: [] };
  }
  const r = step('__raosLoad()', cfg.timeMs);
  if (r.timedOut) {
    state.poisoned = true;
    return { ok: false, reason: 'timeout', message: `loading ${cfg.entry} ran longer than ${cfg.timeMs} ms`, logs: readLogs() };
  }
  if (r.brokeOut) return { ok: false, reason: 'threw', message: `loading ${cfg.entry} failed in a way the sandbox could not catch`, logs: [] };
  return takeOutcome('plugin load', cfg.timeMs);
}

/** What this process may do beyond reading its plugin; the parent refuses a host where any is true. */
function sandboxFacts() {
  const p = process.permission;
  let hostCodegen = true;
  try {
    Function('');
  } catch {
    hostCodegen = false;
  }
  return {
    noPermissionModel: !p,
    fsWrite: p ? p.has('fs.write') : true,
    childProcess: p ? p.has('child') : true,
    worker: p ? p.has('worker') : true,
    fsReadOutside: p ? p.has('fs.read', '/etc/passwd') : true,
    hostCodegen,
    hostIntrinsicsMutable: !Object.isFrozen(Object.prototype) || !Object.isFrozen(Function.prototype),
  };
}

function onInit(cfg) {
  const outcome = load(cfg);
  if (!outcome.ok) state.loadFailure = outcome;
  send({ t: 'ready', facts: sandboxFacts(), load: outcome.ok ? null : outcome });
}

function onCall(msg) {
  const reply = (outcome) => send({ t: 'result', id: msg.id, outcome });
  if (!state) return reply({ ok: false, reason: 'unavailable', message: 'the host was not initialised', logs: [] });
  if (state.loadFailure) return reply(state.loadFailure);
  if (state.poisoned) return reply({ ok: false, reason: 'unavailable', message: 'the host must be restarted after a timeout', logs: [] });
  const { timeMs } = state.cfg;
  if (typeof msg.hook !== 'string' || typeof msg.payload !== 'string') return reply({ ok: false, reason: 'unavailable', message: 'a malformed call reached the host', logs: [] });
  // Strings only: a primitive carries nothing of this realm into the context.
  state.sandbox.__raosHook = msg.hook;
  state.sandbox.__raosIn = msg.payload;
  const r = run(CALL_SCRIPT, timeMs);
  if (r.timedOut) {
    // A runaway microtask chain may still sit in the context's queue: this host is done.
    state.poisoned = true;
    return reply({ ok: false, reason: 'timeout', message: `the hook ran longer than ${timeMs} ms`, logs: readLogs() });
  }
  if (r.brokeOut) {
    return reply({
      ok: false,
      reason: 'threw',
      message: 'the hook failed in a way the sandbox could not catch (for example a stack overflow)',
      logs: readLogs(),
    });
  }
  reply(takeOutcome('hook', timeMs));
}

// A rejection nobody handled inside the sandbox is the plugin's business; reading its reason could
// run plugin code outside any time budget, so it is not even looked at.
process.on('unhandledRejection', () => {});
process.on('disconnect', () => process.exit(0));
process.on('message', (msg) => {
  if (msg === null || typeof msg !== 'object') return;
  if (msg.t === 'init') onInit(msg);
  else if (msg.t === 'call') onCall(msg);
});
