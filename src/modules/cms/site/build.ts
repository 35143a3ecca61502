/**
 * `raos cms build`: the CMS's published content as a static site (index, posts, pages, tags, RSS feed,
 * sitemap, theme assets). The URL layout is described in ./paths.ts, the theme format in ./theme.ts.
 *
 * Incremental by design. The builder takes metadata for every item but asks the source for body HTML only
 * for the items whose pages must be rendered again:
 *
 *   plan    → every output with a key: the data it shows (lists, feed, sitemap) or, for a post/page, its
 *             metadata + id/revision/updatedAt standing in for the body; plus theme, site options,
 *             fingerprint and builder version, hashed once for all outputs
 *   decide  → an output whose input hash matches the manifest is skipped without rendering
 *   render  → in chunks: fetch body HTML for the chunk, run onRender transforms, template, hash the bytes;
 *             write (temp + rename) only if the bytes differ from the ones last written
 *   delete  → outputs listed in the old manifest and not produced now (nothing else is ever deleted)
 *   commit  → write the manifest last (unless it is unchanged); if the build fails, record what did reach
 *             the disk instead, then rethrow
 *
 * The manifest trusts the disk: an output deleted or edited by hand is not noticed until its inputs change;
 * `force` (`--force`) renders and writes everything again.
 */
import * as crypto from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { parse as parsePath, relative, resolve, isAbsolute } from 'node:path';
import * as z from 'zod';
import { RaosError, formatIssues, invalidInput, parseInput } from '../../../kernel/errors.js';
import {
  OutputFiles,
  readManifest,
  runPool,
  writeManifest,
  MANIFEST_FILE,
  type ManifestEntries,
  type ManifestStatus,
} from './output.js';
import { assignTagSlugs, compareCodePoints, folderUrl, isSafeOutputPath, linker, paths, slugifyTag, type Linker } from './paths.js';
import { loadTheme, type Theme } from './theme.js';
import { renderFeed, renderSitemap, renderSitemapIndex, SITEMAP_MAX_URLS, type SitemapEntry } from './xml.js';

export { slugifyTag };
export { defaultThemeDir } from './theme.js';

/** One published post or page, without its body. */
export interface SiteItem {
  id: string;
  type: 'post' | 'page';
  /** One path segment; unique per type (the CMS enforces it, the builder checks it). */
  slug: string;
  title: string;
  tags: string[];
  /** ISO 8601. Orders posts (newest first) and dates them. */
  publishedAt: string;
  /** ISO 8601. Sitemap lastmod; part of the item's input hash. */
  updatedAt: string;
  /** Bumped by the CMS on every edit; together with updatedAt it stands in for the body in the input hash. */
  revision: number;
  /** Plain text, short; shown in lists, the feed and the meta description. */
  excerpt: string;
  author: string;
}

export interface SiteSource {
  /** Every published item, in any order. Called once per build. */
  items(): Promise<SiteItem[]>;
  /**
   * Sanitised body HTML (already safe) of the given items. Called only for items whose page is rendered, in
   * chunks of up to 250 ids, with up to 4 calls in flight. A listed item missing from the answer fails the build (CONFLICT).
   */
  html(ids: string[]): Promise<Map<string, string>>;
}

