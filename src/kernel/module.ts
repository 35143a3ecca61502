import type { Kysely } from 'kysely';
import type { EventBus } from './events.js';
import type { Logger } from './logger.js';

/** One schema change of a module's database. Ids sort in the order they run (`0001_create_entries`). */
export interface Migration {
  id: string;
  /** Runs inside one write transaction. Use Kysely's schema builder so it runs on sql.js and PostgreSQL. */
  up(db: Kysely<any>): Promise<void>;
}

export interface HealthReport {
  ok: boolean;
  message?: string;
  [key: string]: unknown;
}

/**
 * What a module receives from the kernel. External modules get the same object as built-in ones,
 * minus the database (external modules keep state through Memory or their own files in `dataDir`).
 */
export interface ModuleContext {
  /** The module's name. */
  readonly name: string;
  /** Absolute path of the workspace root (the folder holding raos.json). */
  readonly workspace: string;
  /** A folder the module may write to: `<dataDir>/modules/<name>`. Created on first use by the module. */
  readonly dataDir: string;
  /** The module's own settings: `modules.settings.<name>` in raos.json (empty object when absent). */
  readonly settings: Record<string, unknown>;
  readonly log: Logger;
  readonly bus: EventBus;
  /** Calls `process(command, args)` of another module. Only modules named in `dependsOn` may be called. */
  call(module: string, command: string, args?: string[]): Promise<unknown>;
}

/**
 * The module contract (the seed's IModule). Built-in modules and external ones in
 * `<workspace>/modules/<name>/` both default-export this shape.
 */
export interface ModuleDefinition {
  /** Lower-case name, `[a-z][a-z0-9-]*`; also the CLI topic (`raos <name> <command>`). */
  name: string;
  /** Semantic version, e.g. `1.2.0`. */
  version: string;
  description?: string;
  /** Modules that must be ready before this one initialises. Default: none. */
  dependsOn?: string[];
  /** Called once after every dependency is ready. Throwing (or timing out) marks the module failed. */
  init?(ctx: ModuleContext): void | Promise<void>;
  /** Handles `raos <name> <command> [args...]`. The returned value is printed (as JSON with `--json`). */
  process?(command: string, args: string[], ctx: ModuleContext): unknown | Promise<unknown>;
  /** Called on shutdown and before a reload. */
  shutdown?(): void | Promise<void>;
  /** Reported by `raos module info` and the daemon's readiness. Default: ok while ready. */
  health?(): HealthReport | Promise<HealthReport>;
}

/** Identity helper that gives module authors type checking. */
export function defineModule<T extends ModuleDefinition>(definition: T): T {
  return definition;
}

export type ModuleState = 'pending' | 'ready' | 'failed' | 'stopped';

export interface ModuleInfo {
  name: string;
  version: string;
  description?: string;
  kind: 'builtin' | 'external';
  state: ModuleState;
  /** Why the module failed, when it did. */
  error?: string;
  dependsOn: string[];
  /** For external modules: the folder it was loaded from. */
  path?: string;
  /** Commands the module's process() accepts, when it lists them (`commands` export), else undefined. */
  loadedAt?: string;
}
