import type { Migration } from '../../kernel/module.js';

/**
 * cms.db: content with every revision, a full-text index, the forum, media and the plugin registry.
 * Runs on sql.js and PostgreSQL alike: ids and times are made in TypeScript, lists are JSON text, and
 * search is a plain inverted index (`search_terms`) instead of SQLite's FTS, which PostgreSQL lacks.
 */
export const migrations: Migration[] = [
  {
    id: '0001_cms',
    async up(db) {
      await db.schema
        .createTable('content')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('excerpt', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('publish_at', 'text')
        .addColumn('published_at', 'text')
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('author_name', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('content_status').on('content').columns(['status', 'publish_at']).execute();
      await db.schema
        .createTable('content_tags')
        .addColumn('content_id', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('content_tags_pk', ['content_id', 'tag'])
        .execute();
      await db.schema.createIndex('content_tags_tag').on('content_tags').column('tag').execute();
      await db.schema
        .createTable('revisions')
        .addColumn('content_id', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('author_name', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('revisions_pk', ['content_id', 'revision'])
        .execute();
      await db.schema
        .createTable('search_terms')
        .addColumn('term', 'text', (c) => c.notNull())
        .addColumn('content_id', 'text', (c) => c.notNull())
        .addColumn('weight', 'real', (c) => c.notNull())
        .addPrimaryKeyConstraint('search_terms_pk', ['term', 'content_id'])
        .execute();
      await db.schema.createIndex('search_terms_content').on('search_terms').column('content_id').execute();

      await db.schema
        .createTable('forum_categories')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('forum_threads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('category_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('author_name', 'text', (c) => c.notNull())
        .addColumn('locked', 'integer', (c) => c.notNull())
        .addColumn('pinned', 'integer', (c) => c.notNull())
        .addColumn('reply_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_post_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('forum_threads_category').on('forum_threads').columns(['category_id', 'pinned', 'last_post_at']).execute();
      await db.schema
        .createTable('forum_posts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('thread_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('author_name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('forum_posts_thread').on('forum_posts').columns(['thread_id', 'seq']).unique().execute();

      await db.schema
        .createTable('media')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('mime', 'text', (c) => c.notNull())
        .addColumn('ext', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull().unique())
        .addColumn('uploaded_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('plugins')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('manifest', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('disabled_reason', 'text')
        .addColumn('installed_by', 'text', (c) => c.notNull())
        .addColumn('installed_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('builds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('out_dir', 'text', (c) => c.notNull())
        .addColumn('pages', 'integer', (c) => c.notNull())
        .addColumn('written', 'integer', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('ms', 'integer', (c) => c.notNull())
        .addColumn('by_name', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    // Media deletion checks the uploader by id: names are reused (and the owner's is the OS user's).
    id: '0002_media_uploader_id',
    async up(db) {
      await db.schema.alterTable('media').addColumn('uploaded_by_id', 'text').execute();
    },
  },
];

export interface CmsTables {
  content: {
    id: string;
    type: string;
    slug: string;
    title: string;
    body: string;
    html: string;
    excerpt: string;
    tags: string;
    status: string;
    publish_at: string | null;
    published_at: string | null;
    author_id: string;
    author_name: string;
    revision: number;
    created_at: string;
    updated_at: string;
  };
  content_tags: { content_id: string; tag: string };
  revisions: {
    content_id: string;
    revision: number;
    slug: string;
    title: string;
    body: string;
    tags: string;
    status: string;
    action: string;
    author_id: string;
    author_name: string;
    at: string;
  };
  search_terms: { term: string; content_id: string; weight: number };
  forum_categories: { id: string; slug: string; name: string; description: string; created_by: string; created_at: string };
  forum_threads: {
    id: string;
    category_id: string;
    title: string;
    body: string;
    html: string;
    author_id: string;
    author_name: string;
    locked: number;
    pinned: number;
    reply_count: number;
    created_at: string;
    last_post_at: string;
  };
  forum_posts: {
    id: string;
    thread_id: string;
    seq: number;
    body: string;
    html: string;
    author_id: string;
    author_name: string;
    created_at: string;
  };
  media: { id: string; name: string; mime: string; ext: string; size: number; sha256: string; uploaded_by: string; uploaded_by_id: string | null; created_at: string };
  plugins: {
    id: string;
    name: string;
    version: string;
    description: string;
    manifest: string;
    sha256: string;
    enabled: number;
    position: number;
    failures: number;
    last_error: string | null;
    disabled_reason: string | null;
    installed_by: string;
    installed_at: string;
    updated_at: string;
  };
  builds: { id: string; out_dir: string; pages: number; written: number; deleted: number; ms: number; by_name: string; at: string };
}
