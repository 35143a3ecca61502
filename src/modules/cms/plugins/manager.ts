/**
 * The plugin registry and hook dispatcher (the seed's PluginManager). Plugins live unpacked in
 * `<dataDir>/plugins/<name>/`, their records in cms.db's `plugins` table. Each enabled plugin's hooks
 * run in its own sandboxed host process (runner.ts), one call at a time, in the plugins' install order.
 *
 * Failures (a timeout, the memory budget, a crash, a throw, a result of the wrong shape) never fail
 * the operation that ran the hook: the hook is skipped, the operation reports a warning, and the
 * plugin's count of failures in a row grows. At `cms.plugins.maxFailures` the plugin is disabled, with
 * the reason kept on its record (`raos cms plugin list`, `raos cms status`), logged, and published as
 * `cms:plugin:disabled`.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor } from '../../../kernel/actor.js';
import { newId } from '../../../kernel/ids.js';
import { conflict, notFound } from '../../../kernel/errors.js';
import type { EventBus } from '../../../kernel/events.js';
import type { Logger } from '../../../kernel/logger.js';
import type { Store } from '../../../kernel/storage/store.js';
import type { CmsTables } from '../migrations.js';
import type { PluginView } from '../schema.js';
import type { HookName, PluginManifest } from './manifest.js';
import { PluginHost, type HookOutcome, type PluginBudgets } from './runner.js';
import { loadZip } from '../lazy.js';

type PluginRow = CmsTables['plugins'];

export interface PluginSettings {
  hookTimeoutMs: number;
  memoryMb: number;
  maxFailures: number;
}

/** One enabled plugin as hooks see it. */
export interface ActivePlugin {
  id: string;
  name: string;
  version: string;
  manifest: PluginManifest;
  /** Failures in a row as last recorded (kept here so a success costs no query when it is 0). */
  failures?: number;
  /** The installed zip's SHA-256: new code under an old version number still changes fingerprints. */
  sha256?: string;
}

export interface HookCall {
  plugin: ActivePlugin;
  outcome: HookOutcome;
}

function pluginView(row: PluginRow): PluginView {
  const manifest = JSON.parse(row.manifest) as PluginManifest;
  return {
    pluginId: row.id,
    name: row.name,
    version: row.version,
    description: row.description,
    hooks: [...manifest.hooks],
    permissions: [...manifest.permissions],
    enabled: row.enabled === 1,
    position: Number(row.position),
    failures: Number(row.failures),
    lastError: row.last_error,
    disabledReason: row.disabled_reason,
    sha256: row.sha256,
    installedBy: row.installed_by,
    installedAt: row.installed_at,
  };
}

export class PluginManager {
  readonly #store: Store<CmsTables>;
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #dir: string;
  readonly #settings: PluginSettings;
  readonly #hosts = new Map<string, PluginHost>();
  #active: ActivePlugin[] | null = null;
  #closed = false;

  constructor(options: { store: Store<CmsTables>; bus: EventBus; log: Logger; now: () => number; dir: string; settings: PluginSettings }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#log = options.log;
    this.#now = options.now;
    this.#dir = options.dir;
    this.#settings = options.settings;
  }

