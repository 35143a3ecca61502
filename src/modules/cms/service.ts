/**
 * LegendaryCMS's content operations on cms.db: pages and posts in Markdown with every revision kept,
 * publishing now or at a time, full-text search, and the plugin hooks around each save, delete,
 * publication and render. Transport-free: every door calls these with input the operation guard has
 * validated and an actor it has admitted.
 *
 * A save reads as phases (STYLE §9):
 *   access → validate → beforeContentSave hooks (may change or veto) → validate again →
 *   one transaction (row, revision, tags, search terms) → commit → events → afterContentSave hooks
 * After-hooks run after the commit, so they see committed data, and their failures never undo it.
 *
 * Who may do what: `cms.content.read` reads published content; drafts and scheduled items are seen
 * by their author and by holders of `cms.content.publish`. `cms.content.update` edits one's own
 * content; editing someone else's needs `cms.content.publish` too. Publishing, unpublishing and
 * scheduling need `cms.content.publish`; deleting `cms.content.delete`.
 */
import type { Transaction } from 'kysely';
import { assertCan, can } from '../../kernel/access.js';
import { newId } from '../../kernel/ids.js';
import type { Actor } from '../../kernel/actor.js';
import { RaosError, conflict, formatIssues, invalidInput, notFound } from '../../kernel/errors.js';
import type { EventBus } from '../../kernel/events.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../kernel/storage/store.js';
import type { CmsTables } from './migrations.js';
import type { HookName } from './plugins/manifest.js';
import type { ActivePlugin, PluginManager } from './plugins/manager.js';
import { loadRender, loadSearch } from './lazy.js';
import {
  bodySchema,
  slugSchema,
  tagsSchema,
  titleSchema,
  type ContentDetail,
  type ContentStatus,
  type ContentType,
  type ContentView,
  type RevisionView,
  type SaveResult,
  type SearchHit,
  type contentCreateInput,
  type contentListInput,
  type contentRefInput,
  type contentRestoreInput,
  type contentScheduleInput,
  type contentSearchInput,
  type contentShowInput,
  type contentUpdateInput,
} from './schema.js';
import type { SiteItem } from './site/build.js';
import * as z from 'zod';

type In<T extends z.ZodType> = z.output<T>;
type ContentRow = CmsTables['content'];
type Db = Store<CmsTables>['db'] | Transaction<CmsTables>;

const EXCERPT_CHARS = 240;

/** A slug from a title: ASCII letters and digits joined by single hyphens (`Héllo, World!` → `hello-world`). */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug || 'untitled';
}

/** What the content is now, as hooks and events see it. */
export interface ContentData {
  id: string | null;
  type: ContentType;
  slug: string;
  title: string;
  body: string;
  tags: string[];
  status: ContentStatus;
}

const hookChangeSchema = z
  .object({
    content: z.object({ title: titleSchema, slug: slugSchema, body: bodySchema, tags: tagsSchema }).partial().strict().optional(),
    veto: z.string().min(1).max(500).optional(),
  })
  .strict();

/** The fields a save writes, checked again after the plugins' changes. */
const savedFieldsSchema = z.object({ title: titleSchema, slug: slugSchema, body: bodySchema, tags: tagsSchema });

function effectiveStatus(row: Pick<ContentRow, 'status' | 'publish_at'>, nowIso: string): ContentStatus {
  if (row.status === 'scheduled' && row.publish_at !== null && row.publish_at <= nowIso) return 'published';
  return row.status as ContentStatus;
}

/** What the site builder needs of one item, with what decides whether it is published now. */
function siteEntry(row: Pick<ContentRow, 'id' | 'type' | 'slug' | 'title' | 'tags' | 'status' | 'publish_at' | 'published_at' | 'author_name' | 'revision' | 'excerpt' | 'updated_at'>) {
  const item: SiteItem = Object.freeze({
    id: row.id,
    type: row.type as ContentType,
    slug: row.slug,
    title: row.title,
    tags: Object.freeze(JSON.parse(row.tags)) as string[],
    publishedAt: (row.status === 'scheduled' ? row.publish_at : row.published_at) ?? row.updated_at,
    updatedAt: row.updated_at,
    revision: Number(row.revision),
    excerpt: row.excerpt,
    author: row.author_name,
  });
  return { status: row.status, publish_at: row.publish_at, item };
}

export class CmsService {
  readonly plugins: PluginManager;
  readonly #store: Store<CmsTables>;
  readonly #bus: EventBus;
  readonly #now: () => number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #publishing: Promise<unknown> = Promise.resolve();

