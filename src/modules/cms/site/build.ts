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
 *
 * Rebuilds in one process (the daemon) do little more than compare: what the plan derives from an item is
 * kept with the item while it is the same frozen object (the CMS hands out the same object until the item
 * changes), each output's input hash is kept with what it was computed from and reused while that compares
 * equal, and the manifest stays in memory while its file is unchanged (./output.ts). None of this is
 * needed for correctness: a source returning fresh objects every time gets the same site, computed afresh.
 * Only outputs that must be rendered get a view and a render closure.
 */
import * as crypto from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { parse as parsePath, relative, resolve, isAbsolute } from 'node:path';
import * as z from 'zod';
import { RaosError, formatIssues, invalidInput, parseInput } from '../../../kernel/errors.js';
import { OutputFiles, loadManifest, runPool, saveManifest, MANIFEST_FILE, type ManifestEntries, type ManifestStatus } from './output.js';
import { assignTagSlugs, compareCodePoints, folderUrl, isSafeOutputPath, linker, paths, slugifyTag, type Linker } from './paths.js';
import { loadTheme, type Theme } from './theme.js';
import { renderFeed, renderSitemapIndex, sitemapFile, sitemapLine, SITEMAP_MAX_URLS } from './xml.js';

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

/**
 * An item with what the plan derives from it. Kept with a frozen item (see keptEntry) and reused while the
 * item is the same object with the same tags; the fields below `path` are caches, each compared with what
 * it was computed from before use, and read only while planning (rendering uses the fields above and the
 * build's own data), so builds of other sites sharing the entry cannot disturb one another.
 */
interface Entry {
  /** What transforms get: the source's own item when it is frozen and its tags are already clean, else a copy with clean tags. */
  readonly item: SiteItem;
  /** item.tags as the source gave them (copied: the array itself need not be frozen). */
  readonly rawTags: readonly string[];
  /** Trimmed, blank ones dropped, each once. */
  readonly tags: readonly string[];
  readonly time: number;
  readonly path: string;
  /** The tag slugs displayHash was computed with. */
  slugs: readonly string[] | null;
  /** Everything a list shows of the item (with its tags' slugs), hashed. */
  displayHash: string;
  /** The item's sitemap line and the site URL it was made for. */
  sitemapBase: string | null;
  sitemapLine: string;
  /**
   * The input hash of the item's page, with what it was computed from: the global hash, displayHash (plus
   * id, revision and updatedAt, which stand in for the body and cannot change for an entry), the neighbours.
   */
  inHash: string;
  keyGlobal: string | null;
  keyDisplayHash: string;
  newerPath: string | undefined;
  newerTitle: string | undefined;
  olderPath: string | undefined;
  olderTitle: string | undefined;
}

/** Entries of frozen items, by identity. */
const keptEntries = new WeakMap<object, Entry>();

function cleanTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))];
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The entry kept for a frozen item whose tags are still the ones it was made with (a frozen object's own fields cannot change). */
function keptEntry(value: unknown): Entry | undefined {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value)) return undefined;
  const entry = keptEntries.get(value);
  const tags = (value as SiteItem).tags;
  return entry && Array.isArray(tags) && sameStrings(entry.rawTags, tags) ? entry : undefined;
}

/** A new entry for a valid item; kept when the item is frozen. */
function newEntry(item: SiteItem, keep: boolean): Entry {
  const rawTags = [...item.tags];
  const clean = cleanTags(rawTags);
  const tags = sameStrings(clean, rawTags) ? rawTags : clean;
  const entry: Entry = {
    // A kept entry's copy is reused by later builds: frozen like the item it copies.
    item: !keep ? { ...item, tags: [...tags] } : tags === rawTags ? item : Object.freeze({ ...item, tags: Object.freeze([...tags]) as string[] }),
    rawTags,
    tags,
    time: Date.parse(item.publishedAt),
    path: item.type === 'post' ? paths.post(item.slug) : paths.page(item.slug),
    slugs: null,
    displayHash: '',
    sitemapBase: null,
    sitemapLine: '',
    inHash: '',
    keyGlobal: null,
    keyDisplayHash: '',
    newerPath: undefined,
    newerTitle: undefined,
    olderPath: undefined,
    olderTitle: undefined,
  };
  if (keep) keptEntries.set(item, entry);
  return entry;
}

