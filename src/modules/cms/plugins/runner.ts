/**
 * Runs one CMS plugin's hooks in its own sandboxed host process (host.mjs). Plugins are untrusted
 * code; the boundaries, outermost first:
 *
 * 1. A separate Node process under the permission model: it may read the host script and the plugin
 *    folder, and nothing else; no file writes, no child processes, no workers. Its environment is
 *    empty, so no secret is inherited. Its own code generation from strings is off and its built-ins
 *    are frozen, so even a host object that leaked into plugin code could not compile or pollute.
 * 2. No network: the permission model of Node 20 does not cover sockets, so where `unshare -rn`
 *    works the host runs in a user + network namespace without interfaces (`isolation().network` is
 *    'namespace'). Everywhere, plugin code never sees `require`, `process` or `fetch` at all:
 * 3. it runs in a `vm` context holding only ECMAScript built-ins and a prelude (see host.mjs); no host
 *    object ever enters it, and what comes out is a JSON string checked before it is parsed.
 * 4. Budgets: the vm timeout ends synchronous and microtask loops; this process also keeps a
 *    watchdog of `timeMs` + 250 ms per call and SIGKILLs a host that does not answer. Memory: V8's
 *    `--max-old-space-size`, plus a poll of the host's resident set (VmRSS) every 25 ms during a call,
 *    killing it above `memoryMb` + BASE_RSS_MB (ArrayBuffers live outside the V8 heap).
 *
 * A killed or crashed host is replaced at the next call. `call` never rejects: the outcome says what
 * happened, and the CMS decides what a failure means.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../../../kernel/logger.js';
import type { HookName, PluginManifest } from './manifest.js';

export interface PluginBudgets {
  /** Wall-clock time one hook call may take inside the sandbox, in milliseconds. */
  timeMs: number;
  /** The plugin's memory budget in MiB: V8's old-space limit, and (plus BASE_RSS_MB) the host's RSS limit. */
  memoryMb: number;
}

export type HookFailureReason = 'timeout' | 'memory' | 'crashed' | 'threw' | 'invalid-result' | 'unavailable';

/**
 * What one hook call did. `ms` is the time from sending the call to its outcome (host start-up not
 * included, except for the call that finds the plugin failing to load); `logs` holds what the plugin printed with console.* or raos.log during the call (at most
 * 100 lines of 2000 characters; lost when the host was killed).
 *
 * Failure reasons: `timeout` (over timeMs), `memory` (over memoryMb), `crashed` (the host died for
 * another reason), `threw` (the hook threw or rejected, or the plugin failed to load; the message
 * says which file), `invalid-result` (the result is not JSON, is over 2 MiB, or its promise never
 * settled), `unavailable` (the host could not be started, is closed, the hook is not declared in
 * plugin.json, or the payload cannot be sent as JSON).
 */
export type HookOutcome =
  | { ok: true; value: unknown; ms: number; logs: string[] }
  | { ok: false; reason: HookFailureReason; message: string; ms: number; logs: string[] };

export interface PluginHostOptions {
  /** The plugin's name (for logs and messages). */
  name: string;
  /** The unpacked plugin folder (writePluginFiles' destination). */
  dir: string;
  manifest: PluginManifest;
  budgets: PluginBudgets;
  /** Default: silent. Host start, kills and crashes are logged here. */
  logger?: Logger;
}

/** What this machine provides around plugin code, for `cms status`. */
export interface PluginIsolation {
  /** The host runs under Node's permission model (always on Node >= 20). */
  permissionModel: boolean;
  /** 'namespace': the host has no network at all; 'vm-only': plugin code just has no way to reach it. */
  network: 'namespace' | 'vm-only';
}

/**
 * RSS allowance for Node itself on top of `memoryMb`. Measured on Node 20.20 (x64 Linux): an idle host
 * with a small plugin loaded holds 49-50 MiB; a plugin keeping 60 MiB of arrays alive under a 64 MiB
 * budget brought it to 111 MiB, and V8's heap limit ended it before this allowance did.
 */
