/**
 * CmsService on an in-memory store, with hook functions standing in for sandboxed plugins (the
 * sandbox itself is tested in plugins/, and the two together in test/e2e/cms-plugins.test.ts):
 * hook order and chaining, vetoes, after-commit visibility, failures skipped and counted,
 * revisions and restore, scheduling, search, who sees drafts, and the events.
 */
import { codeOf, userActor } from '../../helpers.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerActor, type Actor } from '../../../src/kernel/actor.js';
import { EventBus, type RaosEvent } from '../../../src/kernel/events.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import { Store } from '../../../src/kernel/storage/store.js';
import { migrations, type CmsTables } from '../../../src/modules/cms/migrations.js';
import type { HookName, PluginManifest } from '../../../src/modules/cms/plugins/manifest.js';
import type { ActivePlugin, PluginManager } from '../../../src/modules/cms/plugins/manager.js';
import type { HookOutcome } from '../../../src/modules/cms/plugins/runner.js';
import { contentCreateInput, contentListInput, contentSearchInput, contentUpdateInput } from '../../../src/modules/cms/schema.js';
import { CmsService, slugify } from '../../../src/modules/cms/service.js';

const owner = ownerActor('internal');
const user = userActor;


type HookFn = (payload: any) => unknown;

/** Plugins as plain functions: what PluginManager offers the service, without processes. */
class FakePlugins {
  calls: string[] = [];
  failures: string[] = [];
  plugins: { plugin: ActivePlugin; hooks: Partial<Record<HookName, HookFn>> }[] = [];

  add(name: string, hooks: Partial<Record<HookName, HookFn>>, permissions: PluginManifest['permissions'] = ['content:read', 'content:write', 'render']) {
    const manifest = { name, version: '1.0.0', description: '', entry: 'index.js', hooks: Object.keys(hooks) as HookName[], permissions } as PluginManifest;
    this.plugins.push({ plugin: { id: `p_${name}`, name, version: '1.0.0', manifest }, hooks });
  }

  async withHook(hook: HookName): Promise<ActivePlugin[]> {
    return this.plugins.filter((p) => p.hooks[hook]).map((p) => p.plugin);
  }

  async fingerprint(hook: HookName): Promise<string> {
    return (await this.withHook(hook)).map((p) => p.name).join(',');
  }

  async call(plugin: ActivePlugin, hook: HookName, payload: unknown): Promise<HookOutcome> {
    this.calls.push(`${plugin.name}.${hook}`);
    const fn = this.plugins.find((p) => p.plugin.name === plugin.name)!.hooks[hook]!;
    try {
      // What crosses the sandbox is JSON.
      const value = await fn(JSON.parse(JSON.stringify(payload)));
      return { ok: true, value: value === undefined ? undefined : JSON.parse(JSON.stringify(value)), ms: 0, logs: [] };
    } catch (err) {
      this.failures.push(`${plugin.name}.${hook}`);
      return { ok: false, reason: 'threw', message: (err as Error).message, ms: 0, logs: [] };
    }
  }

  async succeeded(): Promise<void> {}

  async failed(plugin: ActivePlugin, hook: HookName, message: string): Promise<void> {
    this.failures.push(`${plugin.name}.${hook}: ${message}`);
  }

  async close(): Promise<void> {}
}