export interface SiteOptions {
  /** Output folder; created if missing. Must not be the filesystem root, a file, or inside the theme. */
  outDir: string;
  /** Theme folder (see ./theme.ts); `defaultThemeDir()` is the one shipped with raos. */
  themeDir: string;
  site: {
    title: string;
    description: string;
    /** Absolute base URL for feed, sitemap and canonical links, e.g. `http://localhost:7070/site/`. A missing trailing / is added. */
    url: string;
    /** `<html lang>` and the feed's language. Default `en`. */
    language?: string;
    /** Posts per list page (home and tags). Default 10. */
    postsPerPage?: number;
    /**
     * Link to folders (`../posts/x/`) instead of files (`../posts/x/index.html`). Default false: file links
     * work everywhere, including file://; folder links need a server that serves index.html for folders.
     */
    directoryLinks?: boolean;
  };
  /** Extra input that invalidates every page when it changes (e.g. the enabled onRender plugins and their versions). */
  fingerprint?: string;
  /** onRender hooks, applied to an item's body HTML before templating. Must return HTML that is safe to embed. */
  transform?: (html: string, item: SiteItem) => Promise<string>;
  /** Called about every 1% of a phase (`render`, `delete`) and at its start and end. */
  onProgress?: (done: number, total: number, phase: string) => void;
  /**
   * Ignore the manifest: render and write every output, e.g. after files in outDir were edited or deleted by
   * hand (stale outputs the manifest lists are still deleted). Default false.
   */
  force?: boolean;
}

export interface BuildReport {
  /** HTML pages in the site. */
  pages: number;
  /** All outputs (pages, feed, sitemap, assets). */
  outputs: number;
  /** Outputs whose file was (re)written. */
  written: number;
  /** Outputs left as they were: skipped without rendering, or rendered to the same bytes. */
  unchanged: number;
  /** Stale outputs deleted. */
  deleted: number;
  ms: number;
  outDir: string;
  /** How the previous build's manifest was used; anything but `used` means every output was rendered. */
  manifest: ManifestStatus;
  /** Paths relative to outDir, sorted, at most FILE_LIST_CAP each; `written`/`deleted` above are the full counts. */
  files: { written: string[]; deleted: string[] };
}

/** Bump when the builder's output changes for the same inputs: every page is re-rendered once. */
const BUILDER_VERSION = '1';
const FEED_ITEMS = 20;
const DEFAULT_POSTS_PER_PAGE = 10;
/** Items per html() call, and outputs rendered together. */
const CHUNK_SIZE = 250;
const CHUNKS_IN_FLIGHT = 4;
const DELETES_IN_FLIGHT = 32;
export const FILE_LIST_CAP = 50;

// ─── validation ──────────────────────────────────────────────────────────────────────────────────

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date');

const itemSchema = z.object({
  id: z.string().min(1),
  type: z.enum(['post', 'page']),
  slug: z
    .string()
    .min(1)
    .max(200)
    .refine((s) => !s.includes('/') && isSafeOutputPath(s) && !/[\u0000-\u001f]/.test(s), 'must be one path segment (no / \\ or control characters, not . or ..)'),
  title: z.string(),
  tags: z.array(z.string()),
  publishedAt: isoDate,
  updatedAt: isoDate,
  revision: z.number().finite(),
  excerpt: z.string(),
  author: z.string(),
});

const optionsSchema = z.object({
  outDir: z.string().min(1),
  themeDir: z.string().min(1),
  site: z.object({
    title: z.string(),
    description: z.string(),
    url: z.string().refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash;
      } catch {
        return false;
      }
    }, 'must be an absolute http(s) URL without query or fragment, e.g. http://localhost:7070/site/'),
    language: z.string().min(1).max(35).optional(),
    postsPerPage: z.number().int().min(1).max(1000).optional(),
    directoryLinks: z.boolean().optional(),
  }),
  fingerprint: z.string().optional(),
  force: z.boolean().optional(),
});

/** The common case, checked without zod (which costs tens of ms on 10,000 items); zod then names what is wrong. */
function isPlainValidItem(value: unknown): value is SiteItem {
  if (typeof value !== 'object' || value === null) return false;
  const i = value as Record<string, unknown>;
  return (
    typeof i.id === 'string' &&
    i.id !== '' &&
    (i.type === 'post' || i.type === 'page') &&
    typeof i.slug === 'string' &&
    /^[^/\\\u0000-\u001f]{1,200}$/.test(i.slug) &&
    i.slug !== '.' &&
    i.slug !== '..' &&
    !/^[a-zA-Z]:/.test(i.slug) &&
    typeof i.title === 'string' &&
    Array.isArray(i.tags) &&
    i.tags.every((t) => typeof t === 'string') &&
    typeof i.publishedAt === 'string' &&
    !Number.isNaN(Date.parse(i.publishedAt)) &&
    typeof i.updatedAt === 'string' &&
    !Number.isNaN(Date.parse(i.updatedAt)) &&
    typeof i.revision === 'number' &&
    Number.isFinite(i.revision) &&
    typeof i.excerpt === 'string' &&
    typeof i.author === 'string'
  );
}

