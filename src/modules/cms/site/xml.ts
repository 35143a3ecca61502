/**
 * RSS 2.0 feed and sitemap, written directly (not through the theme) so they are always well-formed:
 * every text goes through xmlEscape, every URL is absolute under site.url, RSS dates are RFC 822 and
 * sitemap dates W3C (ISO 8601 in UTC).
 */

/** Characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are dropped; markup is escaped. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

/** `Tue, 02 Jan 2024 03:04:05 GMT` */
export function rfc822(iso: string): string {
  return new Date(iso).toUTCString();
}

/** `2024-01-02T03:04:05Z` */
export function w3cDate(iso: string): string {
  // Already UTC ISO (what the CMS stores): cut the fraction without a Date round trip.
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(iso)) return `${iso.slice(0, 19)}Z`;
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
}

export interface FeedChannel {
  title: string;
  description: string;
  /** Absolute URL of the site (ends with /). */
  link: string;
  /** Absolute URL of feed.xml itself. */
  self: string;
  language: string;
}

export interface FeedEntry {
  title: string;
  link: string;
  publishedAt: string;
  updatedAt: string;
  excerpt: string;
  author: string;
  tags: readonly string[];
}

/** Entries must come newest first. lastBuildDate is the newest updatedAt, so an unchanged site gives unchanged bytes. */
export function renderFeed(channel: FeedChannel, entries: FeedEntry[]): string {
  const lastUpdate = entries.reduce<string | undefined>(
    (latest, e) => (latest === undefined || Date.parse(e.updatedAt) > Date.parse(latest) ? e.updatedAt : latest),
    undefined,
  );
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '<channel>',
    `<title>${xmlEscape(channel.title)}</title>`,
    `<link>${xmlEscape(channel.link)}</link>`,
    `<description>${xmlEscape(channel.description)}</description>`,
    `<language>${xmlEscape(channel.language)}</language>`,
    '<generator>raos</generator>',
    `<atom:link href="${xmlEscape(channel.self)}" rel="self" type="application/rss+xml"/>`,
  ];
  if (lastUpdate) out.push(`<lastBuildDate>${rfc822(lastUpdate)}</lastBuildDate>`);
  for (const e of entries) {
    out.push(
      '<item>',
      `<title>${xmlEscape(e.title)}</title>`,
      `<link>${xmlEscape(e.link)}</link>`,
      `<guid isPermaLink="true">${xmlEscape(e.link)}</guid>`,
      `<pubDate>${rfc822(e.publishedAt)}</pubDate>`,
    );
    if (e.excerpt) out.push(`<description>${xmlEscape(e.excerpt)}</description>`);
    if (e.author) out.push(`<dc:creator>${xmlEscape(e.author)}</dc:creator>`);
    for (const tag of e.tags) out.push(`<category>${xmlEscape(tag)}</category>`);
    out.push('</item>');
  }
  out.push('</channel>', '</rss>', '');
  return out.join('\n');
}

export interface SitemapEntry {
  loc: string;
  lastmod?: string;
}

/**
 * One sitemap file. The protocol caps a file at 50,000 URLs; the builder splits larger sites into a
 * sitemap index (see renderSitemapIndex).
 */
export function renderSitemap(entries: SitemapEntry[]): string {
  return sitemapFile(entries.map((e) => sitemapLine(e.loc, e.lastmod)).join('\n'));
}

/** One `<url>` line of a sitemap; the builder keeps each item's line between builds. */
export function sitemapLine(loc: string, lastmod?: string): string {
  return lastmod ? `<url><loc>${xmlEscape(loc)}</loc><lastmod>${w3cDate(lastmod)}</lastmod></url>` : `<url><loc>${xmlEscape(loc)}</loc></url>`;
}

/** A sitemap file around `urls`: sitemapLine()s joined with newlines (empty for none). */
export function sitemapFile(urls: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls === '' ? '' : `${urls}\n`}</urlset>\n`;
}

export function renderSitemapIndex(locs: string[]): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'];
  for (const loc of locs) out.push(`<sitemap><loc>${xmlEscape(loc)}</loc></sitemap>`);
  out.push('</sitemapindex>', '');
  return out.join('\n');
}

export const SITEMAP_MAX_URLS = 50_000;