  constructor(options: { store: Store<CmsTables>; bus: EventBus; now: () => number; log: Logger; plugins: PluginManager; scheduler?: boolean }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#now = options.now;
    this.#log = options.log;
    this.plugins = options.plugins;
    if (options.scheduler) {
      this.#timer = setInterval(() => void this.publishDue().catch((err) => this.#log.error('publishing scheduled content failed', { error: String(err) })), 1000);
      this.#timer.unref();
    }
  }

  get store(): Store<CmsTables> {
    return this.#store;
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  #view(row: ContentRow, nowIso = this.#iso()): ContentView {
    return {
      id: row.id,
      type: row.type as ContentType,
      slug: row.slug,
      title: row.title,
      tags: JSON.parse(row.tags) as string[],
      status: effectiveStatus(row, nowIso),
      publishAt: row.publish_at,
      publishedAt: row.status === 'scheduled' && effectiveStatus(row, nowIso) === 'published' ? row.publish_at : row.published_at,
      author: { id: row.author_id, name: row.author_name },
      revision: Number(row.revision),
      excerpt: row.excerpt,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  #data(row: ContentRow): ContentData {
    return {
      id: row.id,
      type: row.type as ContentType,
      slug: row.slug,
      title: row.title,
      body: row.body,
      tags: JSON.parse(row.tags) as string[],
      status: effectiveStatus(row, this.#iso()),
    };
  }

  /** Whether `actor` may see a draft or scheduled item. */
  #seesUnpublished(actor: Actor, row: Pick<ContentRow, 'author_id'>): boolean {
    return row.author_id === actor.id || can(actor, 'cms.content.publish');
  }

  async #find(db: Db, ref: string): Promise<ContentRow | undefined> {
    return db
      .selectFrom('content')
      .selectAll()
      .where(ref.startsWith('c_') ? 'id' : 'slug', '=', ref)
      .executeTakeFirst();
  }

  /** The item, or NOT_FOUND, also for an unpublished item the actor may not see (its existence is not revealed). */
  async #require(db: Db, actor: Actor, ref: string): Promise<ContentRow> {
    const row = await this.#find(db, ref);
    if (!row || (effectiveStatus(row, this.#iso()) !== 'published' && !this.#seesUnpublished(actor, row))) {
      throw notFound(`no content with the slug or id '${ref}'`, { hint: 'List content with: raos cms content list' });
    }
    return row;
  }

  #assertMayEdit(actor: Actor, row: ContentRow): void {
    if (row.author_id !== actor.id && !can(actor, 'cms.content.publish')) {
      throw new RaosError('FORBIDDEN', `'${row.slug}' belongs to ${row.author_name}; editing someone else's content needs cms.content.publish`, {
        hint: 'Ask a Moderator or above, or the author.',
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks
  // ---------------------------------------------------------------------------------------------

  /** The content as one plugin may see it: without `content:read` it gets no body. */
  #forPlugin(plugin: ActivePlugin, content: ContentData | ContentView): unknown {
    if (plugin.manifest.permissions.includes('content:read')) return content;
    const { id, type, slug, title, tags, status } = content as ContentData;
    return { id, type, slug, title, tags, status };
  }

  #actorFacts(actor: Actor) {
    return { id: actor.id, name: actor.name, role: actor.role };
  }

  /**
   * beforeContentSave, in order: each plugin sees the data as the previous one left it, may change
   * title, slug, body and tags (with `content:write`), or veto. A plugin that fails is skipped.
   */
  async #beforeSave(actor: Actor, operation: string, data: ContentData, previous: ContentData | null, warnings: string[]): Promise<ContentData> {
    let current = data;
    for (const plugin of await this.plugins.withHook('beforeContentSave')) {
      const outcome = await this.plugins.call(plugin, 'beforeContentSave', {
        operation,
        content: this.#forPlugin(plugin, current),
        previous: previous && this.#forPlugin(plugin, previous),
        actor: this.#actorFacts(actor),
      });
      if (!outcome.ok) {
        warnings.push(`plugin ${plugin.name}: beforeContentSave ${outcome.reason} (${outcome.message}); skipped`);
        continue;
      }
      if (outcome.value === undefined || outcome.value === null) {
        await this.plugins.succeeded(plugin);
        continue;
      }
      const parsed = hookChangeSchema.safeParse(outcome.value);
      if (!parsed.success) {
        const message = `returned ${formatIssues(parsed.error.issues, 'result')}; expected nothing, { content: {...} } or { veto: "reason" }`;
        await this.plugins.failed(plugin, 'beforeContentSave', message);
        warnings.push(`plugin ${plugin.name}: beforeContentSave ${message}; skipped`);
        continue;
      }
      if (parsed.data.veto) {
        await this.plugins.succeeded(plugin);
        throw invalidInput(`plugin ${plugin.name} refused the save: ${parsed.data.veto}`, {
          hint: `Change the content, or disable the plugin: raos cms plugin disable ${plugin.name}`,
          details: { plugin: plugin.name, veto: parsed.data.veto },
        });
      }
      const change = parsed.data.content;
      if (change && Object.keys(change).length > 0) {
        if (!plugin.manifest.permissions.includes('content:write')) {
          const message = 'changed the content without the content:write permission in its plugin.json';
          await this.plugins.failed(plugin, 'beforeContentSave', message);
          warnings.push(`plugin ${plugin.name}: ${message}; change ignored`);
          continue;
        }
        current = { ...current, ...change };
      }
      await this.plugins.succeeded(plugin);
    }
    return current;
  }

  /** A hook whose result is not used (after-commit hooks, onPublish): failures become warnings. */
  async #notify(hook: HookName, payloadFor: (plugin: ActivePlugin) => unknown, warnings: string[]): Promise<void> {
    for (const plugin of await this.plugins.withHook(hook)) {
      const outcome = await this.plugins.call(plugin, hook, payloadFor(plugin));
      if (outcome.ok) await this.plugins.succeeded(plugin);
      else warnings.push(`plugin ${plugin.name}: ${hook} ${outcome.reason} (${outcome.message})`);
    }
  }

