/**
 * Inputs and views of the CMS's operations. The same schemas validate every door (CLI, tRPC, REST, /ws).
 */
import * as z from 'zod';

export const CONTENT_TYPES = ['post', 'page'] as const;
export const CONTENT_STATUSES = ['draft', 'published', 'scheduled'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];
export type ContentStatus = (typeof CONTENT_STATUSES)[number];

const noControl = (s: string) => !/\p{Cc}/u.test(s);

export const slugSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters a-z, digits and single hyphens (like my-first-post)');
export const titleSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').refine(noControl, 'must not contain control characters');
/** Markdown, at most 1 MiB. */
export const bodySchema = z.string().max(1_048_576, 'must be at most 1 MiB of Markdown');
export const tagSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(40, 'must be at most 40 characters')
  .refine((s) => !/[\p{Cc},]/u.test(s), 'must not contain commas or control characters');
export const tagsSchema = z
  .array(tagSchema)
  .max(20, 'at most 20 tags')
  .transform((tags) => {
    const seen = new Set<string>();
    return tags.filter((t) => (seen.has(t.toLowerCase()) ? false : (seen.add(t.toLowerCase()), true)));
  });
/** A content item by slug or id (`c_…`). */
export const contentRef = z.string().min(1, 'give a slug or an id').max(100);

export const contentCreateInput = z
  .object({
    type: z.enum(CONTENT_TYPES).default('post'),
    title: titleSchema,
    slug: slugSchema.optional(),
    body: bodySchema.default(''),
    tags: tagsSchema.default([]),
    /** Publish at once (needs cms.content.publish). */
    publish: z.boolean().default(false),
  })
  .strict();
export const contentListInput = z
  .object({
    type: z.enum(CONTENT_TYPES).optional(),
    status: z.enum(CONTENT_STATUSES).optional(),
    tag: tagSchema.optional(),
    author: z.string().min(1).max(64).optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).default(0),
  })
  .strict();
export const contentShowInput = z
  .object({
    slug: contentRef,
    /** An older revision's text instead of the current one. */
    revision: z.number().int().min(1).optional(),
    /** Include the rendered HTML (after the onRender hooks). */
    html: z.boolean().default(false),
  })
  .strict();
