/**
 * The ModuleManager orders modules by `dependsOn`, initialises them lazily (or all at once for the daemon),
 * isolates failures, routes `process()` and `ctx.call()`, reloads external modules and shuts everything down.
 *
 * Two kinds of failure are kept apart:
 * - structural ones, found by `order()` from the declarations alone (duplicate name, discovery error,
 *   missing dependency, dependency cycle, dependency on a failed or disabled module);
 * - runtime ones, found while initialising (init threw or timed out, a dependency's init failed).
 * Both end up as `state: 'failed'` with `error` in `list()`. A module that is already ready is never failed
 * afterwards by a structural change (see `reload()`).
 */
import path from 'node:path';
import { RaosError, isErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import type { HealthReport, ModuleContext, ModuleDefinition, ModuleInfo, ModuleState } from './module.js';

export type ModuleKind = 'builtin' | 'external';

/** A module handed to the manager: its definition and where it came from. */
export interface ModuleEntry {
  definition: ModuleDefinition;
  kind: ModuleKind;
  /** For external modules: the folder it was loaded from. */
  path?: string;
}

export interface ModuleManagerOptions {
  /**
   * Builds the context a module receives in `init` and `process`. Called once per loaded definition (again
   * after a reload). The context's `call` must be the `call` given here: it is how the manager enforces that
   * a module only calls its dependencies.
   */
  contextFor(args: { definition: ModuleDefinition; kind: ModuleKind; call: ModuleContext['call'] }): ModuleContext;
  log: Logger;
  /** How long `init()` may take before the module is failed with "init timed out after N ms". Default: 10000. */
  initTimeoutMs?: number;
  /** How long one `process()` call may take before it is abandoned with UNAVAILABLE. Default: `initTimeoutMs`. */
  processTimeoutMs?: number;
  /** How long `shutdown()` and `health()` may take. Default: `initTimeoutMs`. */
  shutdownTimeoutMs?: number;
  /** Module names disabled in config: listed as `stopped` with error "disabled in config", never initialised. */
  disabled?: readonly string[];
  /** Milliseconds since the epoch; stamps `loadedAt`. Default: `Date.now`. */
  clock?: () => number;
}

interface Slot {
  name: string;
  kind: ModuleKind;
  path?: string;
  /** Undefined for modules that failed before a definition could be loaded. */
  definition?: ModuleDefinition;
  state: ModuleState;
  error?: string;
  /** Failure known at registration (duplicate, discovery error, disabled); survives order() recomputation. */
  registrationError?: string;
  loadedAt?: string;
  context?: ModuleContext;
  /** Shared by concurrent ensure() callers, so init runs once. */
  initPromise?: Promise<ModuleDefinition>;
  /** Whether the current failure was already logged as a warning. */
  warned?: boolean;
}

const DISABLED = 'disabled in config';

/** Thrown inside a timed call; carries the message the caller turns into the right error. */
class TimeoutError extends Error {}

function withTimeout<T>(work: () => T | Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Not unref'd: the timeout is what answers a caller whose module never settles. The CLI exits
    // explicitly after a command, so a module's own stray timers cannot hold the process either.
    const timer = setTimeout(() => reject(new TimeoutError(message)), ms);
    Promise.resolve()
      .then(work)
      .then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
  });
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/**
 * External modules cannot share our RaosError class (they may bundle another copy or none), so an error
 * that carries one of our codes (`{ code: 'NOT_FOUND', message }`) is honoured as if it were a RaosError.
 */
function asModuleRaosError(err: unknown): RaosError | undefined {
  if (err instanceof RaosError) return err;
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; hint?: unknown; details?: unknown };
    if (isErrorCode(e.code) && typeof e.message === 'string') {
      return new RaosError(e.code, e.message, {
        hint: typeof e.hint === 'string' ? e.hint : undefined,
        details: e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : undefined,
        cause: err,
      });
    }
  }
  return undefined;
}