/** Checks the source's items (the same object twice is checked once) and makes their entries. */
function validateItems(raw: unknown): Entry[] {
  let entries: Entry[] | undefined;
  if (Array.isArray(raw)) {
    entries = new Array<Entry>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const value: unknown = raw[i];
      const kept = keptEntry(value);
      if (kept) entries[i] = kept;
      else if (isPlainValidItem(value)) entries[i] = newEntry(value, Object.isFrozen(value));
      else {
        entries = undefined;
        break;
      }
    }
  }
  if (!entries) {
    const parsed = z.array(itemSchema).safeParse(raw);
    if (!parsed.success) {
      throw new RaosError('INVALID_INPUT', `site source returned invalid items: ${formatIssues(parsed.error.issues.slice(0, 5), 'items')}`);
    }
    entries = parsed.data.map((item) => newEntry(item, false));
  }
  checkUnique(entries);
  return entries;
}

/**
 * The last list of entries found free of duplicate ids and slugs, with its ids and output paths: the next
 * list, when it differs in a few places (an edit), is checked at those places only.
 */
let lastUnique: { entries: Entry[]; ids: Set<string>; paths: Map<string, string> } | null = null;
const INCREMENTAL_CHECK_MAX = 256;

/** Fails with CONFLICT on an id given twice or a slug used twice by one type. */
function checkUnique(entries: Entry[]): void {
  const last = lastUnique;
  lastUnique = null;
  if (last && last.entries.length === entries.length) {
    const changed: number[] = [];
    for (let i = 0; i < entries.length && changed.length <= INCREMENTAL_CHECK_MAX; i++) if (entries[i] !== last.entries[i]) changed.push(i);
    if (changed.length <= INCREMENTAL_CHECK_MAX) {
      for (const i of changed) {
        last.ids.delete(last.entries[i].item.id);
        last.paths.delete(last.entries[i].path);
      }
      let clash = false;
      for (const i of changed) {
        const { item, path } = entries[i];
        if (last.ids.has(item.id) || last.paths.has(path)) {
          clash = true; // the full check below names it, as it would have without this shortcut
          break;
        }
        last.ids.add(item.id);
        last.paths.set(path, item.id);
      }
      if (!clash) {
        last.entries = entries;
        lastUnique = last;
        return;
      }
    }
  }
  const ids = new Set<string>();
  // Output path per type and slug: posts/<slug>/… and pages/<slug>/… are one-to-one with (type, slug).
  const byPath = new Map<string, string>();
  for (const { item, path } of entries) {
    if (ids.has(item.id)) throw new RaosError('CONFLICT', `site source returned item ${item.id} twice`);
    ids.add(item.id);
    const other = byPath.get(path);
    if (other !== undefined) {
      throw new RaosError('CONFLICT', `${item.type}s ${other} and ${item.id} share the slug "${item.slug}"`, {
        hint: 'Give one of them another slug.',
        details: { slug: item.slug, ids: [other, item.id] },
      });
    }
    byPath.set(path, item.id);
  }
  lastUnique = { entries, ids, paths: byPath };
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

/** An output that must be rendered. */
interface Output {
  path: string;
  /**
   * Hash of everything the output depends on: the global inputs plus what it shows (for a post or page,
   * its metadata with id + revision + updatedAt standing in for the body).
   */
  inHash: string;
  /** The item whose body HTML render() needs. */
  item?: SiteItem;
  render(body: string | undefined): string | Buffer;
}

interface Plan {
  /** Every output's path, in a stable order. */
  order: string[];
  /** How many of them are HTML pages. */
  pages: number;
  /** The outputs whose input hash the manifest does not have. */
  toRender: Output[];
}

interface SiteSettings {
  title: string;
  description: string;
  url: string;
  language: string;
  postsPerPage: number;
  directoryLinks: boolean;
}

/** Input hashes of one outDir's list pages and sitemap, with what they were computed from; reused while that compares equal. */
interface PlanMemo {
  lists: Map<string, { global: string; heading: string; count: number; hashes: string[]; inHash: string }>;
  sitemap: { global: string; lines: string[]; hashes: string[] } | null;
  /** Sitemap lines joined in blocks, by the index of the block's first line. */
  sitemapBlocks: Map<number, { lines: string[]; text: string }>;
}

const SITEMAP_BLOCK = 256;

/** lines[start..end) joined with newlines; blocks of lines that are the same as last time are not joined again. */
function joinLines(lines: readonly string[], start: number, end: number, blocks: PlanMemo['sitemapBlocks']): string {
  const texts: string[] = [];
  for (let from = start; from < end; from += SITEMAP_BLOCK) {
    const to = Math.min(end, from + SITEMAP_BLOCK);
    let block = blocks.get(from);
    let same = block !== undefined && block.lines.length === to - from;
    for (let i = from; i < to && same; i++) same = block!.lines[i - from] === lines[i];
    if (!same) {
      const own = lines.slice(from, to);
      block = { lines: own, text: own.join('\n') };
      blocks.set(from, block);
    }
    texts.push(block!.text);
  }
  return texts.join('\n');
}

const planMemos = new Map<string, PlanMemo>();
const PLAN_MEMO_DIRS = 8;

function planMemoFor(outDir: string): PlanMemo {
  let memo = planMemos.get(outDir);
  if (memo) planMemos.delete(outDir);
  else memo = { lists: new Map(), sitemap: null, sitemapBlocks: new Map() };
  planMemos.set(outDir, memo);
  if (planMemos.size > PLAN_MEMO_DIRS) planMemos.delete(planMemos.keys().next().value!);
  return memo;
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

/** Brings an entry's list-facing hashes up to date with this build's tag slugs. */
function refreshDisplay(entry: Entry, tagSlugs: Map<string, string>): void {
  const { slugs, tags } = entry;
  if (slugs !== null) {
    let same = true;
    for (let i = 0; i < tags.length && same; i++) same = slugs[i] === tagSlugs.get(tags[i]);
    if (same) return;
  }
  const fresh = tags.map((t) => tagSlugs.get(t)!);
  const { item } = entry;
  const tagRefs = tags.map((t, i) => [t, fresh[i]]);
  entry.slugs = fresh;
  entry.displayHash = hashText(JSON.stringify([item.type, item.slug, item.title, item.publishedAt, item.excerpt, item.author, tagRefs]));
}

/**
 * Every output's input hash, compared with the manifest through `isCurrent`; views and render closures
 * are made only for the outputs that are not current.
 */
function planSite(
  entries: Entry[],
  theme: Theme,
  site: SiteSettings,
  fingerprint: string,
  memo: PlanMemo,
  isCurrent: (path: string, inHash: string) => boolean,
): Plan {
  const formatDate = dateFormatter(site.language);
  const absolute = (path: string) => site.url + folderUrl(path);
  const distinctTags = new Set<string>();
  for (const entry of entries) for (const tag of entry.tags) distinctTags.add(tag);
  const tagSlugs = assignTagSlugs(distinctTags);
  for (const entry of entries) refreshDisplay(entry, tagSlugs);

  const dated = entries.slice().sort(byNewest);
  const posts = dated.filter((e) => e.item.type === 'post');
  const pages = entries
    .filter((e) => e.item.type === 'page')
    .sort((a, b) => compareCodePoints(a.item.title.toLowerCase(), b.item.title.toLowerCase()) || compareCodePoints(a.item.slug, b.item.slug));

  const tagged = new Map<string, Entry[]>();
  for (const entry of dated) {
    for (const tag of entry.tags) {
      const list = tagged.get(tag);
      if (list) list.push(entry);
      else tagged.set(tag, [entry]);
    }
  }
  const tagNames = [...tagged.keys()].sort((a, b) => compareCodePoints(a.toLowerCase(), b.toLowerCase()) || compareCodePoints(a, b));

  const nav = pages.map((p) => ({ title: p.item.title, path: p.path }));
  const siteView = { title: site.title, description: site.description, url: site.url, language: site.language };
  const global = hashText(JSON.stringify([BUILDER_VERSION, theme.hash, site, fingerprint, nav]));
  const inputHash = (path: string, key: string) => hashText(`${global}\0${path}\0${key}`);

  const order: string[] = [];
  const toRender: Output[] = [];
  let pageCount = 0;
  /** Records an output; true when it must be rendered. */
  const visit = (path: string, inHash: string, isPage: boolean): boolean => {
    order.push(path);
    if (isPage) pageCount++;
    return !isCurrent(path, inHash);
  };
  const file = (path: string, inHash: string, render: () => string | Buffer) => {
    if (visit(path, inHash, false)) toRender.push({ path, inHash, render });
  };

  /** An HTML page to render: the view is built only now. */
  const page = (
    path: string,
    template: 'list' | 'post' | 'page' | 'tags',
    inHash: string,
    view: (link: Linker) => Record<string, unknown>,
    item?: SiteItem,
  ): Output => ({
    path,
    inHash,
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

  const entryView = ({ item, path, tags: names }: Entry, link: Linker) => {
    const tags = names.map((name) => ({ name, href: link.to(paths.tag(tagSlugs.get(name)!, 1)) }));
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

  // Lists: home and its later pages, then each tag's pages. Keyed by what they show of each entry (its displayHash).
  const perPage = site.postsPerPage;
  const lists: PlanMemo['lists'] = new Map();
  const listPages = (list: Entry[], pathFor: (n: number) => string, heading: string | null, titleFor: (n: number) => string | null) => {
    const count = Math.max(1, Math.ceil(list.length / perPage));
    const headingKey = JSON.stringify(heading);
    for (let n = 1; n <= count; n++) {
      const path = pathFor(n);
      const start = (n - 1) * perPage;
      const end = Math.min(list.length, n * perPage);
      let known = memo.lists.get(path);
      let same = known !== undefined && known.global === global && known.heading === headingKey && known.count === count && known.hashes.length === end - start;
      for (let i = start; i < end && same; i++) same = known!.hashes[i - start] === list[i].displayHash;
      if (!same) {
        const hashes = list.slice(start, end).map((e) => e.displayHash);
        known = { global, heading: headingKey, count, hashes, inHash: inputHash(path, `${headingKey}\n${n}/${count}\n${hashes.join('\n')}`) };
      }
      lists.set(path, known!);
      if (!visit(path, known!.inHash, true)) continue;
      toRender.push(
        page(path, 'list', known!.inHash, (link) => ({
          pageTitle: titleFor(n),
          heading,
          entries: list.slice(start, end).map((e) => entryView(e, link)),
          pagination:
            count > 1
              ? { page: n, pages: count, newer: n > 1 ? link.to(pathFor(n - 1)) : null, older: n < count ? link.to(pathFor(n + 1)) : null }
              : null,
        })),
      );
    }
  };
  listPages(posts, paths.index, null, (n) => (n > 1 ? `Page ${n}` : null));
  for (const tag of tagNames) {
    const slug = tagSlugs.get(tag)!;
    listPages(tagged.get(tag)!, (n) => paths.tag(slug, n), `Tagged “${tag}”`, (n) => (n > 1 ? `${tag} (page ${n})` : tag));
  }
  memo.lists = lists;

  const tagCounts = tagNames.map((name) => [name, tagSlugs.get(name)!, tagged.get(name)!.length] as const);
  const tagsInHash = inputHash(paths.tags(), JSON.stringify(tagCounts));
  if (visit(paths.tags(), tagsInHash, true)) {
    toRender.push(
      page(paths.tags(), 'tags', tagsInHash, (link) => {
        const tags = tagCounts.map(([name, slug, count]) => ({ name, href: link.to(paths.tag(slug, 1)), count }));
        return { pageTitle: 'Tags', heading: 'Tags', tags, hasTags: tags.length > 0 };
      }),
    );
  }

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
  const pageKey = ({ displayHash, item }: Entry, neighbours: (string | undefined)[]) =>
    JSON.stringify([displayHash, item.id, item.revision, item.updatedAt, ...neighbours]);
  const neighbour = (entry: Entry | undefined, link: Linker) => (entry ? { title: entry.item.title, href: link.to(entry.path) } : null);
  for (let i = 0; i < posts.length; i++) {
    const post = posts[i];
    const newer = posts[i - 1] as Entry | undefined;
    const older = posts[i + 1] as Entry | undefined;
    const newerPath = newer?.path;
    const newerTitle = newer?.item.title;
    const olderPath = older?.path;
    const olderTitle = older?.item.title;
    if (
      post.keyGlobal !== global ||
      post.keyDisplayHash !== post.displayHash ||
      post.newerPath !== newerPath ||
      post.newerTitle !== newerTitle ||
      post.olderPath !== olderPath ||
      post.olderTitle !== olderTitle
    ) {
      post.inHash = inputHash(post.path, pageKey(post, [newerPath, newerTitle, olderPath, olderTitle]));
      post.keyGlobal = global;
      post.keyDisplayHash = post.displayHash;
      post.newerPath = newerPath;
      post.newerTitle = newerTitle;
      post.olderPath = olderPath;
      post.olderTitle = olderTitle;
    }
    if (!visit(post.path, post.inHash, true)) continue;
    toRender.push(page(post.path, 'post', post.inHash, (link) => ({ ...itemView(post, link), newer: neighbour(newer, link), older: neighbour(older, link) }), post.item));
  }
  for (const entry of pages) {
    if (entry.keyGlobal !== global || entry.keyDisplayHash !== entry.displayHash) {
      entry.inHash = inputHash(entry.path, pageKey(entry, []));
      entry.keyGlobal = global;
      entry.keyDisplayHash = entry.displayHash;
    }
    if (visit(entry.path, entry.inHash, true)) toRender.push(page(entry.path, 'page', entry.inHash, (link) => itemView(entry, link), entry.item));
  }

  // The feed is small: its text is its key.
  const feed = renderFeed(
    { title: site.title, description: site.description, link: site.url, self: absolute(paths.feed()), language: site.language },
    posts.slice(0, FEED_ITEMS).map(({ item, path, tags }) => ({
      title: item.title,
      link: absolute(path),
      publishedAt: item.publishedAt,
      updatedAt: item.updatedAt,
      excerpt: item.excerpt,
      author: item.author,
      tags,
    })),
  );
  file(paths.feed(), inputHash(paths.feed(), feed), () => feed);

  // The sitemap's text is its key too; it is joined and hashed only when one of its lines changed.
  const lineOf = (entry: Entry) => {
    if (entry.sitemapBase !== site.url) {
      entry.sitemapLine = sitemapLine(absolute(entry.path), entry.item.updatedAt);
      entry.sitemapBase = site.url;
    }
    return entry.sitemapLine;
  };
  const lines: string[] = [sitemapLine(absolute(paths.index(1)))];
  for (const post of posts) lines.push(lineOf(post));
  for (const entry of pages) lines.push(lineOf(entry));
  lines.push(sitemapLine(absolute(paths.tags())));
  for (const tag of tagNames) lines.push(sitemapLine(absolute(paths.tag(tagSlugs.get(tag)!, 1))));
  const known = memo.sitemap;
  const reuse = known !== null && known.global === global && sameStrings(known.lines, lines);
  const hashes: string[] = [];
  const sitemapOutput = (path: string, text: () => string) => {
    const inHash = reuse ? known.hashes[hashes.length] : inputHash(path, text());
    hashes.push(inHash);
    file(path, inHash, text);
  };
  /** The text of lines[start..end), made at most once. */
  const sitemapText = (start: number, end: number) => {
    let text: string | undefined;
    return () => (text ??= sitemapFile(joinLines(lines, start, end, memo.sitemapBlocks)));
  };
  if (lines.length <= SITEMAP_MAX_URLS) {
    sitemapOutput(paths.sitemap(), sitemapText(0, lines.length));
  } else {
    const parts: string[] = [];
    for (let i = 0; i * SITEMAP_MAX_URLS < lines.length; i++) {
      const path = `sitemap-${i + 1}.xml`;
      sitemapOutput(path, sitemapText(i * SITEMAP_MAX_URLS, Math.min(lines.length, (i + 1) * SITEMAP_MAX_URLS)));
      parts.push(absolute(path));
    }
    const index = renderSitemapIndex(parts);
    sitemapOutput(paths.sitemap(), () => index);
  }
  memo.sitemap = { global, lines, hashes };

  for (const asset of theme.assets) {
    const path = paths.asset(asset.path);
    file(path, inputHash(path, asset.hash), () => asset.bytes);
  }
  return { order, pages: pageCount, toRender };
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

  // ── plan + decide ──
  const [theme, rawItems, previous] = await Promise.all([loadTheme(opts.themeDir), source.items(), loadManifest(outDir)]);
  const entries = validateItems(rawItems);
  const old: ManifestEntries | null = previous.entries;
  const plan = planSite(entries, theme, site, opts.fingerprint ?? '', planMemoFor(outDir), (path, inHash) => !force && old?.get(path)?.[0] === inHash);
  const { toRender } = plan;
  let unchanged = plan.order.length - toRender.length;

  // What is on disk right now: the old manifest, updated as outputs are written and deleted. Saved as the
  // new manifest at the end, or as it stands if the build fails halfway, so nothing written is forgotten.
  const onDisk: ManifestEntries = old ?? new Map();
  let changed = false;
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
          const before = onDisk.get(output.path);
          if (force || before?.[1] !== outHash) {
            await files.write(output.path, bytes);
            written.push(output.path);
          } else {
            unchanged++;
          }
          if (before?.[0] !== output.inHash || before[1] !== outHash) {
            onDisk.set(output.path, [output.inHash, outHash]);
            changed = true;
          }
          rendering.tick();
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    rendering.end();

    // ── delete stale outputs (only ones the old manifest lists) ──
    // Every planned output is in onDisk now, so it holds stale ones exactly when it is larger than the plan.
    let stale: string[] = [];
    if (onDisk.size !== plan.order.length) {
      const planned = new Set(plan.order);
      stale = [...onDisk.keys()].filter((path) => !planned.has(path) && path !== MANIFEST_FILE);
    }
    const deleting = progress(options.onProgress, 'delete', stale.length);
    await runPool(stale, DELETES_IN_FLIGHT, async (path) => {
      await files.delete(path);
      onDisk.delete(path);
      changed = true;
      deleted.push(path);
      deleting.tick();
    });
    deleting.end();

    // ── commit ──
    await saveManifest(files, onDisk, { order: plan.order, previous, changed });
  } catch (err) {
    await saveManifest(files, onDisk, { previous, changed: true }).catch(() => undefined);
    throw err;
  }

  const cap = (list: string[]) => list.sort(compareCodePoints).slice(0, FILE_LIST_CAP);
  return {
    pages: plan.pages,
    outputs: plan.order.length,
    written: written.length,
    unchanged,
    deleted: deleted.length,
    ms: Math.round(performance.now() - started),
    outDir,
    manifest: force ? 'forced' : previous.status,
    files: { written: cap(written), deleted: cap(deleted) },
  };
}
