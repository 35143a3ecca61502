/**
 * The CMS's services, put together: loaded on first use of the module (see index.ts), so commands of
 * other modules do not pay for Markdown, the sanitiser, zip reading and templates at start-up.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { can } from '../../kernel/access.js';
import type { Actor } from '../../kernel/actor.js';
import { RaosError } from '../../kernel/errors.js';
import type { BuiltinContext } from '../../kernel/kernel.js';
import type { RaosConfig } from '../../kernel/config.js';
import type { Store } from '../../kernel/storage/store.js';
import { ForumService } from './forum.js';
import { MediaService } from './media.js';
import type { CmsTables } from './migrations.js';
import { PluginManager } from './plugins/manager.js';
import { PluginHost } from './plugins/runner.js';
import type { siteBuildInput } from './schema.js';
import { newId } from '../../kernel/ids.js';
import { CmsService } from './service.js';
import { loadSite } from './lazy.js';
import type { BuildReport } from './site/build.js';
import type * as z from 'zod';

export interface BuildProgress {
  (done: number, total: number, phase: string): void;
}

/** The CMS as its operations see it: content, forum, media, plugins, and the static site. */
export class Cms {
  constructor(
    readonly content: CmsService,
    readonly forum: ForumService,
    readonly media: MediaService,
    readonly store: Store<CmsTables>,
    readonly workspace: string,
    readonly config: RaosConfig['cms'],
  ) {}

  get plugins() {
    return this.content.plugins;
  }

  /** Where `raos cms build` writes by default, and what the daemon serves at /site/. */
  get siteDir(): string {
    return resolve(this.workspace, this.config.site.outDir);
  }

  /** The workspace's own theme (`<workspace>/templates/site/`) when it has one, else the default. */
  async themeDir(): Promise<string> {
    const own = join(this.workspace, 'templates', 'site');
    return existsSync(own) ? own : (await loadSite()).defaultThemeDir();
  }

  /**
   * Builds the static site from published content: only pages whose inputs changed are rendered and
   * written (onRender plugins are one of those inputs), and pages of removed content are deleted.
   */
  async build(actor: Actor, input: z.output<typeof siteBuildInput>, onProgress?: BuildProgress): Promise<BuildReport & { warnings: string[] }> {
    if (input.out !== undefined && actor.kind !== 'owner') {
      throw new RaosError('FORBIDDEN', 'only the workspace owner may choose where the site is written (out)', {
        hint: `Leave out empty to build into cms.site.outDir (${this.config.site.outDir}).`,
      });
    }
    await this.content.publishDue();
    const outDir = input.out === undefined ? this.siteDir : isAbsolute(input.out) ? input.out : resolve(this.workspace, input.out);
    const items = await this.content.publishedItems();
    const { buildSite } = await loadSite();
    // onRender failures: those pages were written without that plugin's output; the manifest counts them
    // as current, so the report says to build again with --force once the plugin is fixed.
    const warnings: string[] = [];
    const report = await buildSite(
      {
        items: async () => items,
        html: (ids) => this.content.htmlOf(ids),
      },
      {
        outDir,
        themeDir: await this.themeDir(),
        site: { title: this.config.site.title, description: this.config.site.description, url: this.config.site.url, postsPerPage: this.config.site.postsPerPage },
        fingerprint: await this.plugins.fingerprint('onRender'),
        transform: (html, item) => this.content.renderHtml(html, item, warnings),
        onProgress,
        force: input.force,
      },
    );
    if (this.store.mode === 'write') {
      await this.store.write(async (trx) => {
        await trx
          .insertInto('builds')
          .values({ id: newId('k'), out_dir: report.outDir, pages: report.pages, written: report.written, deleted: report.deleted, ms: Math.round(report.ms), by_name: actor.name, at: new Date().toISOString() })
          .execute();
        // Keep the last 20 builds.
        const old = await trx.selectFrom('builds').select('id').orderBy('at', 'desc').offset(20).limit(1000).execute();
        if (old.length) await trx.deleteFrom('builds').where('id', 'in', old.map((o) => o.id)).execute();
      });
    }
    if (warnings.length > 0) {
      const shown = warnings.slice(0, 20);
      if (warnings.length > shown.length) shown.push(`… and ${warnings.length - shown.length} more`);
      shown.push('pages above were written without that plugin output; after fixing the plugin, run raos cms build --force');
      return { ...report, warnings: shown };
    }
    return { ...report, warnings };
  }

  /** Plugin details (failures, why one was disabled) only for those who manage plugins. */
  async status(actor: Actor) {
    const lastBuild = await this.store.db.selectFrom('builds').selectAll().orderBy('at', 'desc').limit(1).executeTakeFirst();
    const plugins = await this.plugins.list();
    return {
      content: await this.content.counts(),
      forum: await this.forum.counts(),
      media: await this.media.counts(),
      plugins: can(actor, 'cms.plugin.manage')
        ? plugins.map((p) => ({ name: p.name, version: p.version, enabled: p.enabled, failures: p.failures, lastError: p.lastError, disabledReason: p.disabledReason }))
        : plugins.filter((p) => p.enabled).map((p) => ({ name: p.name, version: p.version, enabled: true, failures: 0, lastError: null, disabledReason: null })),
      sandbox: { ...PluginHost.isolation(), hookTimeoutMs: this.config.plugins.hookTimeoutMs, memoryMb: this.config.plugins.memoryMb, maxFailures: this.config.plugins.maxFailures },
      lastBuild: lastBuild
        ? { at: lastBuild.at, outDir: can(actor, 'cms.site.build') ? lastBuild.out_dir : null, pages: Number(lastBuild.pages), written: Number(lastBuild.written), deleted: Number(lastBuild.deleted), ms: Number(lastBuild.ms), by: lastBuild.by_name }
        : null,
      site: { outDir: can(actor, 'cms.site.build') ? this.siteDir : null, url: this.config.site.url },
    };
  }

  async stop(): Promise<void> {
    await this.content.stop();
  }
}

/** Opens cms.db and puts the services together (BuiltinModule.setup, via index.ts). */
export async function createCms(ctx: BuiltinContext): Promise<Cms> {
  const store = await ctx.openStore<CmsTables>();
  const log = ctx.log;
  const plugins = new PluginManager({
    store,
    bus: ctx.bus,
    log,
    now: ctx.now,
    dir: join(ctx.dataDir, 'plugins'),
    settings: ctx.config.cms.plugins,
  });
  const content = new CmsService({ store, bus: ctx.bus, now: ctx.now, log, plugins, scheduler: ctx.longRunning && store.mode === 'write' });
  const forum = new ForumService({ store, bus: ctx.bus, now: ctx.now });
  const media = new MediaService({ store, bus: ctx.bus, now: ctx.now, dir: join(ctx.dataDir, 'media'), workspace: ctx.workspace, maxBytes: ctx.config.cms.media.maxBytes });
  return new Cms(content, forum, media, store, ctx.workspace, ctx.config.cms);
}
