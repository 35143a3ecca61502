/**
 * The kernel: one workspace, its configuration, its databases, its modules and its event bus.
 * It knows no module by name; src/app.ts hands it the built-in modules.
 *
 * createKernel() is cheap: databases open and modules initialise on first use, so `raos memory get`
 * opens memory.db and nothing else. A kernel opened for writing holds the workspace lock until close().
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditModule } from './audit.js';
import type { RaosConfig } from './config.js';
import { RaosError } from './errors.js';
import { EventBus } from './events.js';
import type { Logger } from './logger.js';
import type { Migration, ModuleContext, ModuleDefinition, ModuleInfo } from './module.js';
import { discoverModules } from './module-loader.js';
import { ModuleManager } from './module-manager.js';
import { acquireLock, type WorkspaceLock } from './storage/lock.js';
import { Store } from './storage/store.js';
import { workspacePaths } from './workspace.js';

/** What a built-in module gets on top of the external-module context. */
export interface BuiltinContext extends ModuleContext {
  readonly config: RaosConfig;
  /** Opens (once) the module's database `<dataDir>/<name>.db`, migrated to its declared migrations. */
  openStore<DB>(): Promise<Store<DB>>;
  now(): number;
  /** True in the daemon: timers and in-memory state that outlive one command are worth keeping. */
  readonly longRunning: boolean;
}

/** A module compiled into raos. `setup` returns the service its operations run against. */
export interface BuiltinModule<S = unknown> {
  name: string;
  version: string;
  description: string;
  dependsOn?: string[];
  /** CLI topics and commands the module owns, shown by `raos module info`. */
  commands?: string[];
  /** The module's database migrations; a module with none has no database. */
  migrations?: Migration[];
  setup(ctx: BuiltinContext): Promise<S> | S;
  shutdown?(service: S): Promise<void> | void;
}

export interface KernelOptions {
  root: string;
  config: RaosConfig;
  log: Logger;
  builtins: BuiltinModule<any>[];
  /** `read` opens databases read-only; `write` takes the workspace lock first. */
  access: 'read' | 'write';
  /** Shown to processes waiting for our lock. */
  purpose: string;
  /** Long-running hosts checkpoint in a worker thread as the journal grows. */
  background?: boolean;
  clock?: () => number;
  /** Called when the write lock is busy and we begin to wait. */
  onLockWait?(holder: { pid: number; purpose: string } | null): void;
}

/** CLI topics that external modules may not take as their names. */
export const RESERVED_NAMES = ['config', 'db', 'module', 'init', 'help', 'daemon', 'console', 'version', 'plugins', 'autocomplete', 'audit', 'auth'];

/** Finds dist/storage-worker.js from wherever this code runs (source tree or bundle). */
function findWorkerScript(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'dist', 'storage-worker.js');
    if (existsSync(candidate)) return candidate;
    const sibling = join(dir, 'storage-worker.js');
    if (existsSync(sibling)) return sibling;
    dir = dirname(dir);
  }
  return undefined;
}

export class Kernel {
  readonly root: string;
  readonly config: RaosConfig;
  readonly log: Logger;
  readonly bus: EventBus;
  readonly paths: ReturnType<typeof workspacePaths>;
  readonly access: 'read' | 'write';
  readonly modules: ModuleManager;
  readonly now: () => number;
  readonly #options: KernelOptions;
  readonly #stores = new Map<string, Promise<Store>>();
  readonly #services = new Map<string, unknown>();
  /** Why a built-in module's setup failed, kept so service() can report the precise error. */
  readonly #setupErrors = new Map<string, unknown>();
  readonly #builtins: Map<string, BuiltinModule>;
  #lock: WorkspaceLock | null = null;
  #externalLoaded: Promise<void> | null = null;
  #closed = false;

  private constructor(options: KernelOptions) {
    this.#options = options;
    this.root = options.root;
    this.config = options.config;
    this.log = options.log;
    this.access = options.access;
    this.now = options.clock ?? Date.now;
    this.paths = workspacePaths(options.root, options.config);
    this.bus = new EventBus({
      onError: (err, event) => this.log.error('event listener failed', { eventType: event.eventType, error: String(err) }),
    });
    // The audit trail is the kernel's own module: the operation guard writes to it for every module.
    const builtins = [auditModule, ...options.builtins.filter((b) => b.name !== auditModule.name)];
    this.#builtins = new Map(builtins.map((b) => [b.name, b]));
    this.modules = new ModuleManager({
      log: this.log,
      initTimeoutMs: options.config.modules.initTimeoutMs,
      disabled: options.config.modules.disabled,
      contextFor: ({ definition, kind, call }) =>
        kind === 'builtin' ? this.#builtinContext(definition.name, call) : this.#context(definition.name, call),
    });
    for (const builtin of builtins) {
      this.modules.register({ definition: this.#asDefinition(builtin), kind: 'builtin' });
    }
  }

  static async create(options: KernelOptions): Promise<Kernel> {
    const kernel = new Kernel(options);
    if (options.access === 'write') {
      kernel.#lock = await acquireLock({
        dir: kernel.paths.dataDir,
        timeoutMs: options.config.storage.lockTimeoutMs,
        purpose: options.purpose,
        onWait: options.onLockWait,
      });
    }
    return kernel;
  }