  get budgets(): PluginBudgets {
    return { timeMs: this.#settings.hookTimeoutMs, memoryMb: this.#settings.memoryMb };
  }

  // ---------------------------------------------------------------------------------------------
  // The registry
  // ---------------------------------------------------------------------------------------------

  /**
   * Installs a plugin from its zip: every entry is checked (paths, links, counts, sizes, plugin.json)
   * before a byte is written; the files land in a temporary folder renamed into place, and the record
   * is written last. Installing a name that exists is CONFLICT (uninstall it first).
   */
  async install(actor: Actor, zip: Buffer, enable: boolean): Promise<PluginView> {
    const { readPluginZip, writePluginFiles } = await loadZip();
    const archive = await readPluginZip(zip);
    const { manifest } = archive;
    const existing = await this.#store.db.selectFrom('plugins').select(['id', 'version']).where('name', '=', manifest.name).executeTakeFirst();
    if (existing) {
      throw conflict(`a plugin named '${manifest.name}' is installed already (version ${existing.version}, ${existing.id})`, {
        hint: `Uninstall it first: raos cms plugin uninstall ${manifest.name}`,
      });
    }
    const dest = join(this.#dir, manifest.name);
    if (existsSync(dest)) {
      // A folder without a record: an install that died between the rename and the record. Set it aside.
      await rename(dest, `${dest}.orphan-${Date.now()}`);
    }
    await writePluginFiles(archive, dest);
    const at = new Date(this.#now()).toISOString();
    try {
      const row = await this.#store.write(async (trx) => {
        const last = await trx.selectFrom('plugins').select((eb) => eb.fn.max<number>('position').as('p')).executeTakeFirst();
        const row: PluginRow = {
          id: newId('p'),
          name: manifest.name,
          version: manifest.version,
          description: manifest.description,
          manifest: JSON.stringify(manifest),
          sha256: archive.sha256,
          enabled: enable ? 1 : 0,
          position: Number(last?.p ?? 0) + 1,
          failures: 0,
          last_error: null,
          disabled_reason: null,
          installed_by: actor.name,
          installed_at: at,
          updated_at: at,
        };
        await trx.insertInto('plugins').values(row).execute();
        return row;
      });
      this.#active = null;
      const view = pluginView(row);
      this.#bus.publish('cms:plugin:installed', { pluginId: view.pluginId, name: view.name, version: view.version, enabled: view.enabled });
      return view;
    } catch (err) {
      await rm(dest, { recursive: true, force: true });
      throw err;
    }
  }

  async list(): Promise<PluginView[]> {
    const rows = await this.#store.db.selectFrom('plugins').selectAll().orderBy('position').execute();
    return rows.map(pluginView);
  }

  async #find(ref: string): Promise<PluginRow> {
    const row = await this.#store.db
      .selectFrom('plugins')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
      .executeTakeFirst();
    if (!row) throw notFound(`no plugin named or with the id '${ref}'`, { hint: 'List plugins with: raos cms plugin list' });
    return row;
  }