export const BASE_RSS_MB = 96;
/** Time a host gets beyond `timeMs` to answer before it is killed. */
export const WATCHDOG_GRACE_MS = 250;
/** Largest hook result, as JSON. */
export const MAX_RESULT_BYTES = 2 * 1024 * 1024;
/** Largest payload sent to a hook, as JSON. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
const RSS_POLL_MS = 25;
const START_TIMEOUT_MS = 10_000;
const MAX_LOG_LINES = 100;
const MAX_LOG_CHARS = 2000;
const STDERR_TAIL_CHARS = 8192;
const REASONS: readonly HookFailureReason[] = ['timeout', 'memory', 'crashed', 'threw', 'invalid-result', 'unavailable'];

interface Probe {
  isolation: PluginIsolation;
  permissionFlag: string;
  unshare?: string;
  procStatus: boolean;
}

// What the machine provides does not change while the process runs: probed once, on first use.
let probed: Probe | undefined;

function probe(): Probe {
  if (probed) return probed;
  const flags = process.allowedNodeEnvironmentFlags;
  const permissionFlag = flags.has('--permission') ? '--permission' : '--experimental-permission';
  let unshare: string | undefined;
  for (const candidate of ['/usr/bin/unshare', '/bin/unshare', '/usr/sbin/unshare', '/sbin/unshare']) {
    if (!existsSync(candidate)) continue;
    // Probe exactly what a host start does: an unprivileged user namespace with a fresh network one.
    const r = spawnSync(candidate, ['-rn', process.execPath, '--version'], { stdio: 'ignore', env: {}, timeout: 5000 });
    if (r.status === 0) unshare = candidate;
    break;
  }
  probed = {
    isolation: { permissionModel: flags.has(permissionFlag), network: unshare ? 'namespace' : 'vm-only' },
    permissionFlag,
    unshare,
    procStatus: existsSync('/proc/self/status'),
  };
  return probed;
}

/**
 * Where the host script is: beside this file when running from src (vitest, tsx: the URL ends in
 * .ts), else `dist/plugin-host.js` (a tsup entry) next to the chunk or command file this code was
 * bundled into.
 */
function hostScript(): string {
  const here = import.meta.url;
  const candidates = here.endsWith('.ts')
    ? ['./host.mjs']
    : ['./plugin-host.js', '../plugin-host.js', '../../plugin-host.js', '../../../plugin-host.js', './host.mjs'];
  for (const rel of candidates) {
    const path = fileURLToPath(new URL(rel, here));
    if (existsSync(path)) return path;
  }
  throw new Error(`the plugin host script is missing (looked for ${candidates.join(', ')} beside ${fileURLToPath(here)})`);
}

type Death = { reason: HookFailureReason; message: string };
type Exchange = { kind: 'reply'; message: Record<string, unknown> } | ({ kind: 'death' } & Death);
type KillReason = 'timeout' | 'memory' | 'start' | 'retired' | 'closed';

/** One host process and what is known about it. */
class Session {
  readonly child: ChildProcess;
  readonly #log: Logger;
  readonly #budgets: PluginBudgets;
  readonly #procStatus: boolean;
  readonly death: Promise<Death>;
  readonly #deathListeners = new Set<(death: Death) => void>();
  #deathFacts: Death | undefined;
  #stderr = '';
  #killReason: KillReason | undefined;
  #peakRssMb = 0;
  #polling = false;
  exited = false;
  /** A plugin that failed to load fails every call the same way, without asking the host. */
  loadFailure: HookOutcome | undefined;

