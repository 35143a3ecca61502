/**
 * The seed's Forum module inside the CMS: categories (made by moderators), threads and replies in
 * Markdown rendered to sanitised HTML, and moderation (lock, pin). A locked thread takes no replies,
 * except from holders of `cms.forum.moderate`.
 */
import { assertCan, can } from '../../kernel/access.js';
import type { Actor } from '../../kernel/actor.js';
import { RaosError, conflict, notFound } from '../../kernel/errors.js';
import type { EventBus } from '../../kernel/events.js';
import type { Store } from '../../kernel/storage/store.js';
import type { CmsTables } from './migrations.js';
import { loadRender } from './lazy.js';
import type {
  ForumCategoryView,
  ForumPostView,
  ForumThreadView,
  forumCategoryCreateInput,
  forumListInput,
  forumLockInput,
  forumPinInput,
  forumReplyInput,
  forumThreadCreateInput,
  forumThreadShowInput,
} from './schema.js';
import { newId } from '../../kernel/ids.js';
import { slugify } from './service.js';
import type * as z from 'zod';

type In<T extends z.ZodType> = z.output<T>;
type CategoryRow = CmsTables['forum_categories'];
type ThreadRow = CmsTables['forum_threads'];

function threadView(row: ThreadRow, category: string): ForumThreadView {
  return {
    id: row.id,
    category,
    title: row.title,
    author: { id: row.author_id, name: row.author_name },
    locked: row.locked === 1,
    pinned: row.pinned === 1,
    replies: Number(row.reply_count),
    createdAt: row.created_at,
    lastPostAt: row.last_post_at,
  };
}

export class ForumService {
  readonly #store: Store<CmsTables>;
  readonly #bus: EventBus;
  readonly #now: () => number;

  constructor(options: { store: Store<CmsTables>; bus: EventBus; now: () => number }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#now = options.now;
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  async #category(ref: string): Promise<CategoryRow> {
    const row = await this.#store.db
      .selectFrom('forum_categories')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', ref), eb('slug', '=', ref)]))
      .executeTakeFirst();
    if (!row) throw notFound(`no forum category '${ref}'`, { hint: 'List categories with: raos cms forum list' });
    return row;
  }