  /** A veto from beforeContentDelete. */
  async #beforeDelete(actor: Actor, data: ContentData, warnings: string[]): Promise<void> {
    for (const plugin of await this.plugins.withHook('beforeContentDelete')) {
      const outcome = await this.plugins.call(plugin, 'beforeContentDelete', { content: this.#forPlugin(plugin, data), actor: this.#actorFacts(actor) });
      if (!outcome.ok) {
        warnings.push(`plugin ${plugin.name}: beforeContentDelete ${outcome.reason} (${outcome.message}); skipped`);
        continue;
      }
      const parsed = hookChangeSchema.pick({ veto: true }).safeParse(outcome.value ?? {});
      if (!parsed.success) {
        await this.plugins.failed(plugin, 'beforeContentDelete', 'returned something other than nothing or { veto: "reason" }');
        continue;
      }
      await this.plugins.succeeded(plugin);
      if (parsed.data.veto) {
        throw invalidInput(`plugin ${plugin.name} refused the delete: ${parsed.data.veto}`, { details: { plugin: plugin.name, veto: parsed.data.veto } });
      }
    }
  }

  /** onRender, in order, over sanitised HTML; what a plugin returns is sanitised again. */
  async renderHtml(html: string, content: Pick<ContentView, 'id' | 'type' | 'slug' | 'title' | 'tags'>, warnings?: string[]): Promise<string> {
    let current = html;
    for (const plugin of await this.plugins.withHook('onRender')) {
      const outcome = await this.plugins.call(plugin, 'onRender', {
        html: current,
        content: { id: content.id, type: content.type, slug: content.slug, title: content.title, tags: content.tags },
      });
      if (!outcome.ok) {
        warnings?.push(`plugin ${plugin.name}: onRender ${outcome.reason} (${outcome.message}); skipped`);
        continue;
      }
      const value = outcome.value as unknown;
      const next = typeof value === 'string' ? value : value && typeof (value as { html?: unknown }).html === 'string' ? (value as { html: string }).html : undefined;
      if (next === undefined) {
        if (value !== undefined && value !== null) {
          await this.plugins.failed(plugin, 'onRender', 'returned something other than a string or { html: string }');
          warnings?.push(`plugin ${plugin.name}: onRender returned something other than a string or { html: string }; skipped`);
        } else await this.plugins.succeeded(plugin);
        continue;
      }
      await this.plugins.succeeded(plugin);
      current = (await loadRender()).sanitizeHtml(next);
    }
    return current;
  }

  // ---------------------------------------------------------------------------------------------
  // Writing content
  // ---------------------------------------------------------------------------------------------

  /** Checks data a plugin may have changed with the same rules as the input. */
  #revalidate(data: ContentData): ContentData {
    const result = savedFieldsSchema.safeParse({ title: data.title, slug: data.slug, body: data.body, tags: data.tags });
    if (!result.success) throw invalidInput(`after the plugins' changes, ${formatIssues(result.error.issues)}`);
    return { ...data, ...result.data };
  }

