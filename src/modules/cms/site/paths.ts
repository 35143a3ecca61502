/**
 * The URL layout of a built site, in one place. Every output is a file under outDir; pages are folders
 * holding an index.html ("pretty URLs"):
 *
 *   index.html                      posts, newest first, page 1
 *   page/<n>/index.html             posts, page n >= 2
 *   posts/<slug>/index.html         one post
 *   pages/<slug>/index.html         one page (its own folder, so a page slug never shadows posts/, tags/, ...)
 *   tags/index.html                 every tag with its count
 *   tags/<tag>/index.html           posts and pages with that tag, page 1 (tag slugs come from slugifyTag)
 *   tags/<tag>/page/<n>/index.html  page n >= 2 of a tag
 *   feed.xml, sitemap.xml           RSS 2.0 and sitemap, with absolute URLs under site.url
 *   assets/...                      the theme's assets/ folder, copied as is
 *
 * Links between pages are relative to the page that holds them (`../../posts/x/index.html`), so the site
 * works under any mount point and from file://. Feed, sitemap and <link rel="canonical"> use absolute
 * folder URLs (`<site.url>posts/x/`).
 */
import { createHash } from 'node:crypto';

export function shortHash(text: string, length = 6): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

/** Slugs already computed: a build slugifies every distinct tag, every time. */
const slugs = new Map<string, string>();
const SLUG_CACHE_SIZE = 20_000;

/**
 * The URL-safe slug of a tag: ASCII letters and digits, lower case, runs of anything else as one `-`,
 * at most 64 characters. A tag with nothing left (`++`, `日本`) becomes `tag-<hash>`.
 * Different tags may share a slug (`C++` and `c`); the builder disambiguates those, see assignTagSlugs.
 */
export function slugifyTag(tag: string): string {
  let slug = slugs.get(tag);
  if (slug === undefined) {
    slug = computeSlug(tag);
    if (slugs.size >= SLUG_CACHE_SIZE) slugs.clear();
    slugs.set(tag, slug);
  }
  return slug;
}

function computeSlug(tag: string): string {
  const slug = tag
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '');
  return slug || `tag-${shortHash(tag)}`;
}

/**
 * Gives every distinct tag its own slug. Tags whose slugs collide share it out deterministically: the tag
 * spelled exactly like the slug (else the first in code-point order) keeps it, the others get
 * `<slug>-<hash of the tag>`, so a tag's URL does not depend on which other tags exist.
 */
export function assignTagSlugs(tags: Iterable<string>): Map<string, string> {
  const groups = new Map<string, string[]>();
  for (const tag of [...new Set(tags)].sort(compareCodePoints)) {
    const slug = slugifyTag(tag);
    const group = groups.get(slug);
    if (group) group.push(tag);
    else groups.set(slug, [tag]);
  }
  const used = new Set(groups.keys());
  const result = new Map<string, string>();
  for (const [slug, names] of groups) {
    const owner = names.includes(slug) ? slug : names[0];
    result.set(owner, slug);
    for (const name of names) {
      if (name === owner) continue;
      let length = 6;
      let candidate = `${slug}-${shortHash(name, length)}`;
      while (used.has(candidate)) candidate = `${slug}-${shortHash(name, ++length)}`;
      used.add(candidate);
      result.set(name, candidate);
    }
  }
  return result;
}

export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const paths = {
  index: (page: number) => (page <= 1 ? 'index.html' : `page/${page}/index.html`),
  post: (slug: string) => `posts/${slug}/index.html`,
  page: (slug: string) => `pages/${slug}/index.html`,
  tags: () => 'tags/index.html',
  tag: (tagSlug: string, page: number) => (page <= 1 ? `tags/${tagSlug}/index.html` : `tags/${tagSlug}/page/${page}/index.html`),
  feed: () => 'feed.xml',
  sitemap: () => 'sitemap.xml',
  asset: (relative: string) => `assets/${relative}`,
};

/** `posts/a b/index.html` → `posts/a%20b/index.html` (each segment encoded). */
function encodePath(path: string): string {
  // Most paths need no encoding; checking first saves a split + encode per link on big sites.
  return /^[A-Za-z0-9\-._~/]*$/.test(path) ? path : path.split('/').map(encodeURIComponent).join('/');
}

/** The folder URL of an output, relative to the site root: `posts/x/index.html` → `posts/x/`, `index.html` → ``. */
export function folderUrl(path: string): string {
  const encoded = encodePath(path);
  return encoded.endsWith('index.html') ? encoded.slice(0, -'index.html'.length) : encoded;
}

export interface Linker {
  /** `../` repeated to climb from the page to the site root (`./` at the root). */
  root: string;
  /** A relative link from this page to another output path. */
  to(path: string): string;
}

/**
 * Relative links from the output at `fromPath`. With `directoryLinks`, links to pages end at the folder
 * (`../posts/x/`), which needs a server that maps folders to index.html; without, they name the file
 * (`../posts/x/index.html`), which also works from file://.
 */
export function linker(fromPath: string, directoryLinks: boolean): Linker {
  const depth = fromPath.split('/').length - 1;
  const root = depth === 0 ? './' : '../'.repeat(depth);
  return {
    root,
    to(path: string): string {
      const target = directoryLinks ? folderUrl(path) : encodePath(path);
      return target === '' ? root : depth === 0 ? target : root + target;
    },
  };
}

/**
 * A relative output path that is safe to join to outDir and to delete later: forward slashes, no empty,
 * `.` or `..` segments, no absolute or drive paths, no NUL. Manifest entries failing this are not trusted.
 */
export function isSafeOutputPath(path: string): boolean {
  if (typeof path !== 'string' || path.length === 0 || path.length > 1024) return false;
  return !/[\\\0]|^[a-zA-Z]:|(^|\/)\.{0,2}(\/|$)/.test(path);
}