  constructor(options: { command: string; args: string[]; cwd: string; budgets: PluginBudgets; log: Logger; procStatus: boolean }) {
    this.#log = options.log;
    this.#budgets = options.budgets;
    this.#procStatus = options.procStatus;
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
      windowsHide: true,
    });
    // An idle host must not keep this process alive (a CLI run that forgets close() still exits; the
    // host exits when its IPC channel closes). While a call or a stop is under way, it is held.
    this.#hold(false);
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    this.death = new Promise<Death>((resolveDeath) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (done) return;
        done = true;
        this.exited = true;
        const death = this.#describeDeath(code, signal, error);
        this.#deathFacts = death;
        for (const listener of this.#deathListeners) listener(death);
        this.#deathListeners.clear();
        resolveDeath(death);
      };
      this.child.once('error', (err) => finish(null, null, err));
      // 'close' waits for stderr to end, so an out-of-memory message is in the tail.
      this.child.once('close', (code, signal) => finish(code, signal));
    });
  }

  /** Refs (true) or unrefs the child's handles: whether it keeps this process's event loop alive. */
  #hold(keep: boolean): void {
    const stderr = this.child.stderr as (NodeJS.ReadableStream & { ref?: () => void; unref?: () => void }) | null;
    if (keep) {
      this.child.ref();
      this.child.channel?.ref();
      stderr?.ref?.();
    } else {
      this.child.unref();
      this.child.channel?.unref();
      stderr?.unref?.();
    }
  }

  get alive(): boolean {
    return !this.exited && this.#killReason === undefined;
  }

  /** SIGKILLs the host; `reason` decides how its death is reported (none: as it comes). */
  kill(reason?: KillReason): void {
    if (this.exited) return;
    if (reason) this.#killReason ??= reason;
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (!this.exited) this.#hold(true);
    this.kill('closed');
    await this.death;
  }

  #describeDeath(code: number | null, signal: NodeJS.Signals | null, error?: Error): Death {
    const { timeMs, memoryMb } = this.#budgets;
    switch (this.#killReason) {
      case 'timeout':
        return { reason: 'timeout', message: `the plugin did not answer within ${timeMs} ms (+${WATCHDOG_GRACE_MS} ms grace); its host was killed` };
      case 'memory':
        return {
          reason: 'memory',
          message: `the plugin's host reached ${this.#peakRssMb} MiB of memory, over its budget of ${memoryMb} MiB (+${BASE_RSS_MB} MiB for Node); it was killed`,
        };
      case 'start':
        return { reason: 'unavailable', message: `the plugin host did not start within ${START_TIMEOUT_MS} ms` };
      case 'closed':
      case 'retired':
        return { reason: 'unavailable', message: 'the plugin host was closed' };
      default:
    }
    if (error) return { reason: 'unavailable', message: `the plugin host could not be started: ${error.message}` };
    if (/heap out of memory|Reached heap limit|allocation failed/i.test(this.#stderr)) {
      return { reason: 'memory', message: `the plugin ran out of its ${memoryMb} MiB heap; its host died` };
    }
    const lastLine = this.#stderr.trim().split('\n').filter(Boolean).pop();
    return {
      reason: 'crashed',
      message: `the plugin host exited (${signal ? `signal ${signal}` : `code ${code}`})${lastLine ? `: ${lastLine.slice(0, 300)}` : ''}`,
    };
  }

  async #checkRss(): Promise<void> {
    if (this.#polling || this.exited || !this.#procStatus || this.child.pid === undefined) return;
    this.#polling = true;
    try {
      const status = await readFile(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
      if (kb === undefined) return;
      const mb = Math.round(Number(kb) / 1024);
      this.#peakRssMb = Math.max(this.#peakRssMb, mb);
      if (mb > this.#budgets.memoryMb + BASE_RSS_MB) {
        this.#log.debug('plugin host over its memory budget; killing it', { pid: this.child.pid, rssMb: mb, memoryMb: this.#budgets.memoryMb });
        this.kill('memory');
      }
    } catch {
      // The process is gone; the death handler reports why.
    } finally {
      this.#polling = false;
    }
  }

  /**
   * Sends `message` and waits for the answer `expect` accepts, while the watchdogs run: a deadline
   * (kill → `onDeadline`) and the RSS poll (kill → memory). Resolves with the answer or the death.
   */
  exchange(message: Record<string, unknown>, expect: (m: Record<string, unknown>) => boolean, deadlineMs: number, onDeadline: KillReason): Promise<Exchange> {
    return new Promise<Exchange>((resolveExchange) => {
      let settled = false;
      const finish = (result: Exchange) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.child.off('message', onMessage);
        this.#deathListeners.delete(onDeath);
        if (!this.exited) this.#hold(false);
        resolveExchange(result);
      };
      const onDeath = (death: Death) => finish({ kind: 'death', ...death });
      if (this.#deathFacts) return onDeath(this.#deathFacts);
      this.#deathListeners.add(onDeath);
      this.#hold(true);
      const onMessage = (m: unknown) => {
        if (m !== null && typeof m === 'object' && expect(m as Record<string, unknown>)) finish({ kind: 'reply', message: m as Record<string, unknown> });
      };
      this.child.on('message', onMessage);
      const timer = setTimeout(() => this.kill(onDeadline), deadlineMs);
      const poll = setInterval(() => void this.#checkRss(), RSS_POLL_MS);
      try {
        // A failed send means the host is dying or dead; its death says why.
        this.child.send(message, (err) => {
          if (err) this.kill();
        });
      } catch {
        this.kill();
      }
    });
  }
}

function failure(reason: HookFailureReason, message: string, ms = 0, logs: string[] = []): HookOutcome {
  return { ok: false, reason, message, ms, logs };
}

/** Checks an outcome as sent by a host: the host runs plugin code, so its messages are not trusted. */
function outcomeFrom(raw: unknown, ms: number): HookOutcome {
  if (raw === null || typeof raw !== 'object') return failure('crashed', 'the plugin host sent an unreadable answer', ms);
  const o = raw as Record<string, unknown>;
  const logs = Array.isArray(o.logs)
    ? o.logs.filter((l): l is string => typeof l === 'string').slice(0, MAX_LOG_LINES + 1).map((l) => l.slice(0, MAX_LOG_CHARS + 1))
    : [];
  if (o.ok === true) return { ok: true, value: o.value, ms, logs };
  const reason = REASONS.includes(o.reason as HookFailureReason) ? (o.reason as HookFailureReason) : 'crashed';
  const message = typeof o.message === 'string' ? o.message.slice(0, 4000) : 'the hook failed';
  return failure(reason, message, ms, logs);
}

const elapsed = (since: number) => Math.round(performance.now() - since);

/** One plugin's sandbox: a host process started at the first call and kept until close(). */
export class PluginHost {
  readonly #name: string;
  readonly #dir: string;
  readonly #manifest: PluginManifest;
  readonly #budgets: PluginBudgets;
  readonly #log: Logger;
  #session: Session | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #nextId = 1;

  constructor(options: PluginHostOptions) {
    this.#name = options.name;
    this.#dir = resolve(options.dir);
    this.#manifest = options.manifest;
    this.#budgets = { timeMs: Math.max(1, Math.floor(options.budgets.timeMs)), memoryMb: Math.max(8, Math.floor(options.budgets.memoryMb)) };
    this.#log = options.logger ?? silentLogger;
  }

  /** What this machine provides around plugin code (probed once per process). */
  static isolation(): PluginIsolation {
    return { ...probe().isolation };
  }

  /** The current host process id, while one is running. */
  get pid(): number | undefined {
    return this.#session?.alive ? this.#session.child.pid : undefined;
  }

  /**
   * Calls `hook` with `payload` (sent as JSON; undefined arrives as null). Calls run one at a time, in
   * order; the host is started at the first call and after any kill. Never rejects.
   */
  call(hook: HookName, payload: unknown): Promise<HookOutcome> {
    const run = this.#queue.then(() => this.#call(hook, payload));
    this.#queue = run.catch(() => undefined);
    return run.catch((err: unknown) => failure('crashed', `the plugin runner failed: ${(err as Error)?.message ?? String(err)}`));
  }

  /**
   * Starts the host process now instead of at the first call (so several plugins' hosts can start side
   * by side). Never rejects; a host that cannot start reports why at the first call.
   */
  start(): Promise<void> {
    const run = this.#queue.then(async () => {
      if (!this.#closed) await this.#ensureSession();
    });
    this.#queue = run.catch(() => undefined);
    return run.catch(() => undefined);
  }

  /** Kills the host process and refuses later calls. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const session = this.#session;
    this.#session = undefined;
    await session?.stop();
  }

  async #call(hook: HookName, payload: unknown): Promise<HookOutcome> {
    if (this.#closed) return failure('unavailable', `the host of plugin ${this.#name} is closed`);
    if (!this.#manifest.hooks.includes(hook)) {
      return failure('unavailable', `plugin ${this.#name} does not declare the hook ${hook} in its plugin.json`);
    }
    let payloadJson: string | undefined;
    try {
      payloadJson = JSON.stringify(payload ?? null);
    } catch (err) {
      return failure('unavailable', `the payload cannot be sent to the plugin as JSON: ${(err as Error).message}`);
    }
    payloadJson ??= 'null';
    if (Buffer.byteLength(payloadJson) > MAX_PAYLOAD_BYTES) {
      return failure('unavailable', `the payload is over ${MAX_PAYLOAD_BYTES} bytes as JSON`);
    }

    const session = await this.#ensureSession();
    if (!(session instanceof Session)) return session;
    if (session.loadFailure) return { ...session.loadFailure, ms: 0 };

    const id = this.#nextId++;
    const started = performance.now();
    const result = await session.exchange(
      { t: 'call', id, hook, payload: payloadJson },
      (m) => m.t === 'result' && m.id === id,
      this.#budgets.timeMs + WATCHDOG_GRACE_MS,
      'timeout',
    );
    const ms = elapsed(started);
    if (result.kind === 'death') {
      if (this.#session === session) this.#session = undefined;
      this.#logDeath(session, result);
      return failure(result.reason, result.message, ms);
    }
    const outcome = outcomeFrom(result.message.outcome, ms);
    if (!outcome.ok && outcome.reason === 'timeout') {
      // The context may still hold a runaway microtask chain: start the next call on a fresh host.
      this.#retire(session);
    }
    return outcome;
  }

  #retire(session: Session): void {
    if (this.#session === session) this.#session = undefined;
    session.kill('retired');
  }

  #logDeath(session: Session, death: Death): void {
    if (death.reason === 'unavailable' && this.#closed) return;
    this.#log.warn(`plugin host ${death.reason}: ${death.message}`, { plugin: this.#name, pid: session.child.pid });
  }

  /** The running host, or a new one started and loaded; an outcome when that failed. */
  async #ensureSession(): Promise<Session | HookOutcome> {
    if (this.#session?.alive) return this.#session;
    const started = performance.now();
    const { isolation, permissionFlag, unshare, procStatus } = probe();
    let script: string;
    try {
      script = hostScript();
    } catch (err) {
      return failure('unavailable', (err as Error).message);
    }
    const nodeArgs = [
      permissionFlag,
      `--allow-fs-read=${script}`,
      `--allow-fs-read=${this.#dir}`,
      `--max-old-space-size=${this.#budgets.memoryMb}`,
      // Should a host object ever reach plugin code, it can neither compile code with the host's
      // Function nor change the host's built-in prototypes. (vm compiles are not affected.)
      '--disallow-code-generation-from-strings',
      '--frozen-intrinsics',
      // Lets host.mjs give import() a callback that fails with a plain string (see refuseImport).
      '--experimental-vm-modules',
      '--no-warnings',
      script,
    ];
    const [command, args] =
      isolation.network === 'namespace' && unshare ? [unshare, ['-rn', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
    let session: Session;
    try {
      session = new Session({ command, args, cwd: this.#dir, budgets: this.#budgets, log: this.#log, procStatus });
    } catch (err) {
      return failure('unavailable', `the plugin host could not be started: ${(err as Error).message}`);
    }
    this.#session = session;
    const manifest = this.#manifest;
    const result = await session.exchange(
      {
        t: 'init',
        dir: this.#dir,
        name: manifest.name,
        version: manifest.version,
        entry: manifest.entry,
        hooks: manifest.hooks,
        settings: manifest.settings ?? {},
        timeMs: this.#budgets.timeMs,
        maxResultBytes: MAX_RESULT_BYTES,
        maxLogLines: MAX_LOG_LINES,
        maxLogChars: MAX_LOG_CHARS,
      },
      (m) => m.t === 'ready',
      START_TIMEOUT_MS + this.#budgets.timeMs,
      'start',
    );
    const ms = elapsed(started);
    if (result.kind === 'death') {
      if (this.#session === session) this.#session = undefined;
      this.#logDeath(session, result);
      return failure(result.reason, result.message, ms);
    }
    // The host says what it may do; any grant beyond reading its plugin means a boundary is missing.
    const facts = result.message.facts as Record<string, unknown> | null | undefined;
    const granted = facts && typeof facts === 'object' ? Object.keys(facts).filter((k) => facts[k] !== false) : ['facts'];
    if (granted.length > 0 || !facts || Object.keys(facts).length === 0) {
      this.#retire(session);
      this.#log.error('plugin host is not sandboxed; refusing to run plugin code', { plugin: this.#name, granted });
      return failure('unavailable', `the plugin host is not sandboxed (${granted.join(', ') || 'no facts'}), so plugin code is not run`);
    }
    this.#log.debug('plugin host started', { plugin: this.#name, pid: session.child.pid, ms, network: isolation.network });
    if (result.message.load) {
      const load = outcomeFrom(result.message.load, ms);
      if (!load.ok && (load.reason === 'timeout' || load.reason === 'unavailable' || load.reason === 'crashed')) {
        this.#retire(session);
        return load;
      }
      session.loadFailure = load;
      return load;
    }
    return session;
  }
}