  #context(name: string, call: ModuleContext['call']): ModuleContext {
    return {
      name,
      workspace: this.root,
      dataDir: join(this.paths.dataDir, 'modules', name),
      settings: this.config.modules.settings[name] ?? {},
      log: this.log.child({ module: name }),
      bus: this.bus,
      call,
    };
  }

  #builtinContext(name: string, call: ModuleContext['call']): BuiltinContext {
    return {
      ...this.#context(name, call),
      config: this.config,
      now: this.now,
      longRunning: this.#options.background ?? false,
      openStore: () => this.store(name) as never,
    };
  }

  #asDefinition(builtin: BuiltinModule): ModuleDefinition {
    return {
      name: builtin.name,
      version: builtin.version,
      description: builtin.description,
      dependsOn: builtin.dependsOn ?? [],
      init: async (ctx) => {
        try {
          this.#services.set(builtin.name, await builtin.setup(ctx as BuiltinContext));
        } catch (err) {
          this.#setupErrors.set(builtin.name, err);
          throw err;
        }
      },
      shutdown: async () => {
        const service = this.#services.get(builtin.name);
        this.#services.delete(builtin.name);
        if (service !== undefined) await builtin.shutdown?.(service);
      },
    };
  }

  /** Built-in modules that own a database, in registration order. */
  get databaseModules(): string[] {
    return [...this.#builtins.values()].filter((b) => b.migrations?.length).map((b) => b.name);
  }

  /** The database of module `name`, opened once, in this kernel's access mode, with the module's migrations. */
  store<DB>(name: string): Promise<Store<DB>> {
    this.#assertOpen();
    const migrations = this.#builtins.get(name)?.migrations ?? [];
    let store = this.#stores.get(name);
    if (!store) {
      store = Store.open<DB>({
        name,
        path: join(this.paths.dataDir, `${name}.db`),
        mode: this.access,
        migrations,
        log: this.log,
        checkpointBytes: this.config.storage.checkpointBytes,
        background: this.#options.background,
        workerScript: this.#options.background ? findWorkerScript() : undefined,
        now: this.now,
        readRetryMs: this.config.storage.lockTimeoutMs,
      });
      this.#stores.set(name, store);
      store.catch(() => this.#stores.delete(name));
    }
    return store as Promise<Store<DB>>;
  }

  /** Every store opened so far. */
  async openStores(): Promise<Store[]> {
    return Promise.all(this.#stores.values());
  }

  /** The service of built-in module `name` if it is up already: the hot path's lookup, without a promise. */
  readyService<S>(name: string): S | undefined {
    return this.#closed ? undefined : (this.#services.get(name) as S | undefined);
  }

  /** The service of built-in module `name`, initialising it (and its dependencies) on first use. */
  async service<S>(name: string): Promise<S> {
    this.#assertOpen();
    if (!this.#builtins.has(name)) throw new RaosError('NOT_FOUND', `no built-in module named '${name}'`);
    try {
      await this.modules.ensure(name);
    } catch (err) {
      // A damaged database, a lock timeout, a bad config value: report that, not "module failed".
      const cause = this.#setupErrors.get(name);
      if (cause instanceof RaosError && cause.code !== 'INTERNAL') throw cause;
      throw err;
    }
    return this.#services.get(name) as S;
  }

  /** The external module folder of `name`, if discovery saw one. */
  externalModuleDir(name: string): string | undefined {
    const info = this.modules.list().find((m) => m.name === name);
    return info?.kind === 'external' ? info.path : undefined;
  }

  /** Discovers external modules in `<workspace>/modules` (once). */
  loadExternalModules(): Promise<void> {
    this.#externalLoaded ??= (async () => {
      const found = await discoverModules(this.paths.modulesDir, { reserved: [...RESERVED_NAMES, ...this.#builtins.keys()] });
      for (const entry of found) {
        if (entry.definition) this.modules.register({ definition: entry.definition, kind: 'external', path: entry.dir });
        else this.modules.registerFailed({ name: entry.name, path: entry.dir, error: entry.error ?? 'could not be loaded' });
      }
    })();
    return this.#externalLoaded;
  }

  /** Loads and initialises every module; failures are isolated and shown by list(). */
  async initAll(): Promise<ModuleInfo[]> {
    await this.loadExternalModules();
    await this.modules.initAll();
    return this.modules.list();
  }

  #assertOpen(): void {
    if (this.#closed) throw new RaosError('UNAVAILABLE', 'the kernel is shutting down');
  }

  /**
   * Shuts modules down, closes every database (checkpointing when due, or always with
   * `checkpoint: 'always'`), then releases the workspace lock.
   */
  async close(options: { checkpoint?: 'auto' | 'always' | 'never' } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.modules.shutdownAll();
      const stores = await Promise.allSettled(this.#stores.values());
      for (const s of stores) if (s.status === 'fulfilled') await s.value.close(options);
    } finally {
      await this.#lock?.release();
      this.#lock = null;
    }
  }
}