export class ModuleManager {
  readonly #options: ModuleManagerOptions;
  readonly #log: Logger;
  readonly #initTimeoutMs: number;
  readonly #processTimeoutMs: number;
  readonly #shutdownTimeoutMs: number;
  readonly #clock: () => number;
  readonly #disabled: Set<string>;
  /** The module holding each name (the first registered). */
  readonly #slots = new Map<string, Slot>();
  /** Registrations that could not take a name (duplicates, nameless discovery failures): listed, never run. */
  readonly #orphans: Slot[] = [];
  /** Names in the order they became ready; shutdown walks it backwards. */
  readonly #readyOrder: string[] = [];
  #structure?: { order: string[]; failures: Map<string, string> };
  #shutdown?: Promise<void>;
  #reloads: Promise<unknown> = Promise.resolve();

  constructor(options: ModuleManagerOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#initTimeoutMs = options.initTimeoutMs ?? 10_000;
    this.#processTimeoutMs = options.processTimeoutMs ?? this.#initTimeoutMs;
    this.#shutdownTimeoutMs = options.shutdownTimeoutMs ?? this.#initTimeoutMs;
    this.#clock = options.clock ?? Date.now;
    this.#disabled = new Set(options.disabled ?? []);
  }

  /** Adds a module. A second module with a taken name is listed as failed: "duplicate module name, also at <path>". */
  register(entry: ModuleEntry): void {
    const { definition } = entry;
    const slot: Slot = {
      name: definition.name,
      kind: entry.kind,
      path: entry.path,
      definition,
      state: 'pending',
      loadedAt: new Date(this.#clock()).toISOString(),
    };
    const holder = this.#slots.get(definition.name);
    if (holder) {
      this.#markFailed(slot, `duplicate module name, also at ${holder.path ?? 'built-in module'}`, { atRegistration: true });
      this.#orphans.push(slot);
      return;
    }
    if (this.#disabled.has(definition.name)) {
      slot.state = 'stopped';
      slot.error = DISABLED;
      slot.registrationError = DISABLED;
    }
    this.#slots.set(definition.name, slot);
    this.#structure = undefined;
  }

  /**
   * Lists a module that could not be loaded (discovery error). With a free `name` it holds that name, so its
   * dependents fail with "dependency 'x' failed: <error>" rather than "not installed".
   */
  registerFailed(info: { name?: string; path: string; error: string }): void {
    const name = info.name ?? path.basename(info.path);
    const slot: Slot = { name, kind: 'external', path: info.path, state: 'pending' };
    this.#markFailed(slot, info.error, { atRegistration: true });
    if (info.name !== undefined && !this.#slots.has(info.name)) {
      this.#slots.set(info.name, slot);
      this.#structure = undefined;
    } else {
      this.#orphans.push(slot);
    }
  }

  /**
   * The structural view: an init order (dependencies first, ties broken by name) of every module that can
   * run, and the reason for every one that cannot. Disabled modules appear in `failures` as "disabled in config".
   * Runtime failures (init threw) are not structural and do not appear here.
   */
  order(): { order: string[]; failures: Map<string, string> } {
    this.#structure ??= this.#computeStructure();
    // Structural failures reach modules that have not started; a ready module keeps running (see reload()).
    for (const [name, reason] of this.#structure.failures) {
      const slot = this.#slots.get(name)!;
      if (slot.state === 'pending') this.#markFailed(slot, reason, { quiet: true });
    }
    return { order: [...this.#structure.order], failures: new Map(this.#structure.failures) };
  }

  #computeStructure(): { order: string[]; failures: Map<string, string> } {
    const names = [...this.#slots.keys()].sort();
    const failures = new Map<string, string>();
    const depsOf = (name: string) => [...new Set(this.#slots.get(name)?.definition?.dependsOn ?? [])];

    // 1. Failures known at registration, then missing dependencies.
    for (const name of names) {
      const slot = this.#slots.get(name)!;
      if (slot.registrationError !== undefined) {
        failures.set(name, slot.registrationError);
        continue;
      }
      const missing = depsOf(name).find((dep) => !this.#slots.has(dep));
      if (missing !== undefined) failures.set(name, `depends on '${missing}', which is not installed`);
    }

    // 2. Cycles: every module on one fails, each with the cycle read from itself. Modules that failed in
    //    step 1 are left out: their own reason says more than a cycle through them would.
    const failedFirst = new Set(failures.keys());
    const liveDeps = (n: string) => depsOf(n).filter((dep) => this.#slots.has(dep) && !failedFirst.has(dep));
    for (const name of names) {
      if (failures.has(name)) continue;
      const cycle = this.#shortestCycle(name, liveDeps);
      if (cycle) failures.set(name, `dependency cycle: ${cycle.join(' → ')}`);
    }

    // 3. Dependents of failed modules, and the order of the rest (depth-first, dependencies first).
    const order: string[] = [];
    const done = new Set<string>();
    const visit = (name: string): string | undefined => {
      if (failures.has(name)) return failures.get(name);
      if (done.has(name)) return undefined;
      done.add(name);
      for (const dep of depsOf(name)) {
        const reason = visit(dep);
        if (reason !== undefined) {
          failures.set(name, `dependency '${dep}' failed: ${reason}`);
          return failures.get(name);
        }
      }
      order.push(name);
      return undefined;
    };
    for (const name of names) visit(name);

    return { order, failures };
  }

  /** Shortest dependency path from `start` back to itself, e.g. ['a', 'b', 'a'], or undefined. */
  #shortestCycle(start: string, depsOf: (name: string) => string[]): string[] | undefined {
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const dep of depsOf(current)) {
        if (dep === start) {
          const chain = [start];
          for (let at = current; at !== start; at = previous.get(at)!) chain.unshift(at);
          chain.unshift(start);
          return chain;
        }
        if (!previous.has(dep)) {
          previous.set(dep, current);
          queue.push(dep);
        }
      }
    }
    return undefined;
  }

  /**
   * Initialises `name` and, first, its dependencies (only those), once: concurrent callers share one promise.
   * Throws MODULE_FAILED with the reason when it or a dependency failed (or is disabled), NOT_FOUND when unknown,
   * UNAVAILABLE after shutdownAll().
   */
  async ensure(name: string): Promise<ModuleDefinition> {
    const slot = this.#slotOrThrow(name);
    if (this.#shutdown) {
      throw new RaosError('UNAVAILABLE', `module ${name} is not available: the module manager has shut down`);
    }
    this.order();
    if (slot.initPromise) return slot.initPromise;
    if (slot.state === 'stopped' || slot.state === 'failed' || !slot.definition) throw this.#failedError(slot);
    const definition = slot.definition;
    slot.initPromise = this.#init(slot, definition);
    return slot.initPromise;
  }

  async #init(slot: Slot, definition: ModuleDefinition): Promise<ModuleDefinition> {
    for (const dep of new Set(definition.dependsOn ?? [])) {
      try {
        await this.ensure(dep);
      } catch (err) {
        const reason =
          err instanceof RaosError && err.details?.reason !== undefined ? String(err.details.reason) : messageOf(err);
        this.#markFailed(slot, `dependency '${dep}' failed: ${reason}`, { quiet: true });
        throw this.#failedError(slot);
      }
    }
    // reload() waits for this promise before it swaps the definition, so `definition` stays current here.
    const started = this.#clock();
    try {
      const context = this.#contextFor(slot, definition);
      if (definition.init) {
        const ms = this.#initTimeoutMs;
        await withTimeout(() => definition.init!(context), ms, `init timed out after ${ms} ms`);
      }
    } catch (err) {
      this.#markFailed(slot, err instanceof TimeoutError ? err.message : `init failed: ${messageOf(err)}`, { cause: err });
      throw this.#failedError(slot);
    }
    slot.state = 'ready';
    slot.error = undefined;
    this.#readyOrder.push(slot.name);
    this.#log.debug(`module ${slot.name} ready`, { module: slot.name, ms: this.#clock() - started });
    return definition;
  }

  #contextFor(slot: Slot, definition: ModuleDefinition): ModuleContext {
    if (slot.context && slot.definition === definition) return slot.context;
    const caller = definition.name;
    const allowed = new Set(definition.dependsOn ?? []);
    const call: ModuleContext['call'] = async (module, command, args = []) => {
      if (!allowed.has(module)) {
        const message = `module ${caller} may only call its dependencies (dependsOn); '${module}' is not one of them`;
        throw new RaosError('INVALID_INPUT', message, {
          hint: `add '${module}' to dependsOn of module ${caller}`,
          details: { module: caller, target: module },
        });
      }
      return this.process(module, command, args);
    };
    slot.context = this.#options.contextFor({ definition, kind: slot.kind, call });
    return slot.context;
  }

  /**
   * Initialises every module in dependency order. Failures are recorded on the module (and logged), never
   * thrown, so one bad module cannot stop the others.
   */
  async initAll(): Promise<void> {
    const { order } = this.order();
    for (const name of order) {
      try {
        await this.ensure(name);
      } catch {
        // Recorded on the module by ensure(); list() and info() show it.
      }
    }
    for (const slot of [...this.#slots.values(), ...this.#orphans]) {
      if (slot.state !== 'failed' || slot.warned) continue;
      slot.warned = true;
      this.#log.warn(`module ${slot.name} failed: ${slot.error}`, { module: slot.name });
    }
  }

  /**
   * Runs `raos <name> <command> [args...]`: ensure(name), then its process(). A RaosError (or an error carrying
   * one of our codes) thrown by the module passes through; anything else becomes INTERNAL
   * "module x failed on 'cmd': <message>" with the original as cause. The module stays ready either way.
   * A call running longer than `processTimeoutMs` is abandoned with UNAVAILABLE.
   */
  async process(name: string, command: string, args: string[] = []): Promise<unknown> {
    const definition = await this.ensure(name);
    if (!definition.process) {
      throw new RaosError('INVALID_INPUT', `module ${name} has no commands`, {
        hint: `module ${name} does not implement process(); see \`raos module info ${name}\``,
      });
    }
    const slot = this.#slotOrThrow(name);
    const context = this.#contextFor(slot, definition);
    try {
      return await withTimeout(
        () => definition.process!(command, args, context),
        this.#processTimeoutMs,
        `module ${name} did not answer '${command}' within ${this.#processTimeoutMs} ms`,
      );
    } catch (err) {
      if (err instanceof TimeoutError) throw new RaosError('UNAVAILABLE', err.message, { details: { module: name, command } });
      const known = asModuleRaosError(err);
      if (known) throw known;
      this.#log.debug(`module ${name} failed on '${command}'`, { module: name, error: messageOf(err) });
      throw new RaosError('INTERNAL', `module ${name} failed on '${command}': ${messageOf(err)}`, {
        cause: err,
        details: { module: name, command },
      });
    }
  }

  /**
   * Replaces an external module with a freshly loaded one (or records why loading failed): waits for a
   * running init, calls the old shutdown() if it was ready (errors logged), swaps the definition, re-checks
   * its dependencies and initialises it. Returns its info, which says `failed` and why if the new one failed;
   * it does not throw for that. Running modules that depend on it keep their state and their context: they
   * are not re-initialised (reload them too if they cached something from it). Dependents that had failed
   * only because this module had failed are initialised again once it is ready. An unknown name with a fresh
   * entry is registered, so a newly added module folder can be loaded without a restart.
   * Throws INVALID_INPUT for built-in or disabled modules and when the fresh module has another name.
   */
  reload(name: string, fresh: ModuleEntry | { error: string }): Promise<ModuleInfo> {
    // One reload at a time, so two reloads never shut the same definition down twice.
    const next = this.#reloads.then(() => this.#reload(name, fresh));
    this.#reloads = next.catch(() => undefined);
    return next;
  }

  async #reload(name: string, fresh: ModuleEntry | { error: string }): Promise<ModuleInfo> {
    if (this.#shutdown) throw new RaosError('UNAVAILABLE', `cannot reload module ${name}: the module manager has shut down`);
    const slot = this.#slots.get(name);
    if ('definition' in fresh && fresh.definition.name !== name) {
      const where = fresh.path ?? 'the given path';
      throw new RaosError('INVALID_INPUT', `the module at ${where} is now named '${fresh.definition.name}', not '${name}'`, {
        hint: 'a renamed module is picked up on the next start; or reload it under its new name',
      });
    }
    if (!slot) {
      if ('error' in fresh) throw this.#notFound(name);
      this.register(fresh);
      await this.ensure(name).catch(() => undefined);
      return this.info(name);
    }
    if (slot.kind === 'builtin') {
      throw new RaosError('INVALID_INPUT', `module ${name} is built in and cannot be reloaded`, {
        hint: 'built-in modules change with raos itself; restart the daemon after upgrading',
      });
    }
    if (slot.registrationError === DISABLED) {
      throw new RaosError('INVALID_INPUT', `module ${name} is disabled in config`, {
        hint: 'enable it in raos.json, then reload',
      });
    }

    if (slot.initPromise) await slot.initPromise.catch(() => undefined);
    if (slot.state === 'ready' && slot.definition) await this.#callShutdown(slot.name, slot.definition);
    this.#forgetReady(name);

    slot.context = undefined;
    slot.initPromise = undefined;
    slot.error = undefined;
    slot.registrationError = undefined;
    slot.loadedAt = new Date(this.#clock()).toISOString();
    if ('definition' in fresh) {
      slot.definition = fresh.definition;
      slot.path = fresh.path ?? slot.path;
      slot.state = 'pending';
    } else {
      slot.definition = undefined;
      this.#markFailed(slot, fresh.error, { atRegistration: true });
    }
    this.#structure = undefined;
    if (slot.state === 'pending') await this.ensure(name).catch(() => undefined);
    else this.order();
    if (slot.state === 'ready') await this.#retryDependentsOf(name);
    this.#log.info(`module ${name} reloaded: ${slot.state}`, { module: name, ...(slot.error ? { error: slot.error } : {}) });
    return this.info(name);
  }

  /**
   * After `name` became ready again: modules that failed only because `name` had failed ("dependency 'name'
   * failed: ...") get another init, and so on down the chain. Modules that are running are not touched.
   */
  async #retryDependentsOf(name: string): Promise<void> {
    const prefix = `dependency '${name}' failed: `;
    for (const slot of this.#slots.values()) {
      if (slot.state !== 'failed' || slot.registrationError !== undefined || !slot.error?.startsWith(prefix)) continue;
      slot.state = 'pending';
      slot.error = undefined;
      slot.initPromise = undefined;
      slot.context = undefined;
      const isReady = await this.ensure(slot.name).then(
        () => true,
        () => false,
      );
      if (isReady) await this.#retryDependentsOf(slot.name);
    }
  }

  /** Every registered module (and every failed registration), sorted by name. */
  list(): ModuleInfo[] {
    this.order();
    const all = [...this.#slots.values(), ...this.#orphans];
    // Stable sort: the module holding a name comes before its duplicates.
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((slot) => this.#toInfo(slot));
  }

  /** One module's info; NOT_FOUND (naming the known modules) when unknown. */
  info(name: string): ModuleInfo {
    this.order();
    return this.#toInfo(this.#slotOrThrow(name));
  }

  /**
   * The module's health. Initialises it first (as a command would); a module that is failed, disabled or
   * stopped reports `{ ok: false, message }`. Without a health() of its own a ready module reports `{ ok: true }`;
   * a health() that throws or times out reports `{ ok: false, message }`.
   */
  async health(name: string): Promise<HealthReport> {
    const slot = this.#slotOrThrow(name);
    let definition: ModuleDefinition;
    try {
      definition = await this.ensure(name);
    } catch (err) {
      return { ok: false, message: slot.error ?? messageOf(err) };
    }
    if (!definition.health) return { ok: true };
    try {
      const report = await withTimeout(
        () => definition.health!(),
        this.#shutdownTimeoutMs,
        `health() timed out after ${this.#shutdownTimeoutMs} ms`,
      );
      if (!report || typeof report !== 'object' || typeof report.ok !== 'boolean') {
        return { ok: false, message: 'health() returned no { ok } report' };
      }
      return report;
    } catch (err) {
      return { ok: false, message: `health() failed: ${messageOf(err)}` };
    }
  }

  /**
   * Shuts every ready module down in reverse init order, each with `shutdownTimeoutMs`; errors are logged.
   * Ready and pending modules end `stopped`; failed ones stay failed. Idempotent; later ensure() calls throw
   * UNAVAILABLE.
   */
  shutdownAll(): Promise<void> {
    this.#shutdown ??= this.#shutdownAll();
    return this.#shutdown;
  }

  async #shutdownAll(): Promise<void> {
    const all = [...this.#slots.values()];
    // Let inits in flight settle first, so a module is never shut down while its init still runs.
    await Promise.all(all.map((slot) => slot.initPromise?.catch(() => undefined)));
    for (const name of [...this.#readyOrder].reverse()) {
      const slot = this.#slots.get(name);
      if (slot?.definition && slot.state === 'ready') await this.#callShutdown(name, slot.definition);
    }
    this.#readyOrder.length = 0;
    for (const slot of all) {
      if (slot.state === 'ready' || slot.state === 'pending') slot.state = 'stopped';
    }
  }

  async #callShutdown(name: string, definition: ModuleDefinition): Promise<void> {
    const slot = this.#slots.get(name);
    if (slot) slot.state = 'stopped';
    if (!definition.shutdown) return;
    try {
      const ms = this.#shutdownTimeoutMs;
      await withTimeout(() => definition.shutdown!(), ms, `shutdown timed out after ${ms} ms`);
    } catch (err) {
      this.#log.warn(`module ${name} shutdown failed: ${messageOf(err)}`, { module: name });
    }
  }

  #forgetReady(name: string): void {
    const at = this.#readyOrder.indexOf(name);
    if (at >= 0) this.#readyOrder.splice(at, 1);
  }

  /**
   * Records a failure. Only failures of code that ran (init threw or timed out) are warned about at once;
   * registration and structural ones are logged at debug, because a one-shot CLI command should not print
   * warnings about modules it never touches. initAll() warns about every failed module.
   */
  #markFailed(slot: Slot, reason: string, how: { atRegistration?: boolean; quiet?: boolean; cause?: unknown } = {}): void {
    slot.state = 'failed';
    slot.error = reason;
    if (how.atRegistration) slot.registrationError = reason;
    // A built-in module's failure reaches the user as the error of the command that needed it.
    const quiet = how.atRegistration === true || how.quiet === true || slot.kind === 'builtin';
    slot.warned = !quiet;
    const stack = how.cause instanceof Error && how.cause.stack ? { stack: how.cause.stack } : {};
    if (quiet) this.#log.debug(`module ${slot.name} failed: ${reason}`, { module: slot.name, ...stack });
    else {
      this.#log.warn(`module ${slot.name} failed: ${reason}`, { module: slot.name });
      if (how.cause instanceof Error) this.#log.debug(`module ${slot.name} failure`, { module: slot.name, ...stack });
    }
  }

  #failedError(slot: Slot): RaosError {
    const reason = slot.error ?? 'not loaded';
    if (reason === DISABLED) {
      return new RaosError('MODULE_FAILED', `module ${slot.name} is disabled in config`, {
        hint: `enable it in raos.json to use it`,
        details: { module: slot.name, reason },
      });
    }
    if (slot.state === 'stopped') {
      return new RaosError('UNAVAILABLE', `module ${slot.name} has been shut down`, { details: { module: slot.name } });
    }
    return new RaosError('MODULE_FAILED', `module ${slot.name} failed: ${reason}`, {
      hint:
        slot.kind === 'external'
          ? `fix it, then run \`raos module reload ${slot.name}\`; \`raos module info ${slot.name}\` shows the details`
          : `\`raos module info ${slot.name}\` shows the details`,
      details: { module: slot.name, reason },
    });
  }

  #slotOrThrow(name: string): Slot {
    const slot = this.#slots.get(name);
    if (!slot) throw this.#notFound(name);
    return slot;
  }

  #notFound(name: string): RaosError {
    const known = [...this.#slots.keys()].sort();
    return new RaosError('NOT_FOUND', `unknown module '${name}'; known modules: ${known.length ? known.join(', ') : '(none)'}`, {
      hint: 'run `raos module list` to see every module and its state',
      details: { module: name, known },
    });
  }

  #toInfo(slot: Slot): ModuleInfo {
    const definition = slot.definition;
    return {
      name: slot.name,
      version: definition?.version ?? '',
      ...(definition?.description !== undefined ? { description: definition.description } : {}),
      kind: slot.kind,
      state: slot.state,
      ...(slot.error !== undefined ? { error: slot.error } : {}),
      dependsOn: [...(definition?.dependsOn ?? [])],
      ...(slot.path !== undefined ? { path: slot.path } : {}),
      ...(slot.loadedAt !== undefined ? { loadedAt: slot.loadedAt } : {}),
    };
  }
}