function validateItems(raw: unknown): SiteItem[] {
  let items: SiteItem[];
  if (Array.isArray(raw) && raw.every(isPlainValidItem)) {
    items = raw.map((i: SiteItem) => ({ ...i }));
  } else {
    const parsed = z.array(itemSchema).safeParse(raw);
    if (!parsed.success) {
      throw new RaosError('INVALID_INPUT', `site source returned invalid items: ${formatIssues(parsed.error.issues.slice(0, 5), 'items')}`);
    }
    items = parsed.data;
  }
  const ids = new Set<string>();
  const slugs = new Map<string, string>();
  for (const item of items) {
    if (ids.has(item.id)) throw new RaosError('CONFLICT', `site source returned item ${item.id} twice`);
    ids.add(item.id);
    const slugKey = `${item.type}/${item.slug}`;
    const other = slugs.get(slugKey);
    if (other !== undefined) {
      throw new RaosError('CONFLICT', `${item.type}s ${other} and ${item.id} share the slug "${item.slug}"`, {
        hint: 'Give one of them another slug.',
        details: { slug: item.slug, ids: [other, item.id] },
      });
    }
    slugs.set(slugKey, item.id);
    // Tags: trimmed, blank ones dropped, each once.
    item.tags = [...new Set(item.tags.map((t) => t.trim()).filter((t) => t !== ''))];
  }
  return items;
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function prepareOutDir(outDir: string, themeDir: string): Promise<string> {
  const dir = resolve(outDir);
  if (parsePath(dir).root === dir) {
    throw invalidInput(`outDir ${dir} is the filesystem root`, {
      hint: 'Build into a folder of its own, e.g. --out ./site.',
      details: { field: 'outDir' },
    });
  }
  if (isInside(dir, resolve(themeDir))) {
    throw invalidInput(`outDir ${dir} is inside the theme folder ${resolve(themeDir)}`, {
      hint: 'Build into a folder outside the theme.',
      details: { field: 'outDir' },
    });
  }
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (info && !info.isDirectory()) {
    throw invalidInput(`outDir ${dir} exists and is not a folder`, {
      hint: 'Pass a folder (it is created if missing).',
      details: { field: 'outDir' },
    });
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

/** crypto.hash (Node >= 20.12) is a one-shot hash without a Hash object: noticeably faster for many small inputs. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'base64url') => string }).hash;
const hashText = oneShot
  ? (data: string | Buffer) => oneShot('sha1', data, 'base64url')
  : (data: string | Buffer) => crypto.createHash('sha1').update(data).digest('base64url');

// ─── plan ────────────────────────────────────────────────────────────────────────────────────────

interface Output {
  path: string;
  /**
   * Hash of everything the output depends on: the global inputs plus what it shows (for a post or page,
   * its metadata with id + revision + updatedAt standing in for the body). Hashed at once, so the plan
   * holds 27 characters per output rather than its key; views are built only for outputs that are rendered.
   */
  inHash: string;
  isPage: boolean;
  /** The item whose body HTML render() needs. */
  item?: SiteItem;
  render(body: string | undefined): string | Buffer;
}

interface SiteSettings {
  title: string;
  description: string;
  url: string;
  language: string;
  postsPerPage: number;
  directoryLinks: boolean;
}

/** An item with what the plan derives from it once. */
interface Entry {
  item: SiteItem;
  time: number;
  path: string;
  /** [tag, tag slug] pairs. */
  tagRefs: [string, string][];
  /** Everything a list shows of the item, as JSON. */
  display: string;
}

/**
 * Long dates (`January 6, 2024`) in the site's language, UTC; one Intl call per distinct day. The formatter
 * is made on first use: creating one loads ICU data, which a build that renders nothing should not pay for.
 */
function dateFormatter(language: string): (iso: string) => string {
  let format: Intl.DateTimeFormat | undefined;
  const days = new Map<number, string>();
  return (iso) => {
    const day = Math.floor(Date.parse(iso) / 86_400_000);
    let text = days.get(day);
    if (text === undefined) {
      if (!format) {
        try {
          format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' });
        } catch {
          format = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' });
        }
      }
      text = format.format(new Date(day * 86_400_000));
      days.set(day, text);
    }
    return text;
  };
}

function byNewest(a: Entry, b: Entry): number {
  return b.time - a.time || compareCodePoints(a.item.id, b.item.id);
}

function planSite(items: SiteItem[], theme: Theme, site: SiteSettings, fingerprint: string): Output[] {
  const formatDate = dateFormatter(site.language);
  const absolute = (path: string) => site.url + folderUrl(path);
  const tagSlugs = assignTagSlugs(items.flatMap((i) => i.tags));

  const all: Entry[] = items.map((item) => {
    const tagRefs = item.tags.map((t): [string, string] => [t, tagSlugs.get(t)!]);
    return {
      item,
      time: Date.parse(item.publishedAt),
      path: item.type === 'post' ? paths.post(item.slug) : paths.page(item.slug),
      tagRefs,
      display: JSON.stringify([item.type, item.slug, item.title, item.publishedAt, item.excerpt, item.author, tagRefs]),
    };
  });
  const dated = [...all].sort(byNewest);
  const posts = dated.filter((e) => e.item.type === 'post');
  const pages = all
    .filter((e) => e.item.type === 'page')
    .sort((a, b) => compareCodePoints(a.item.title.toLowerCase(), b.item.title.toLowerCase()) || compareCodePoints(a.item.slug, b.item.slug));

  const tagged = new Map<string, Entry[]>();
  for (const entry of dated) {
    for (const tag of entry.item.tags) {
      const list = tagged.get(tag);
      if (list) list.push(entry);
      else tagged.set(tag, [entry]);
    }
  }
  const tagNames = [...tagged.keys()].sort((a, b) => compareCodePoints(a.toLowerCase(), b.toLowerCase()) || compareCodePoints(a, b));

  const nav = pages.map((p) => ({ title: p.item.title, path: p.path }));
  const siteView = { title: site.title, description: site.description, url: site.url, language: site.language };
  const globalHash = hashText(JSON.stringify([BUILDER_VERSION, theme.hash, site, fingerprint, nav]));
  const inputHash = (path: string, key: string) => hashText(`${globalHash}\0${path}\0${key}`);

  const outputs: Output[] = [];
  const file = (path: string, key: string, render: () => string | Buffer) =>
    outputs.push({ path, inHash: inputHash(path, key), isPage: false, render });

  /** An HTML page: the key decides, the view is built only when the page is rendered. */
  const page = (
    path: string,
    template: 'list' | 'post' | 'page' | 'tags',
    key: string,
    view: (link: Linker) => Record<string, unknown>,
    item?: SiteItem,
  ) =>
    outputs.push({
      path,
      inHash: inputHash(path, key),
      isPage: true,
      item,
      render(body) {
        const link = linker(path, site.directoryLinks);
        const own = view(link);
        const full = {
          // What the layout uses; the page's own template may use it too.
          site: siteView,
          root: link.root,
          home: link.to(paths.index(1)),
          tagsIndex: link.to(paths.tags()),
          feed: link.to(paths.feed()),
          assetsBase: `${link.root}assets/`,
          assetVersion: theme.hash.slice(0, 8),
          nav: nav.map((n) => ({ title: n.title, href: link.to(n.path), current: n.path === path })),
          canonical: absolute(path),
          ...own,
          pageTitle: (own.pageTitle as string | null | undefined) ?? null,
          description: (own.description as string | undefined) || site.description,
          body,
        };
        return theme.render('layout', { ...full, content: theme.render(template, full) });
      },
    });

  const entryView = ({ item, path, tagRefs }: Entry, link: Linker) => {
    const tags = tagRefs.map(([name, slug]) => ({ name, href: link.to(paths.tag(slug, 1)) }));
    return {
      type: item.type,
      title: item.title,
      href: link.to(path),
      date: formatDate(item.publishedAt),
      datetime: item.publishedAt,
      excerpt: item.excerpt,
      author: item.author,
      tags,
      hasTags: tags.length > 0,
    };
  };

  // Lists: home and its later pages, then each tag's pages. Keyed by what they show of each entry.
  const perPage = site.postsPerPage;
  const listPages = (list: Entry[], pathFor: (n: number) => string, heading: string | null, titleFor: (n: number) => string | null) => {
    const count = Math.max(1, Math.ceil(list.length / perPage));
    for (let n = 1; n <= count; n++) {
      const shown = list.slice((n - 1) * perPage, n * perPage);
      // Joined, not JSON.stringify'd: re-escaping each entry's JSON would cost more than the rest of the plan.
      const key = `${heading}\n${n}/${count}\n${shown.map((e) => e.display).join('\n')}`;
      page(pathFor(n), 'list', key, (link) => ({
        pageTitle: titleFor(n),
        heading,
        entries: shown.map((e) => entryView(e, link)),
        pagination:
          count > 1
            ? { page: n, pages: count, newer: n > 1 ? link.to(pathFor(n - 1)) : null, older: n < count ? link.to(pathFor(n + 1)) : null }
            : null,
      }));
    }
  };
  listPages(posts, paths.index, null, (n) => (n > 1 ? `Page ${n}` : null));
  for (const tag of tagNames) {
    const slug = tagSlugs.get(tag)!;
    listPages(tagged.get(tag)!, (n) => paths.tag(slug, n), `Tagged “${tag}”`, (n) => (n > 1 ? `${tag} (page ${n})` : tag));
  }
  const tagCounts = tagNames.map((name) => [name, tagSlugs.get(name)!, tagged.get(name)!.length] as const);
  page(paths.tags(), 'tags', JSON.stringify(tagCounts), (link) => {
    const tags = tagCounts.map(([name, slug, count]) => ({ name, href: link.to(paths.tag(slug, 1)), count }));
    return { pageTitle: 'Tags', heading: 'Tags', tags, hasTags: tags.length > 0 };
  });

  // Posts and pages. id + revision + updatedAt stand in for the body, which is fetched only when rendering.
  const itemView = (entry: Entry, link: Linker) => ({
    ...entryView(entry, link),
    id: entry.item.id,
    pageTitle: entry.item.title,
    description: entry.item.excerpt,
    updated: formatDate(entry.item.updatedAt),
    updatedDatetime: entry.item.updatedAt,
    revision: entry.item.revision,
  });
  const itemKey = ({ item, display }: Entry) => `${display}\n${item.id}\n${item.revision}\n${item.updatedAt}`;
  const neighbour = (entry: Entry | undefined, link: Linker) => (entry ? { title: entry.item.title, href: link.to(entry.path) } : null);
  posts.forEach((post, i) => {
    const newer = posts[i - 1];
    const older = posts[i + 1];
    const key = `${itemKey(post)}\n${JSON.stringify([newer?.path, newer?.item.title, older?.path, older?.item.title])}`;
    page(post.path, 'post', key, (link) => ({ ...itemView(post, link), newer: neighbour(newer, link), older: neighbour(older, link) }), post.item);
  });
  for (const entry of pages) page(entry.path, 'page', itemKey(entry), (link) => itemView(entry, link), entry.item);

  // Feed and sitemap are cheap to write out in full; the text itself is the key.
  const feed = renderFeed(
    { title: site.title, description: site.description, link: site.url, self: absolute(paths.feed()), language: site.language },
    posts.slice(0, FEED_ITEMS).map(({ item, path }) => ({
      title: item.title,
      link: absolute(path),
      publishedAt: item.publishedAt,
      updatedAt: item.updatedAt,
      excerpt: item.excerpt,
      author: item.author,
      tags: item.tags,
    })),
  );
  file(paths.feed(), feed, () => feed);

  const urls: SitemapEntry[] = [
    { loc: absolute(paths.index(1)) },
    ...posts.map((p) => ({ loc: absolute(p.path), lastmod: p.item.updatedAt })),
    ...pages.map((p) => ({ loc: absolute(p.path), lastmod: p.item.updatedAt })),
    { loc: absolute(paths.tags()) },
    ...tagNames.map((t) => ({ loc: absolute(paths.tag(tagSlugs.get(t)!, 1)) })),
  ];
  if (urls.length <= SITEMAP_MAX_URLS) {
    const text = renderSitemap(urls);
    file(paths.sitemap(), text, () => text);
  } else {
    const parts: string[] = [];
    for (let i = 0; i * SITEMAP_MAX_URLS < urls.length; i++) {
      const path = `sitemap-${i + 1}.xml`;
      const text = renderSitemap(urls.slice(i * SITEMAP_MAX_URLS, (i + 1) * SITEMAP_MAX_URLS));
      file(path, text, () => text);
      parts.push(absolute(path));
    }
    const index = renderSitemapIndex(parts);
    file(paths.sitemap(), index, () => index);
  }

  for (const asset of theme.assets) file(paths.asset(asset.path), asset.hash, () => asset.bytes);
  return outputs;
}

// ─── build ───────────────────────────────────────────────────────────────────────────────────────

function progress(onProgress: SiteOptions['onProgress'], phase: string, total: number) {
  let done = 0;
  let percent = 0;
  let lastReported = 0;
  onProgress?.(0, total, phase);
  return {
    tick() {
      done++;
      const now = Math.floor((done * 100) / total);
      if (now !== percent) {
        percent = now;
        lastReported = done;
        onProgress?.(done, total, phase);
      }
    },
    end() {
      if (lastReported !== total) onProgress?.(total, total, phase);
    },
  };
}

async function applyTransform(transform: NonNullable<SiteOptions['transform']>, html: string, item: SiteItem): Promise<string> {
  let result: unknown;
  try {
    result = await transform(html, item);
  } catch (err) {
    if (err instanceof RaosError) throw err;
    throw new RaosError('INTERNAL', `onRender transform failed on ${item.type} "${item.slug}": ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
      details: { itemId: item.id },
    });
  }
  if (typeof result !== 'string') {
    throw new RaosError('INTERNAL', `onRender transform returned ${typeof result} instead of HTML for ${item.type} "${item.slug}"`, {
      details: { itemId: item.id },
    });
  }
  return result;
}

/** Builds (or brings up to date) the static site in options.outDir. See the header comment for the phases. */
export async function buildSite(source: SiteSource, options: SiteOptions): Promise<BuildReport> {
  const started = performance.now();

  // ── validate ──
  const opts = parseInput(optionsSchema, {
    outDir: options.outDir,
    themeDir: options.themeDir,
    site: options.site,
    fingerprint: options.fingerprint,
    force: options.force,
  });
  const outDir = await prepareOutDir(opts.outDir, opts.themeDir);
  const site = {
    title: opts.site.title,
    description: opts.site.description,
    url: opts.site.url.endsWith('/') ? opts.site.url : `${opts.site.url}/`,
    language: opts.site.language ?? 'en',
    postsPerPage: opts.site.postsPerPage ?? DEFAULT_POSTS_PER_PAGE,
    directoryLinks: opts.site.directoryLinks ?? false,
  };
  const force = opts.force ?? false;

  // ── plan ──
  const [theme, rawItems, previous] = await Promise.all([loadTheme(opts.themeDir), source.items(), readManifest(outDir)]);
  const items = validateItems(rawItems);
  const outputs = planSite(items, theme, site, opts.fingerprint ?? '');
  const old: ManifestEntries | null = previous.entries;

  // ── decide ──
  const next: ManifestEntries = new Map();
  const toRender: Output[] = [];
  let unchanged = 0;
  for (const output of outputs) {
    const before = old?.get(output.path);
    if (!force && before && before[0] === output.inHash) {
      next.set(output.path, before);
      unchanged++;
    } else {
      toRender.push(output);
    }
  }

  // What is on disk right now: saved instead of `next` if the build fails halfway, so nothing written is forgotten.
  const onDisk: ManifestEntries = new Map(old ?? []);
  const files = new OutputFiles(outDir);
  const written: string[] = [];
  const deleted: string[] = [];
  try {
    // ── render + write ──
    const rendering = progress(options.onProgress, 'render', toRender.length);
    const chunks: (typeof toRender)[] = [];
    for (let i = 0; i < toRender.length; i += CHUNK_SIZE) chunks.push(toRender.slice(i, i + CHUNK_SIZE));
    await runPool(chunks, CHUNKS_IN_FLIGHT, async (chunk) => {
      const ids = chunk.flatMap((output) => (output.item ? [output.item.id] : []));
      const bodies = ids.length > 0 ? await source.html(ids) : new Map<string, string>();
      const results = await Promise.allSettled(
        chunk.map(async (output) => {
          let body: string | undefined;
          if (output.item) {
            body = bodies.get(output.item.id);
            if (body === undefined) {
              throw new RaosError('CONFLICT', `${output.item.type} "${output.item.slug}" (${output.item.id}) has no HTML: it changed during the build`, {
                hint: 'Run the build again.',
                details: { itemId: output.item.id },
              });
            }
            if (options.transform) body = await applyTransform(options.transform, body, output.item);
          }
          const rendered = output.render(body);
          const bytes = typeof rendered === 'string' ? Buffer.from(rendered) : rendered;
          const outHash = hashText(bytes);
          if (force || old?.get(output.path)?.[1] !== outHash) {
            await files.write(output.path, bytes);
            written.push(output.path);
          } else {
            unchanged++;
          }
          next.set(output.path, [output.inHash, outHash]);
          onDisk.set(output.path, [output.inHash, outHash]);
          rendering.tick();
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    rendering.end();

    // ── delete stale outputs (only ones the old manifest lists) ──
    const stale = old ? [...old.keys()].filter((path) => !next.has(path) && path !== MANIFEST_FILE) : [];
    const deleting = progress(options.onProgress, 'delete', stale.length);
    await runPool(stale, DELETES_IN_FLIGHT, async (path) => {
      await files.delete(path);
      onDisk.delete(path);
      deleted.push(path);
      deleting.tick();
    });
    deleting.end();

    // ── commit ──
    await writeManifest(files, next, { order: outputs.map((o) => o.path), previous: previous.text });
  } catch (err) {
    await writeManifest(files, onDisk, { previous: previous.text }).catch(() => undefined);
    throw err;
  }

  const cap = (list: string[]) => list.sort(compareCodePoints).slice(0, FILE_LIST_CAP);
  return {
    pages: outputs.filter((o) => o.isPage).length,
    outputs: outputs.length,
    written: written.length,
    unchanged,
    deleted: deleted.length,
    ms: Math.round(performance.now() - started),
    outDir,
    manifest: force ? 'forced' : previous.status,
    files: { written: cap(written), deleted: cap(deleted) },
  };
}