  async setEnabled(ref: string, enabled: boolean): Promise<PluginView> {
    const row = await this.#find(ref);
    const at = new Date(this.#now()).toISOString();
    const changes: Partial<PluginRow> = enabled
      ? { enabled: 1, failures: 0, last_error: null, disabled_reason: null, updated_at: at }
      : { enabled: 0, disabled_reason: 'disabled by an operator', updated_at: at };
    await this.#store.write((trx) => trx.updateTable('plugins').set(changes).where('id', '=', row.id).execute());
    this.#active = null;
    if (!enabled) await this.#stopHost(row.name);
    const view = pluginView({ ...row, ...changes });
    this.#bus.publish(enabled ? 'cms:plugin:enabled' : 'cms:plugin:disabled', { pluginId: row.id, name: row.name, reason: view.disabledReason });
    return view;
  }

  async uninstall(ref: string): Promise<PluginView> {
    const row = await this.#find(ref);
    await this.#stopHost(row.name);
    await this.#store.write((trx) => trx.deleteFrom('plugins').where('id', '=', row.id).execute());
    this.#active = null;
    // The record is gone first: a crash now leaves a folder, which the next install of the name sets aside.
    await rm(join(this.#dir, row.name), { recursive: true, force: true });
    this.#bus.publish('cms:plugin:uninstalled', { pluginId: row.id, name: row.name });
    return { ...pluginView(row), enabled: false };
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks
  // ---------------------------------------------------------------------------------------------

  /** The enabled plugins, in order (cached; every change through this manager refreshes it). */
  async active(): Promise<ActivePlugin[]> {
    if (this.#active) return this.#active;
    const rows = await this.#store.db.selectFrom('plugins').selectAll().where('enabled', '=', 1).orderBy('position').execute();
    this.#active = rows.map((r) => ({ id: r.id, name: r.name, version: r.version, manifest: JSON.parse(r.manifest) as PluginManifest, failures: Number(r.failures), sha256: r.sha256 }));
    return this.#active;
  }

  /**
   * The enabled plugins that declare `hook`, in order. The first time any hook is about to run, every
   * enabled plugin's host starts, side by side: a one-shot command then waits for one start-up instead
   * of one per plugin (~65 ms each).
   */
  async withHook(hook: HookName): Promise<ActivePlugin[]> {
    const active = await this.active();
    const plugins = active.filter((p) => p.manifest.hooks.includes(hook));
    if (plugins.length > 0 && !this.#warmed && !this.#closed) {
      this.#warmed = true;
      for (const plugin of active) void this.#host(plugin).start();
    }
    return plugins;
  }

  #warmed = false;

  /** The enabled plugins with `hook`, by name, version and zip checksum: changes when their output may. */
  async fingerprint(hook: HookName): Promise<string> {
    return (await this.active())
      .filter((p) => p.manifest.hooks.includes(hook))
      .map((p) => `${p.name}@${p.version}#${p.sha256 ?? ''}`)
      .join(',');
  }

  /**
   * Calls one plugin's hook in its sandbox and keeps its record of failures. Never throws for the
   * plugin's faults: the outcome says what happened.
   */
  async call(plugin: ActivePlugin, hook: HookName, payload: unknown): Promise<HookOutcome> {
    if (this.#closed) return { ok: false, reason: 'unavailable', message: 'the CMS is shutting down', ms: 0, logs: [] };
    const outcome = await this.#host(plugin).call(hook, payload);
    for (const line of outcome.logs) this.#log.info(line, { plugin: plugin.name, hook });
    // A success is counted by the caller once it has accepted what the hook returned (succeeded()).
    if (!outcome.ok) await this.failed(plugin, hook, `${outcome.reason}: ${outcome.message}`);
    return outcome;
  }

  #host(plugin: ActivePlugin): PluginHost {
    let host = this.#hosts.get(plugin.name);
    if (!host) {
      host = new PluginHost({
        name: plugin.name,
        dir: join(this.#dir, plugin.name),
        manifest: plugin.manifest,
        budgets: this.budgets,
        logger: this.#log.child({ plugin: plugin.name }),
      });
      this.#hosts.set(plugin.name, host);
    }
    return host;
  }

  /** Ends a run of failures: the caller accepted what `plugin` returned. */
  async succeeded(plugin: ActivePlugin): Promise<void> {
    if (this.#store.mode !== 'write' || plugin.failures === 0) return;
    await this.#store.write((trx) => trx.updateTable('plugins').set({ failures: 0 }).where('id', '=', plugin.id).execute());
    plugin.failures = 0;
  }

  /**
   * Counts a failure of `plugin` (also used when the CMS refuses what a hook returned). At the limit
   * the plugin is disabled and the owner told why. Read-only processes only log it.
   */
  async failed(plugin: ActivePlugin, hook: HookName, message: string): Promise<void> {
    const text = `${hook}: ${message}`.slice(0, 1000);
    this.#log.warn(`plugin ${plugin.name} failed`, { plugin: plugin.name, hook, error: message });
    if (this.#store.mode !== 'write' || this.#closed) return;
    // Read and counted in one transaction: two failures at once both count.
    const counted = await this.#store.write(async (trx) => {
      const row = await trx.selectFrom('plugins').select(['enabled', 'failures']).where('id', '=', plugin.id).executeTakeFirst();
      if (!row || row.enabled !== 1) return undefined;
      const failures = Number(row.failures) + 1;
      const disable = failures >= this.#settings.maxFailures;
      const reason = disable ? `disabled after ${failures} failures in a row; the last: ${text}` : null;
      await trx
        .updateTable('plugins')
        .set({
          failures,
          last_error: text,
          ...(disable ? { enabled: 0, disabled_reason: reason, updated_at: new Date(this.#now()).toISOString() } : {}),
        })
        .where('id', '=', plugin.id)
        .execute();
      return { failures, disable, reason };
    });
    if (!counted) return;
    const { failures, disable, reason } = counted;
    plugin.failures = failures;
    if (disable) {
      this.#active = null;
      await this.#stopHost(plugin.name);
      this.#log.error(`plugin ${plugin.name} ${reason}`, { plugin: plugin.name });
      this.#bus.publish('cms:plugin:disabled', { pluginId: plugin.id, name: plugin.name, reason });
    }
  }

  async #stopHost(name: string): Promise<void> {
    const host = this.#hosts.get(name);
    this.#hosts.delete(name);
    await host?.close();
  }

  /** Stops every plugin host. */
  async close(): Promise<void> {
    this.#closed = true;
    const hosts = [...this.#hosts.values()];
    this.#hosts.clear();
    await Promise.all(hosts.map((h) => h.close()));
  }
}