  async #thread(id: string): Promise<ThreadRow> {
    const row = await this.#store.db.selectFrom('forum_threads').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`no forum thread '${id}'`, { hint: 'List the threads of a category with: raos cms forum list CATEGORY' });
    return row;
  }

  async #categoryView(row: CategoryRow): Promise<ForumCategoryView> {
    const stats = await this.#store.db
      .selectFrom('forum_threads')
      .select((eb) => [eb.fn.countAll<number>().as('threads'), eb.fn.sum<number>('reply_count').as('replies')])
      .where('category_id', '=', row.id)
      .executeTakeFirst();
    const threads = Number(stats?.threads ?? 0);
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      description: row.description,
      threads,
      posts: threads + Number(stats?.replies ?? 0),
      createdAt: row.created_at,
    };
  }

  async createCategory(actor: Actor, input: In<typeof forumCategoryCreateInput>): Promise<ForumCategoryView> {
    const row: CategoryRow = { id: newId('f'), slug: input.slug ?? slugify(input.name), name: input.name, description: input.description, created_by: actor.name, created_at: this.#iso() };
    await this.#store.write(async (trx) => {
      const taken = async (slug: string) => Boolean(await trx.selectFrom('forum_categories').select('id').where('slug', '=', slug).executeTakeFirst());
      if (input.slug !== undefined) {
        if (await taken(input.slug)) throw conflict(`a forum category '${input.slug}' exists already`, { hint: 'Choose another --slug.' });
      } else {
        // A slug made from the name gets -2, -3… when taken, as content slugs do.
        const base = row.slug;
        for (let n = 2; await taken(row.slug); n++) row.slug = `${base}-${n}`;
      }
      await trx.insertInto('forum_categories').values(row).execute();
    });
    const slug = row.slug;
    this.#bus.publish('cms:forum:category', { id: row.id, slug, name: row.name });
    return this.#categoryView(row);
  }

  async list(_actor: Actor, input: In<typeof forumListInput>): Promise<{ categories: ForumCategoryView[] } | { category: ForumCategoryView; threads: ForumThreadView[]; total: number }> {
    if (!input.category) {
      const rows = await this.#store.db.selectFrom('forum_categories').selectAll().orderBy('name').execute();
      return { categories: await Promise.all(rows.map((r) => this.#categoryView(r))) };
    }
    const category = await this.#category(input.category);
    const rows = await this.#store.db
      .selectFrom('forum_threads')
      .selectAll()
      .where('category_id', '=', category.id)
      .orderBy('pinned', 'desc')
      .orderBy('last_post_at', 'desc')
      .limit(input.limit)
      .offset(input.offset)
      .execute();
    const view = await this.#categoryView(category);
    return { category: view, threads: rows.map((r) => threadView(r, category.slug)), total: view.threads };
  }

  async createThread(actor: Actor, input: In<typeof forumThreadCreateInput>): Promise<ForumThreadView> {
    const category = await this.#category(input.category);
    const at = this.#iso();
    const { renderMarkdown } = await loadRender();
    const row: ThreadRow = {
      id: newId('t'),
      category_id: category.id,
      title: input.title,
      body: input.body,
      html: renderMarkdown(input.body),
      author_id: actor.id,
      author_name: actor.name,
      locked: 0,
      pinned: 0,
      reply_count: 0,
      created_at: at,
      last_post_at: at,
    };
    await this.#store.write((trx) => trx.insertInto('forum_threads').values(row).execute());
    const view = threadView(row, category.slug);
    this.#bus.publish('cms:forum:thread', { id: row.id, category: category.slug, title: row.title, author: actor.name });
    return view;
  }

  async reply(actor: Actor, input: In<typeof forumReplyInput>): Promise<ForumPostView & { thread: string }> {
    const at = this.#iso();
    const { renderMarkdown } = await loadRender();
    const post = await this.#store.write(async (trx) => {
      const thread = await trx.selectFrom('forum_threads').selectAll().where('id', '=', input.thread).executeTakeFirst();
      if (!thread) throw notFound(`no forum thread '${input.thread}'`);
      if (thread.locked === 1 && !can(actor, 'cms.forum.moderate')) {
        throw new RaosError('FORBIDDEN', `the thread '${thread.title}' is locked`, { hint: 'A moderator can unlock it: raos cms forum lock THREAD --unlock' });
      }
      const seq = Number(thread.reply_count) + 1;
      const row = { id: newId('k'), thread_id: thread.id, seq, body: input.body, html: renderMarkdown(input.body), author_id: actor.id, author_name: actor.name, created_at: at };
      await trx.insertInto('forum_posts').values(row).execute();
      await trx.updateTable('forum_threads').set({ reply_count: seq, last_post_at: at }).where('id', '=', thread.id).execute();
      return row;
    });
    this.#bus.publish('cms:forum:reply', { id: post.id, thread: post.thread_id, seq: post.seq, author: actor.name });
    return { id: post.id, thread: post.thread_id, seq: post.seq, body: post.body, html: post.html, author: { id: post.author_id, name: post.author_name }, createdAt: post.created_at };
  }

  async showThread(_actor: Actor, input: In<typeof forumThreadShowInput>): Promise<ForumThreadView & { body: string; html: string; posts: ForumPostView[] }> {
    const thread = await this.#thread(input.thread);
    const category = await this.#store.db.selectFrom('forum_categories').select('slug').where('id', '=', thread.category_id).executeTakeFirst();
    const posts = await this.#store.db
      .selectFrom('forum_posts')
      .selectAll()
      .where('thread_id', '=', thread.id)
      .orderBy('seq')
      .limit(input.limit)
      .offset(input.offset)
      .execute();
    return {
      ...threadView(thread, category?.slug ?? thread.category_id),
      body: thread.body,
      html: thread.html,
      posts: posts.map((p) => ({ id: p.id, seq: Number(p.seq), body: p.body, html: p.html, author: { id: p.author_id, name: p.author_name }, createdAt: p.created_at })),
    };
  }

  async #flag(actor: Actor, id: string, column: 'locked' | 'pinned', value: boolean): Promise<ForumThreadView> {
    assertCan(actor, 'cms.forum.moderate');
    const thread = await this.#thread(id);
    await this.#store.write((trx) => trx.updateTable('forum_threads').set({ [column]: value ? 1 : 0 }).where('id', '=', id).execute());
    const category = await this.#store.db.selectFrom('forum_categories').select('slug').where('id', '=', thread.category_id).executeTakeFirst();
    this.#bus.publish(`cms:forum:${column === 'locked' ? 'lock' : 'pin'}`, { id, [column]: value });
    return threadView({ ...thread, [column]: value ? 1 : 0 }, category?.slug ?? thread.category_id);
  }

  lock(actor: Actor, input: In<typeof forumLockInput>): Promise<ForumThreadView> {
    return this.#flag(actor, input.thread, 'locked', input.locked);
  }

  pin(actor: Actor, input: In<typeof forumPinInput>): Promise<ForumThreadView> {
    return this.#flag(actor, input.thread, 'pinned', input.pinned);
  }

  async counts(): Promise<{ categories: number; threads: number; posts: number }> {
    const c = await this.#store.db.selectFrom('forum_categories').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const t = await this.#store.db
      .selectFrom('forum_threads')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('reply_count').as('r')])
      .executeTakeFirst();
    return { categories: Number(c?.n ?? 0), threads: Number(t?.n ?? 0), posts: Number(t?.n ?? 0) + Number(t?.r ?? 0) };
  }
}