export const contentRefInput = z.object({ slug: contentRef }).strict();
export const contentUpdateInput = z
  .object({
    slug: contentRef,
    title: titleSchema.optional(),
    newSlug: slugSchema.optional(),
    body: bodySchema.optional(),
    tags: tagsSchema.optional(),
    /** The revision the caller last saw; a newer current revision is CONFLICT. */
    ifRevision: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((v) => [v.title, v.newSlug, v.body, v.tags].some((x) => x !== undefined), 'give at least one of title, newSlug, body, tags');
export const contentScheduleInput = z
  .object({ slug: contentRef, at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date and time, like 2027-01-31T09:00:00Z' }) })
  .strict();
export const contentRestoreInput = z.object({ slug: contentRef, revision: z.number().int().min(1) }).strict();
export const contentSearchInput = z
  .object({
    query: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    type: z.enum(CONTENT_TYPES).optional(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// Forum
// ---------------------------------------------------------------------------------------------

const forumText = z.string().trim().min(1, 'must not be empty').max(20_000, 'must be at most 20000 characters');
export const forumCategoryCreateInput = z
  .object({ name: titleSchema, slug: slugSchema.optional(), description: z.string().max(500, 'must be at most 500 characters').default('') })
  .strict();
/** Without a category: the categories with their counts; with one: its threads, pinned first. */
export const forumListInput = z
  .object({ category: z.string().min(1).max(100).optional(), limit: z.number().int().min(1).max(500).default(50), offset: z.number().int().min(0).default(0) })
  .strict();
export const forumThreadCreateInput = z.object({ category: z.string().min(1).max(100), title: titleSchema, body: forumText }).strict();
export const threadId = z.string().regex(/^t_[0-9a-z]{12}$/, 'must be a thread id like t_0123456789ab');
export const forumThreadShowInput = z
  .object({ thread: threadId, limit: z.number().int().min(1).max(500).default(100), offset: z.number().int().min(0).default(0) })
  .strict();
export const forumReplyInput = z.object({ thread: threadId, body: forumText }).strict();
export const forumLockInput = z.object({ thread: threadId, locked: z.boolean().default(true) }).strict();
export const forumPinInput = z.object({ thread: threadId, pinned: z.boolean().default(true) }).strict();

// ---------------------------------------------------------------------------------------------
// Media, plugins, site
// ---------------------------------------------------------------------------------------------

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
export const mediaAddInput = z
  .object({
    name: z
      .string()
      .min(1)
      .max(200)
      .refine((s) => !/[\p{Cc}/\\]/u.test(s), 'must be a file name without slashes or control characters'),
    /** The file's bytes, base64. */
    data: base64.max(200 * 1024 * 1024, 'is too large'),
  })
  .strict();
export const mediaId = z.string().regex(/^m_[0-9a-z]{12}$/, 'must be a media id like m_0123456789ab');
export const mediaRefInput = z.object({ id: mediaId }).strict();

/**
 * The seed's `POST /api/cms/plugin/install`: `{ pluginPackage: base64 zip, autoEnable }`. The seed's
 * `userId` is accepted so its clients keep working, and ignored: who installs is the caller's token.
 */
export const pluginInstallInput = z
  .object({ pluginPackage: base64.min(1, 'must not be empty').max(70 * 1024 * 1024, 'is too large'), autoEnable: z.boolean().default(false), userId: z.string().optional() })
  .strict();
/** A plugin by name or id (`p_…`); the seed's route names it pluginId. */
export const pluginRefInput = z.object({ pluginId: z.string().min(1).max(100) }).strict();

export const siteBuildInput = z
  .object({
    /** Where to write the site; only the workspace owner may choose (others build into cms.site.outDir). */
    out: z.string().min(1).max(4096).optional(),
    /** Re-render every page, ignoring what the last build wrote. */
    force: z.boolean().default(false),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

export interface Person {
  id: string;
  name: string;
}

export interface ContentView {
  id: string;
  type: ContentType;
  slug: string;
  title: string;
  tags: string[];
  /** Effective: a scheduled item whose time has come is published. */
  status: ContentStatus;
  publishAt: string | null;
  publishedAt: string | null;
  author: Person;
  revision: number;
  excerpt: string;
  createdAt: string;
  updatedAt: string;
}

export interface ContentDetail extends ContentView {
  body: string;
  /** Rendered and sanitised HTML, after onRender hooks, when asked for. */
  html?: string;
  /** Set when an older revision was asked for. */
  shownRevision?: number;
}

export interface SaveResult extends ContentView {
  /** Plugins that failed or were skipped during this save (the save went through). */
  warnings: string[];
}

export interface RevisionView {
  revision: number;
  action: string;
  slug: string;
  title: string;
  tags: string[];
  status: ContentStatus;
  author: Person;
  at: string;
}

export interface SearchHit {
  slug: string;
  type: ContentType;
  title: string;
  status: ContentStatus;
  score: number;
  snippet: string;
}

export interface ForumCategoryView {
  id: string;
  slug: string;
  name: string;
  description: string;
  threads: number;
  posts: number;
  createdAt: string;
}

export interface ForumThreadView {
  id: string;
  category: string;
  title: string;
  author: Person;
  locked: boolean;
  pinned: boolean;
  replies: number;
  createdAt: string;
  lastPostAt: string;
}

export interface ForumPostView {
  id: string;
  seq: number;
  body: string;
  html: string;
  author: Person;
  createdAt: string;
}

export interface MediaView {
  id: string;
  name: string;
  mime: string;
  ext: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  createdAt: string;
  /** Where the file lives on disk (relative to the workspace). */
  path: string;
}

export interface PluginView {
  pluginId: string;
  name: string;
  version: string;
  description: string;
  hooks: string[];
  permissions: string[];
  enabled: boolean;
  position: number;
  failures: number;
  lastError: string | null;
  disabledReason: string | null;
  sha256: string;
  installedBy: string;
  installedAt: string;
}