describe('CmsService', () => {
  let store: Store<CmsTables>;
  let cms: CmsService;
  let plugins: FakePlugins;
  let events: RaosEvent[];
  let now = Date.parse('2026-06-01T00:00:00Z');

  beforeEach(async () => {
    now = Date.parse('2026-06-01T00:00:00Z');
    store = await Store.open<CmsTables>({ name: 'cms', path: null, mode: 'write', migrations });
    const bus = new EventBus();
    events = [];
    bus.subscribe((e) => events.push(e));
    plugins = new FakePlugins();
    cms = new CmsService({ store, bus, now: () => now, log: silentLogger, plugins: plugins as unknown as PluginManager });
  });
  afterEach(async () => {
    await cms.stop();
    await store.close();
  });

  const create = (actor: Actor, input: Record<string, unknown>) => cms.createContent(actor, contentCreateInput.parse(input));
  const update = (actor: Actor, input: Record<string, unknown>) => cms.updateContent(actor, contentUpdateInput.parse(input));
  const list = (actor: Actor, input: Record<string, unknown> = {}) => cms.listContent(actor, contentListInput.parse(input));

  it('slugs come from titles, are unique, and a taken slug is CONFLICT', async () => {
    expect(slugify('Héllo, Wörld!  Again')).toBe('hello-world-again');
    const a = await create(owner, { title: 'Hello World' });
    const b = await create(owner, { title: 'Hello World' });
    expect([a.slug, b.slug]).toEqual(['hello-world', 'hello-world-2']);
    expect((await codeOf(create(owner, { title: 'x', slug: 'hello-world' }))).code).toBe('CONFLICT');
    expect((await codeOf(update(owner, { slug: 'hello-world-2', newSlug: 'hello-world' }))).code).toBe('CONFLICT');
    expect(() => contentCreateInput.parse({ title: 'x', slug: 'Not A Slug' })).toThrow(/lower-case/);
  });

  it('keeps every revision with its author; restore brings back old text as a new revision', async () => {
    const alice = user('alice');
    await create(alice, { title: 'Post', body: 'first text', tags: ['a'] });
    await update(alice, { slug: 'post', body: 'second text', tags: ['b'] });
    now += 60_000;
    await update(user('mod', 'Moderator'), { slug: 'post', title: 'Post, edited' });
    const history = await cms.history(owner, { slug: 'post' });
    expect(history.revisions.map((r) => [r.revision, r.action, r.author.name, r.title])).toEqual([
      [1, 'create', 'alice', 'Post'],
      [2, 'update', 'alice', 'Post'],
      [3, 'update', 'mod', 'Post, edited'],
    ]);
    const restored = await cms.restoreContent(alice, { slug: 'post', revision: 1 });
    expect(restored.revision).toBe(4);
    const shown = await cms.showContent(alice, { slug: 'post', html: true });
    expect([shown.title, shown.body, shown.tags]).toEqual(['Post', 'first text', ['a']]);
    expect(shown.html).toContain('<p>first text</p>');
    expect((await cms.history(owner, { slug: 'post' })).revisions.at(-1)?.action).toBe('restore of revision 1');
    expect((await cms.showContent(alice, { slug: 'post', revision: 2, html: false })).body).toBe('second text');
    expect((await codeOf(cms.restoreContent(alice, { slug: 'post', revision: 9 }))).code).toBe('NOT_FOUND');
    // A stale ifRevision is refused.
    expect((await codeOf(update(alice, { slug: 'post', body: 'x', ifRevision: 2 }))).code).toBe('CONFLICT');
  });

  it("drafts are seen by their author and publishers only; others' content needs cms.content.publish to edit", async () => {
    const alice = user('alice');
    const bob = user('bob');
    await create(alice, { title: 'Secret draft' });
    expect((await codeOf(cms.showContent(bob, { slug: 'secret-draft', html: false }))).code).toBe('NOT_FOUND');
    expect((await list(bob)).items).toEqual([]);
    expect((await list(alice)).items.map((i) => i.slug)).toEqual(['secret-draft']);
    expect((await list(user('mod', 'Moderator'))).total).toBe(1);
    await cms.publishContent(user('mod', 'Moderator'), { slug: 'secret-draft' });
    expect((await list(bob, { status: 'published' })).items.map((i) => i.slug)).toEqual(['secret-draft']);
    expect((await codeOf(update(bob, { slug: 'secret-draft', body: 'mine now' }))).code).toBe('FORBIDDEN');
    expect((await codeOf(create(bob, { title: 'Straight out', publish: true }))).code).toBe('FORBIDDEN');
    // What the draft said before publication stays private: history and old revisions too.
    expect((await cms.history(bob, { slug: 'secret-draft' })).revisions.map((r) => r.action)).toEqual(['publish']);
    expect((await cms.history(alice, { slug: 'secret-draft' })).revisions.map((r) => r.action)).toEqual(['create', 'publish']);
    expect((await codeOf(cms.showContent(bob, { slug: 'secret-draft', revision: 1, html: false }))).code).toBe('NOT_FOUND');
    expect((await cms.showContent(alice, { slug: 'secret-draft', revision: 1, html: false })).shownRevision).toBe(1);
  });

  it('beforeContentSave hooks run in order, each seeing the previous change; after hooks see the commit', async () => {
    plugins.add('upper', { beforeContentSave: (e) => ({ content: { title: e.content.title.toUpperCase() } }) });
    plugins.add('suffix', { beforeContentSave: (e) => ({ content: { title: `${e.content.title}!`, tags: [...e.content.tags, 'checked'] } }) });
    let seen: unknown = null;
    plugins.add('observer', {
      afterContentSave: async (e) => {
        // After the commit: the row is in the database with the revision the hook is told.
        const row = await store.db.selectFrom('content').select(['title', 'revision']).where('slug', '=', e.content.slug).executeTakeFirst();
        seen = { payload: [e.content.title, e.content.revision], row };
      },
    });
    const saved = await create(owner, { title: 'quiet', tags: ['x'] });
    expect(saved.title).toBe('QUIET!');
    expect(saved.tags).toEqual(['x', 'checked']);
    expect(plugins.calls).toEqual(['upper.beforeContentSave', 'suffix.beforeContentSave', 'observer.afterContentSave']);
    expect(seen).toEqual({ payload: ['QUIET!', 1], row: { title: 'QUIET!', revision: 1 } });
    // The event went out before the after hooks, and names the committed state.
    expect(events.find((e) => e.eventType === 'cms:content:saved')?.payload).toMatchObject({ slug: 'quiet', title: 'QUIET!', revision: 1, status: 'draft' });
  });

  it('a veto stops the save with the reason; nothing is written', async () => {
    plugins.add('guard', { beforeContentSave: (e) => (e.content.body.includes('spam') ? { veto: 'no spam, please' } : undefined) });
    const refused = await codeOf(create(owner, { title: 'Buy now', body: 'spam spam' }));
    expect(refused).toEqual({ code: 'INVALID_INPUT', message: 'plugin guard refused the save: no spam, please' });
    expect((await list(owner)).total).toBe(0);
    expect(events.filter((e) => e.eventType.startsWith('cms:content'))).toEqual([]);
    plugins.add('keeper', { beforeContentDelete: () => ({ veto: 'keep everything' }) });
    await create(owner, { title: 'Fine' });
    expect((await codeOf(cms.deleteContent(owner, { slug: 'fine' }))).message).toBe('plugin keeper refused the delete: keep everything');
    expect((await list(owner)).total).toBe(1);
  });

  it('a failing or misbehaving hook is skipped with a warning and counted; the save goes through', async () => {
    plugins.add('broken', { beforeContentSave: () => { throw new Error('boom'); } });
    plugins.add('sloppy', { beforeContentSave: () => ({ content: { slug: 'NOT OK' } }) });
    plugins.add('sneaky', { beforeContentSave: () => ({ content: { title: 'hijacked' } }) }, ['content:read']);
    plugins.add('weird', { beforeContentSave: () => ({ something: 1 }) });
    plugins.add('late', { afterContentSave: () => { throw new Error('after boom'); } });
    const saved = await create(owner, { title: 'Saved anyway' });
    expect(saved.title).toBe('Saved anyway');
    expect(saved.slug).toBe('saved-anyway');
    expect(saved.warnings).toHaveLength(5);
    // sloppy's slug is checked as input would be; the change is the plugin's fault, so it is skipped, naming the field.
    expect(saved.warnings.join('\n')).toMatch(/sloppy: beforeContentSave returned result\.content\.slug: must be lower-case/);
    expect(saved.warnings.join('\n')).toMatch(/broken: beforeContentSave threw \(boom\)/);
    expect(saved.warnings.join('\n')).toMatch(/sneaky: changed the content without the content:write permission/);
    expect(saved.warnings.join('\n')).toMatch(/weird: beforeContentSave returned/);
    expect(saved.warnings.join('\n')).toMatch(/late: afterContentSave threw/);
    expect(plugins.failures.some((f) => f.startsWith('sneaky.beforeContentSave'))).toBe(true);
    expect((await cms.showContent(owner, { slug: 'saved-anyway', html: false })).revision).toBe(1);
  });

  it('a plugin without content:read gets no body', async () => {
    let payload: any;
    plugins.add('blind', { beforeContentSave: (e) => void (payload = e) }, []);
    await create(owner, { title: 'T', body: 'private words' });
    expect(payload.content).toEqual({ id: null, type: 'post', slug: 't', title: 'T', tags: [], status: 'draft' });
  });

  it('onRender transforms HTML, which is sanitised again; onPublish fires once on publication', async () => {
    plugins.add('decorate', { onRender: (e) => ({ html: `${e.html}<p onclick="x()">footer</p><script>alert(1)</script>` }) });
    plugins.add('announce', { onPublish: () => undefined });
    await create(owner, { title: 'Rendered', body: '**bold**' });
    const shown = await cms.showContent(owner, { slug: 'rendered', html: true });
    expect(shown.html).toContain('<strong>bold</strong>');
    expect(shown.html).toContain('<p>footer</p>');
    expect(shown.html).not.toMatch(/script|onclick/);
    await cms.publishContent(owner, { slug: 'rendered' });
    await cms.publishContent(owner, { slug: 'rendered' });
    expect(plugins.calls.filter((c) => c === 'announce.onPublish')).toHaveLength(1);
    expect(events.filter((e) => e.eventType === 'cms:content:published')).toHaveLength(1);
  });

  it('scheduled content reads as published once its time comes, and publishDue makes it so', async () => {
    await create(owner, { title: 'Later' });
    expect((await codeOf(cms.scheduleContent(owner, { slug: 'later', at: '2026-05-01T00:00:00Z' }))).code).toBe('INVALID_INPUT');
    await cms.scheduleContent(owner, { slug: 'later', at: '2026-06-01T00:01:00Z' });
    expect((await list(owner, { status: 'scheduled' })).items.map((i) => i.slug)).toEqual(['later']);
    expect((await list(user('bob'), { status: 'published' })).total).toBe(0);
    now += 61_000;
    expect((await list(user('bob'), { status: 'published' })).items.map((i) => [i.slug, i.status])).toEqual([['later', 'published']]);
    plugins.add('announce', { onPublish: () => undefined });
    expect(await cms.publishDue()).toBe(1);
    expect(await cms.publishDue()).toBe(0);
    expect(plugins.calls).toEqual(['announce.onPublish']);
    const row = await store.db.selectFrom('content').select(['status', 'published_at']).where('slug', '=', 'later').executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'published', published_at: '2026-06-01T00:01:00.000Z' });
    expect((await cms.history(owner, { slug: 'later' })).revisions.map((r) => r.action)).toEqual(['create', 'schedule for 2026-06-01T00:01:00.000Z', 'publish (scheduled)']);
  });

  it('search ranks title matches first, needs every word, matches the last as a prefix, and hides drafts', async () => {
    const pub = async (title: string, body: string, tags: string[] = []) => cms.publishContent(owner, { slug: (await create(owner, { title, body, tags })).slug });
    await pub('Dragons of the North', 'A story about ice.');
    await pub('Weather report', 'Dragons were seen flying north of the castle.');
    await pub('Cooking', 'Nothing about them here.', ['dragons']);
    await create(user('alice'), { title: 'Draft about dragons' });
    const search = (actor: Actor, query: string) => cms.search(actor, contentSearchInput.parse({ query }));
    const hits = await search(user('bob'), 'dragons');
    expect(hits.hits.map((h) => h.slug)).toEqual(['dragons-of-the-north', 'cooking', 'weather-report']);
    expect((await search(user('bob'), 'dragons nort')).hits.map((h) => h.slug).sort()).toEqual(['dragons-of-the-north', 'weather-report']);
    expect((await search(user('bob'), 'dragons castle')).hits.map((h) => h.slug)).toEqual(['weather-report']);
    expect((await search(user('bob'), 'dragons castle')).hits[0].snippet).toMatch(/«castle»/);
    expect((await search(user('alice'), 'draft dragons')).hits.map((h) => h.slug)).toEqual(['draft-about-dragons']);
    expect((await search(user('bob'), 'draft dragons')).hits).toEqual([]);
    // Scores are counted over what the reader may see: drafts with the word do not move bob's.
    const before = (await search(user('bob'), 'castle')).hits[0].score;
    for (let i = 0; i < 3; i++) await create(user('alice'), { title: `Castle draft ${i}`, body: 'castle castle' });
    expect((await search(user('bob'), 'castle')).hits[0].score).toBe(before);
    expect((await search(owner, 'castle')).hits[0].score).not.toBe(before);
    // Edits and deletes keep the index in step.
    await update(owner, { slug: 'cooking', tags: [] });
    expect((await search(owner, 'dragons')).hits.map((h) => h.slug)).not.toContain('cooking');
    await cms.deleteContent(owner, { slug: 'weather-report' });
    expect((await search(owner, 'castle')).hits.map((h) => h.slug)).not.toContain('weather-report');
    expect(await store.db.selectFrom('search_terms').select('term').where('content_id', 'not in', store.db.selectFrom('content').select('id')).execute()).toEqual([]);
  });

  it('lists filter by type, status, tag and author', async () => {
    await create(owner, { title: 'A page', type: 'page' });
    await create(user('alice'), { title: 'Tagged', tags: ['News', 'tech'] });
    await cms.publishContent(owner, { slug: 'tagged' });
    expect((await list(owner, { type: 'page' })).items.map((i) => i.slug)).toEqual(['a-page']);
    expect((await list(owner, { tag: 'news' })).items.map((i) => i.slug)).toEqual(['tagged']);
    expect((await list(owner, { author: 'alice' })).items.map((i) => i.slug)).toEqual(['tagged']);
    expect((await list(owner, { status: 'draft' })).items.map((i) => i.slug)).toEqual(['a-page']);
  });

  it('deleting publishes cms:content:deleted and removes revisions, tags and terms', async () => {
    await create(owner, { title: 'Gone soon', tags: ['t'], body: 'words' });
    await cms.deleteContent(owner, { slug: 'gone-soon' });
    expect(events.map((e) => e.eventType)).toEqual(['cms:content:saved', 'cms:content:deleted']);
    for (const table of ['revisions', 'content_tags', 'search_terms'] as const) {
      expect(await store.db.selectFrom(table).selectAll().execute()).toEqual([]);
    }
    expect((await codeOf(cms.deleteContent(owner, { slug: 'gone-soon' }))).code).toBe('NOT_FOUND');
  });
});