  async #slugFree(db: Db, slug: string, exceptId: string | null): Promise<boolean> {
    let q = db.selectFrom('content').select('id').where('slug', '=', slug);
    if (exceptId) q = q.where('id', '!=', exceptId);
    return !(await q.executeTakeFirst());
  }

  async #uniqueSlug(base: string): Promise<string> {
    let slug = base;
    for (let n = 2; !(await this.#slugFree(this.#store.db, slug, null)) || !slugSchema.safeParse(slug).success; n++) slug = `${base}-${n}`;
    return slug;
  }

  async #writeIndex(trx: Transaction<CmsTables>, id: string, data: ContentData, terms: Map<string, number>): Promise<void> {
    await trx.deleteFrom('content_tags').where('content_id', '=', id).execute();
    if (data.tags.length) await trx.insertInto('content_tags').values(data.tags.map((t) => ({ content_id: id, tag: t.toLowerCase() }))).execute();
    await trx.deleteFrom('search_terms').where('content_id', '=', id).execute();
    const rows = [...terms].map(([term, weight]) => ({ term, content_id: id, weight }));
    for (let i = 0; i < rows.length; i += 300) await trx.insertInto('search_terms').values(rows.slice(i, i + 300)).execute();
  }

  async #addRevision(trx: Transaction<CmsTables>, row: ContentRow, action: string, actor: Actor): Promise<void> {
    await trx
      .insertInto('revisions')
      .values({
        content_id: row.id,
        revision: row.revision,
        slug: row.slug,
        title: row.title,
        body: row.body,
        tags: row.tags,
        status: row.status,
        action,
        author_id: actor.id,
        author_name: actor.name,
        at: row.updated_at,
      })
      .execute();
  }

  #slugTaken(slug: string): RaosError {
    return conflict(`the slug '${slug}' is taken by another item`, { hint: 'Choose another slug (--slug), or rename the other item first.' });
  }

  /** Inserts or updates `row` with its revision and index; maps a slug race to CONFLICT. */
  async #persist(row: ContentRow, data: ContentData, action: string, actor: Actor, isNew: boolean, ifRevision?: number): Promise<void> {
    const terms = (await loadSearch()).termWeights({ title: data.title, body: data.body, tags: data.tags });
    try {
      await this.#store.write(async (trx) => {
        if (!(await this.#slugFree(trx, row.slug, row.id))) throw this.#slugTaken(row.slug);
        if (isNew) await trx.insertInto('content').values(row).execute();
        else {
          const current = await trx.selectFrom('content').select('revision').where('id', '=', row.id).executeTakeFirst();
          if (!current) throw notFound(`the content '${row.slug}' was deleted meanwhile`);
          if (Number(current.revision) !== row.revision - 1 || (ifRevision !== undefined && Number(current.revision) !== ifRevision)) {
            throw conflict(`'${row.slug}' changed meanwhile (now at revision ${current.revision})`, { hint: 'Show it again and retry.' });
          }
          const { id: _id, created_at: _c, ...changes } = row;
          await trx.updateTable('content').set(changes).where('id', '=', row.id).execute();
        }
        await this.#addRevision(trx, row, action, actor);
        await this.#writeIndex(trx, row.id, data, terms);
      });
      this.#contentWrites++;
      this.#siteItems?.set(row.id, siteEntry(row));
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint failed: content\.slug/.test(err.message)) throw this.#slugTaken(row.slug);
      throw err;
    }
  }

  #saved(row: ContentRow, operation: string, previousStatus: ContentStatus | null): void {
    const view = this.#view(row);
    const payload = { id: row.id, slug: row.slug, type: row.type, title: row.title, status: view.status, revision: row.revision, authorId: row.author_id, operation };
    this.#bus.publish('cms:content:saved', payload);
    if (view.status === 'published' && previousStatus !== 'published') this.#bus.publish('cms:content:published', payload);
  }

  async #afterSave(actor: Actor, operation: string, row: ContentRow, previous: ContentData | null, warnings: string[]): Promise<void> {
    const committed = this.#view(row);
    const data = { ...this.#data(row) };
    await this.#notify(
      'afterContentSave',
      (p) => ({ operation, content: { ...(this.#forPlugin(p, data) as object), revision: committed.revision }, previous: previous && this.#forPlugin(p, previous), actor: this.#actorFacts(actor) }),
      warnings,
    );
  }

  async #onPublish(actor: Actor, row: ContentRow, warnings: string[]): Promise<void> {
    const data = this.#data(row);
    await this.#notify('onPublish', (p) => ({ content: this.#forPlugin(p, data), actor: this.#actorFacts(actor) }), warnings);
  }

  async createContent(actor: Actor, input: In<typeof contentCreateInput>): Promise<SaveResult> {
    if (input.publish) assertCan(actor, 'cms.content.publish');
    await this.publishDue();
    const warnings: string[] = [];
    if (input.slug && !(await this.#slugFree(this.#store.db, input.slug, null))) throw this.#slugTaken(input.slug);
    const slug = input.slug ?? (await this.#uniqueSlug(slugify(input.title)));
    const status: ContentStatus = input.publish ? 'published' : 'draft';
    let data: ContentData = { id: null, type: input.type, slug, title: input.title, body: input.body, tags: input.tags, status };
    data = this.#revalidate(await this.#beforeSave(actor, 'create', data, null, warnings));
    const at = this.#iso();
    const { renderMarkdown, plainText } = await loadRender();
    const row: ContentRow = {
      id: newId('c'),
      type: data.type,
      slug: data.slug,
      title: data.title,
      body: data.body,
      html: renderMarkdown(data.body),
      excerpt: plainText(data.body, EXCERPT_CHARS),
      tags: JSON.stringify(data.tags),
      status,
      publish_at: null,
      published_at: status === 'published' ? at : null,
      author_id: actor.id,
      author_name: actor.name,
      revision: 1,
      created_at: at,
      updated_at: at,
    };
    await this.#persist(row, { ...data, id: row.id }, 'create', actor, true);
    this.#saved(row, 'create', null);
    await this.#afterSave(actor, 'create', row, null, warnings);
    if (status === 'published') await this.#onPublish(actor, row, warnings);
    return { ...this.#view(row), warnings };
  }

  /** Applies new text to an item: hooks, validation, a new revision. Shared by update and restore. */
  async #saveText(actor: Actor, row: ContentRow, change: Partial<Pick<ContentData, 'title' | 'slug' | 'body' | 'tags'>>, operation: string, action: string, ifRevision?: number): Promise<SaveResult> {
    this.#assertMayEdit(actor, row);
    if (ifRevision !== undefined && ifRevision !== Number(row.revision)) {
      throw conflict(`'${row.slug}' is at revision ${row.revision}, not ${ifRevision}`, { hint: 'Show it again and retry.' });
    }
    const warnings: string[] = [];
    const previous = this.#data(row);
    if (change.slug !== undefined && change.slug !== row.slug && !(await this.#slugFree(this.#store.db, change.slug, row.id))) throw this.#slugTaken(change.slug);
    let data: ContentData = { ...previous, ...change };
    data = this.#revalidate(await this.#beforeSave(actor, operation, data, previous, warnings));
    const { renderMarkdown, plainText } = await loadRender();
    const next: ContentRow = {
      ...row,
      slug: data.slug,
      title: data.title,
      body: data.body,
      html: data.body === row.body ? row.html : renderMarkdown(data.body),
      excerpt: data.body === row.body ? row.excerpt : plainText(data.body, EXCERPT_CHARS),
      tags: JSON.stringify(data.tags),
      revision: Number(row.revision) + 1,
      updated_at: this.#iso(),
    };
    await this.#persist(next, data, action, actor, false, ifRevision);
    this.#saved(next, operation, previous.status);
    await this.#afterSave(actor, operation, next, previous, warnings);
    return { ...this.#view(next), warnings };
  }

  async updateContent(actor: Actor, input: In<typeof contentUpdateInput>): Promise<SaveResult> {
    await this.publishDue();
    const row = await this.#require(this.#store.db, actor, input.slug);
    const change: Partial<ContentData> = {};
    if (input.title !== undefined) change.title = input.title;
    if (input.newSlug !== undefined) change.slug = input.newSlug;
    if (input.body !== undefined) change.body = input.body;
    if (input.tags !== undefined) change.tags = input.tags;
    return this.#saveText(actor, row, change, 'update', 'update', input.ifRevision);
  }

  async restoreContent(actor: Actor, input: In<typeof contentRestoreInput>): Promise<SaveResult> {
    await this.publishDue();
    const row = await this.#require(this.#store.db, actor, input.slug);
    const old = await this.#store.db
      .selectFrom('revisions')
      .selectAll()
      .where('content_id', '=', row.id)
      .where('revision', '=', input.revision)
      .executeTakeFirst();
    if (!old) throw notFound(`'${row.slug}' has no revision ${input.revision} (it has 1 to ${row.revision})`, { hint: `See them with: raos cms content history ${row.slug}` });
    return this.#saveText(actor, row, { title: old.title, slug: old.slug, body: old.body, tags: JSON.parse(old.tags) as string[] }, 'restore', `restore of revision ${input.revision}`);
  }

  /** Changes an item's status (publish, unpublish, schedule): a revision of its own, no text change. */
  async #setStatus(actor: Actor, ref: string, status: ContentStatus, publishAt: string | null, action: string, operation = action): Promise<SaveResult> {
    await this.publishDue();
    const row = await this.#require(this.#store.db, actor, ref);
    const previous = this.#data(row);
    // Publishing what is published (or unpublishing a draft) changes nothing and makes no revision.
    if (previous.status === status && status !== 'scheduled') {
      this.#assertMayEdit(actor, row);
      return { ...this.#view(row), warnings: [] };
    }
    const warnings: string[] = [];
    const at = this.#iso();
    const next: ContentRow = {
      ...row,
      status,
      publish_at: publishAt,
      published_at: status === 'published' ? (row.published_at ?? at) : row.published_at,
      revision: Number(row.revision) + 1,
      updated_at: at,
    };
    await this.#persist(next, { ...previous, status }, action, actor, false);
    this.#saved(next, operation, previous.status);
    if (status === 'published' && previous.status !== 'published') await this.#onPublish(actor, next, warnings);
    return { ...this.#view(next), warnings };
  }

  publishContent(actor: Actor, input: In<typeof contentRefInput>): Promise<SaveResult> {
    return this.#setStatus(actor, input.slug, 'published', null, 'publish');
  }

  unpublishContent(actor: Actor, input: In<typeof contentRefInput>): Promise<SaveResult> {
    return this.#setStatus(actor, input.slug, 'draft', null, 'unpublish');
  }

  async scheduleContent(actor: Actor, input: In<typeof contentScheduleInput>): Promise<SaveResult> {
    const at = new Date(input.at);
    if (at.getTime() <= this.#now()) {
      throw invalidInput(`at: ${input.at} is not in the future`, { hint: 'To publish now, use: raos cms content publish SLUG' });
    }
    return this.#setStatus(actor, input.slug, 'scheduled', at.toISOString(), `schedule for ${at.toISOString()}`, 'schedule');
  }

  /**
   * Publishes scheduled items whose time has come: the daemon checks every second, and every CMS write
   * checks first, so the CLI without a daemon publishes them too. Reads already show them as published.
   */
  publishDue(): Promise<number> {
    if (this.#store.mode !== 'write') return Promise.resolve(0);
    const run = this.#publishing.then(async () => {
      const now = this.#iso();
      const due = await this.#store.db.selectFrom('content').selectAll().where('status', '=', 'scheduled').where('publish_at', '<=', now).execute();
      for (const row of due) {
        const next: ContentRow = { ...row, status: 'published', published_at: row.publish_at, revision: Number(row.revision) + 1, updated_at: now };
        const scheduler: Actor = { kind: 'owner', id: 'scheduler', name: 'scheduler', role: 'SuperAdmin', grants: { all: true, permissions: new Set() }, origin: 'internal' };
        await this.#persist(next, { ...this.#data(row), status: 'published' }, 'publish (scheduled)', scheduler, false);
        // The item already read as published; tell listeners and plugins that it now is.
        const payload = { id: row.id, slug: row.slug, type: row.type, title: row.title, status: 'published', revision: next.revision, authorId: row.author_id, operation: 'schedule' };
        this.#bus.publish('cms:content:saved', payload);
        this.#bus.publish('cms:content:published', payload);
        const warnings: string[] = [];
        await this.#onPublish(scheduler, next, warnings);
        for (const w of warnings) this.#log.warn(w);
      }
      return due.length;
    });
    this.#publishing = run.catch(() => {});
    return run;
  }

  async deleteContent(actor: Actor, input: In<typeof contentRefInput>): Promise<ContentView & { warnings: string[] }> {
    await this.publishDue();
    const row = await this.#require(this.#store.db, actor, input.slug);
    const data = this.#data(row);
    const warnings: string[] = [];
    await this.#beforeDelete(actor, data, warnings);
    await this.#store.write(async (trx) => {
      for (const table of ['content_tags', 'search_terms', 'revisions'] as const) await trx.deleteFrom(table).where('content_id', '=', row.id).execute();
      await trx.deleteFrom('content').where('id', '=', row.id).execute();
    });
    this.#contentWrites++;
    this.#siteItems?.delete(row.id);
    this.#bus.publish('cms:content:deleted', { id: row.id, slug: row.slug, type: row.type, title: row.title, status: data.status, authorId: row.author_id });
    await this.#notify('afterContentDelete', (p) => ({ content: this.#forPlugin(p, data), actor: this.#actorFacts(actor) }), warnings);
    return { ...this.#view(row), warnings };
  }

  // ---------------------------------------------------------------------------------------------
  // Reading content
  // ---------------------------------------------------------------------------------------------

  async listContent(actor: Actor, input: In<typeof contentListInput>): Promise<{ items: ContentView[]; total: number }> {
    const now = this.#iso();
    const seesAll = can(actor, 'cms.content.publish');
    let q = this.#store.db.selectFrom('content');
    if (input.type) q = q.where('type', '=', input.type);
    if (input.author) q = q.where((eb) => eb.or([eb('author_name', '=', input.author!), eb('author_id', '=', input.author!)]));
    if (input.tag) q = q.where('id', 'in', (eb) => eb.selectFrom('content_tags').select('content_id').where('tag', '=', input.tag!.toLowerCase()));
    const published = (eb: any) => eb.or([eb('status', '=', 'published'), eb.and([eb('status', '=', 'scheduled'), eb('publish_at', '<=', now)])]);
    if (input.status === 'published') q = q.where(published);
    else if (input.status === 'scheduled') q = q.where('status', '=', 'scheduled').where('publish_at', '>', now);
    else if (input.status === 'draft') q = q.where('status', '=', 'draft');
    if (!seesAll) q = q.where((eb) => eb.or([published(eb), eb('author_id', '=', actor.id)]));
    const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    const rows = await q
      .selectAll()
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .limit(input.limit)
      .offset(input.offset)
      .execute();
    return { items: rows.map((r) => this.#view(r, now)), total };
  }

  async showContent(actor: Actor, input: In<typeof contentShowInput>): Promise<ContentDetail & { warnings?: string[] }> {
    const row = await this.#require(this.#store.db, actor, input.slug);
    const view = this.#view(row);
    let detail: ContentDetail = { ...view, body: row.body };
    let html = row.html;
    if (input.revision !== undefined && input.revision !== Number(row.revision)) {
      const old = await this.#store.db.selectFrom('revisions').selectAll().where('content_id', '=', row.id).where('revision', '=', input.revision).executeTakeFirst();
      // Revisions written while the item was a draft are as private as a draft.
      if (!old || (old.status !== 'published' && !this.#seesUnpublished(actor, row))) {
        throw notFound(`'${row.slug}' has no revision ${input.revision} you may read`, { hint: `See its revisions with: raos cms content history ${row.slug}` });
      }
      detail = { ...detail, slug: old.slug, title: old.title, tags: JSON.parse(old.tags) as string[], body: old.body, shownRevision: old.revision };
      html = (await loadRender()).renderMarkdown(old.body);
    }
    if (!input.html) return detail;
    const warnings: string[] = [];
    const rendered = await this.renderHtml(html, view, warnings);
    return { ...detail, html: rendered, ...(warnings.length ? { warnings } : {}) };
  }

  async history(actor: Actor, input: In<typeof contentRefInput>): Promise<{ slug: string; revisions: RevisionView[] }> {
    const row = await this.#require(this.#store.db, actor, input.slug);
    let q = this.#store.db.selectFrom('revisions').selectAll().where('content_id', '=', row.id);
    // Others see only what was public: revisions written while the item was published.
    if (!this.#seesUnpublished(actor, row)) q = q.where('status', '=', 'published');
    const rows = await q.orderBy('revision').execute();
    return {
      slug: row.slug,
      revisions: rows.map((r) => ({
        revision: Number(r.revision),
        action: r.action,
        slug: r.slug,
        title: r.title,
        tags: JSON.parse(r.tags) as string[],
        status: r.status as ContentStatus,
        author: { id: r.author_id, name: r.author_name },
        at: r.at,
      })),
    };
  }

  /**
   * Full-text search over titles (×3), tags (×2) and bodies: every word of the query must match (the
   * last one as a prefix while it is being typed); ranked by weight × inverse document frequency.
   */
  async search(actor: Actor, input: In<typeof contentSearchInput>): Promise<{ query: string; hits: SearchHit[] }> {
    const { parseQuery, snippet } = await loadSearch();
    const { plainText } = await loadRender();
    const parsed = parseQuery(input.query);
    const groups: { term: string; prefix: boolean }[] = [...parsed.terms.map((term) => ({ term, prefix: false })), ...(parsed.prefix ? [{ term: parsed.prefix, prefix: true }] : [])];
    // Counted over what this reader may see, so scores say nothing about drafts they may not read.
    const now = this.#iso();
    const seesAll = can(actor, 'cms.content.publish');
    const visible = (eb: any) =>
      seesAll ? eb.val(true) : eb.or([eb('status', '=', 'published'), eb.and([eb('status', '=', 'scheduled'), eb('publish_at', '<=', now)]), eb('author_id', '=', actor.id)]);
    const total = Number((await this.#store.db.selectFrom('content').select((eb) => eb.fn.countAll<number>().as('n')).where(visible).executeTakeFirst())?.n ?? 0);
    let scores: Map<string, number> | null = null;
    for (const group of groups) {
      let q = this.#store.db
        .selectFrom('search_terms')
        .innerJoin('content', 'content.id', 'search_terms.content_id')
        .select(['search_terms.content_id as content_id', 'search_terms.weight as weight'])
        .where(visible);
      q = group.prefix ? q.where('term', '>=', group.term).where('term', '<', `${group.term}\uffff`) : q.where('term', '=', group.term);
      const rows = await q.execute();
      const perDoc = new Map<string, number>();
      for (const r of rows) perDoc.set(r.content_id, Math.max(perDoc.get(r.content_id) ?? 0, Number(r.weight)));
      const idf = Math.log(1 + total / Math.max(1, perDoc.size));
      const next = new Map<string, number>();
      for (const [id, weight] of perDoc) {
        if (scores && !scores.has(id)) continue;
        next.set(id, (scores?.get(id) ?? 0) + weight * idf);
      }
      scores = next;
      if (scores.size === 0) break;
    }
    if (!scores || scores.size === 0) return { query: input.query, hits: [] };
    const ids = [...scores.keys()];
    const rows: ContentRow[] = [];
    for (let i = 0; i < ids.length; i += 500) rows.push(...(await this.#store.db.selectFrom('content').selectAll().where('id', 'in', ids.slice(i, i + 500)).execute()));

    const hits = rows
      .filter((r) => (!input.type || r.type === input.type) && (effectiveStatus(r, now) === 'published' || this.#seesUnpublished(actor, r)))
      .map((r) => ({ row: r, score: scores!.get(r.id)! }))
      .sort((a, b) => b.score - a.score || a.row.slug.localeCompare(b.row.slug))
      .slice(0, input.limit)
      .map(({ row, score }) => ({
        slug: row.slug,
        type: row.type as ContentType,
        title: row.title,
        status: effectiveStatus(row, now),
        score: Math.round(score * 1000) / 1000,
        snippet: snippet(plainText(row.body, 5000), parsed.terms, 160, parsed.prefix),
      }));
    return { query: input.query, hits };
  }

  /**
   * Published items for the site builder, as it wants them: metadata only (HTML is fetched for the
   * pages that must change). Kept in memory after the first call and updated by this service's own
   * writes (in the daemon, the only writer), so a rebuild after one edit reads no rows.
   */
  async publishedItems(): Promise<SiteItem[]> {
    while (!this.#siteItems) {
      // A write landing while the rows are read would be missed: read again if one did.
      const generation = this.#contentWrites;
      const rows = await this.#store.db
        .selectFrom('content')
        .select(['id', 'type', 'slug', 'title', 'tags', 'status', 'publish_at', 'published_at', 'author_name', 'revision', 'excerpt', 'updated_at'])
        .execute();
      if (generation !== this.#contentWrites) continue;
      this.#siteItems = new Map();
      for (const row of rows) this.#siteItems.set(row.id, siteEntry(row));
    }
    const now = this.#iso();
    const out: SiteItem[] = [];
    for (const entry of this.#siteItems.values()) if (effectiveStatus(entry, now) === 'published') out.push(entry.item);
    return out;
  }

  /** The site builder's view of every item, by id; null until publishedItems() first needs it. */
  #siteItems: Map<string, { status: string; publish_at: string | null; item: SiteItem }> | null = null;
  /** Counts committed content writes, so a cache load can tell that one happened meanwhile. */
  #contentWrites = 0;

  async htmlOf(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.#store.db.selectFrom('content').select(['id', 'html']).where('id', 'in', ids.slice(i, i + 500)).execute();
      for (const r of rows) out.set(r.id, r.html);
    }
    return out;
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const rows = await this.#store.db.selectFrom('content').select(['type', 'status', 'publish_at']).execute();
    const now = this.#iso();
    const out: Record<string, Record<string, number>> = { post: { draft: 0, published: 0, scheduled: 0 }, page: { draft: 0, published: 0, scheduled: 0 } };
    for (const r of rows) out[r.type][effectiveStatus(r, now)]++;
    return out;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#publishing;
    await this.plugins.close();
  }
}
