import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { Parser } from 'htmlparser2';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RaosError } from '../../../../src/kernel/errors.js';
import {
  buildSite,
  defaultThemeDir,
  slugifyTag,
  type BuildReport,
  type SiteItem,
  type SiteOptions,
  type SiteSource,
} from '../../../../src/modules/cms/site/build.js';
import { loadManifest } from '../../../../src/modules/cms/site/output.js';
import { useTempDirs } from '../../../helpers.js';

const tempDir = useTempDirs();
const SITE_URL = 'http://localhost:7070/site/';

/**
 * An in-memory SiteSource that records every html() call. `fresh` hands out new copies on every call;
 * `frozen` hands out the same frozen objects until an item is edited, as the CMS does.
 */
class FakeSource implements SiteSource {
  readonly #items = new Map<string, { item: SiteItem; body: string }>();
  htmlCalls: string[][] = [];

  constructor(readonly mode: 'fresh' | 'frozen' = 'fresh') {}

  #own(item: SiteItem): SiteItem {
    return this.mode === 'frozen' ? Object.freeze(item) : item;
  }

  add(item: Partial<SiteItem> & { id: string }, body = `<p>Body of ${item.id}</p>`): this {
    this.#items.set(item.id, {
      item: this.#own({
        type: 'post',
        slug: item.id,
        title: `Title ${item.id}`,
        tags: [],
        publishedAt: '2024-01-01T00:00:00Z',
        updatedAt: item.publishedAt ?? '2024-01-01T00:00:00Z',
        revision: 1,
        excerpt: `Excerpt of ${item.id}`,
        author: 'ada',
        ...item,
      }),
      body,
    });
    return this;
  }

  edit(id: string, patch: Partial<SiteItem>, body?: string): void {
    const entry = this.#items.get(id)!;
    entry.item = this.#own({ ...entry.item, ...patch, revision: entry.item.revision + 1 });
    if (body !== undefined) entry.body = body;
  }

  remove(id: string): void {
    this.#items.delete(id);
  }

  async items(): Promise<SiteItem[]> {
    return [...this.#items.values()].map(({ item }) => (this.mode === 'frozen' ? item : structuredClone(item)));
  }

  async html(ids: string[]): Promise<Map<string, string>> {
    this.htmlCalls.push([...ids]);
    return new Map(ids.map((id) => [id, this.#items.get(id)!.body]));
  }

  requestedIds(): string[] {
    return this.htmlCalls.flat().sort();
  }
}

function day(n: number): string {
  return new Date(Date.UTC(2024, 0, 1 + n, 12)).toISOString();
}

function sampleSource(mode: 'fresh' | 'frozen' = 'fresh'): FakeSource {
  return new FakeSource(mode)
    .add({ id: 'p1', slug: 'first', title: 'First post', tags: ['news', 'C++'], publishedAt: day(1) })
    .add({ id: 'p2', slug: 'second', title: 'Second post', tags: ['news'], publishedAt: day(2) })
    .add({ id: 'p3', slug: 'third', title: 'Third post', tags: ['c', 'rare'], publishedAt: day(3) })
    .add({ id: 'p4', slug: 'fourth', title: 'Fourth post', tags: ['news', 'Café'], publishedAt: day(4) }, '<p>Four <a href="https://example.com/x">out</a></p>')
    .add({ id: 'a1', type: 'page', slug: 'about', title: 'About', tags: [], publishedAt: day(0) })
    .add({ id: 'a2', type: 'page', slug: 'contact', title: 'Contact', tags: ['news'], publishedAt: day(0) });
}

function options(outDir: string, extra: Partial<SiteOptions> = {}): SiteOptions {
  return {
    outDir,
    themeDir: defaultThemeDir(),
    site: { title: 'My site', description: 'Things I wrote', url: SITE_URL },
    ...extra,
  };
}

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name)).split('\\').join('/')],
  );
}

function links(html: string): string[] {
  const found: string[] = [];
  const parser = new Parser({
    onopentag(_name, attrs) {
      for (const attr of ['href', 'src']) if (attrs[attr] !== undefined) found.push(attrs[attr]);
    },
  });
  parser.write(html);
  parser.end();
  return found;
}

/** Every relative href/src in every .html file must name an existing file inside outDir. */
function assertLinksResolve(outDir: string): number {
  let checked = 0;
  for (const file of walk(outDir).filter((f) => f.endsWith('.html'))) {
    const html = readFileSync(join(outDir, file), 'utf8');
    for (const href of links(html)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
        if (!href.startsWith('https://example.com/')) expect(href.startsWith(SITE_URL), `${file}: ${href}`).toBe(true);
        continue;
      }
      const path = decodeURIComponent(href.replace(/[?#].*$/, ''));
      let target = resolve(dirname(join(outDir, file)), path);
      if (path.endsWith('/') || path === '' || (existsSync(target) && statSync(target).isDirectory())) target = join(target, 'index.html');
      expect(relative(outDir, target).startsWith('..'), `${file}: ${href} leaves the site`).toBe(false);
      expect(existsSync(target), `${file}: ${href} → ${relative(outDir, target)}`).toBe(true);
      checked++;
    }
  }
  return checked;
}

const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['item', 'url', 'category'].includes(name) });

function readFeed(outDir: string) {
  const text = readFileSync(join(outDir, 'feed.xml'), 'utf8');
  return { text, rss: xml.parse(text, true).rss };
}

function readSitemap(outDir: string): string[] {
  const text = readFileSync(join(outDir, 'sitemap.xml'), 'utf8');
  return xml.parse(text, true).urlset.url.map((u: { loc: string }) => u.loc);
}

const read = (outDir: string, path: string) => readFileSync(join(outDir, path), 'utf8');

describe('slugifyTag', () => {
  it('makes lower-case ASCII slugs and never returns an empty one', () => {
    expect(slugifyTag('Hello World')).toBe('hello-world');
    expect(slugifyTag('Café')).toBe('cafe');
    expect(slugifyTag('C++')).toBe('c');
    expect(slugifyTag('  --Node.js--  ')).toBe('node-js');
    expect(slugifyTag('++')).toMatch(/^tag-[0-9a-f]{6}$/);
    expect(slugifyTag('日本')).toMatch(/^tag-[0-9a-f]{6}$/);
    expect(slugifyTag('日本')).not.toBe(slugifyTag('中国'));
  });
});

describe('buildSite', () => {
  it('builds a site whose internal links all resolve, with a valid feed and sitemap', async () => {
    const out = tempDir();
    const source = sampleSource();
    const report = await buildSite(source, options(out));

    const files = walk(out).sort();
    expect(files).toEqual(
      [
        '.raos-build.json',
        'assets/style.css',
        'feed.xml',
        'index.html',
        'pages/about/index.html',
        'pages/contact/index.html',
        'posts/first/index.html',
        'posts/fourth/index.html',
        'posts/second/index.html',
        'posts/third/index.html',
        'sitemap.xml',
        'tags/c/index.html',
        `tags/c-${files.find((f) => /^tags\/c-[0-9a-f]{6}\//.test(f))!.slice(7, 13)}/index.html`,
        'tags/cafe/index.html',
        'tags/index.html',
        'tags/news/index.html',
        'tags/rare/index.html',
      ].sort(),
    );
    expect(report).toMatchObject({ pages: 13, outputs: 16, written: 16, unchanged: 0, deleted: 0, manifest: 'missing', outDir: resolve(out) });
    expect(assertLinksResolve(out)).toBeGreaterThan(50);

    // Relative links from a nested page, and the body HTML unescaped.
    const fourth = read(out, 'posts/fourth/index.html');
    expect(fourth).toContain('<p>Four <a href="https://example.com/x">out</a></p>');
    expect(fourth).toContain('href="../../assets/style.css?v=');
    expect(fourth).toContain('href="../../posts/third/index.html"');
    expect(fourth).toContain(`<link rel="canonical" href="${SITE_URL}posts/fourth/">`);

    // C++ and c share the slug "c": the tag spelled "c" keeps it, C++ gets its own page.
    const cpp = files.find((f) => /^tags\/c-[0-9a-f]{6}\/index\.html$/.test(f))!;
    expect(read(out, cpp)).toContain('Tagged “C++”');
    expect(read(out, cpp)).toContain('First post');
    expect(read(out, cpp)).not.toContain('Third post');
    expect(read(out, 'tags/c/index.html')).toContain('Third post');
    expect(read(out, 'tags/c/index.html')).not.toContain('First post');
    // Tag pages list pages too; the home page lists posts only, newest first.
    expect(read(out, 'tags/news/index.html')).toContain('Contact');
    const home = read(out, 'index.html');
    expect(home).not.toContain('<h2><a href="pages/contact/index.html">');
    expect(home.indexOf('Fourth post')).toBeLessThan(home.indexOf('First post'));

    const { rss } = readFeed(out);
    expect(rss['@_version']).toBe('2.0');
    const items = rss.channel.item;
    expect(items.map((i: { link: string }) => i.link)).toEqual(['fourth', 'third', 'second', 'first'].map((s) => `${SITE_URL}posts/${s}/`));
    const dates = items.map((i: { pubDate: string }) => Date.parse(i.pubDate));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    expect(items[0].pubDate).toBe(new Date(day(4)).toUTCString());
    expect(items[3].category).toEqual(['news', 'C++']);

    const locs = readSitemap(out);
    expect(locs).toHaveLength(13);
    expect(new Set(locs)).toEqual(
      new Set([
        SITE_URL,
        ...['first', 'second', 'third', 'fourth'].map((s) => `${SITE_URL}posts/${s}/`),
        `${SITE_URL}pages/about/`,
        `${SITE_URL}pages/contact/`,
        `${SITE_URL}tags/`,
        ...['c', 'cafe', 'news', 'rare', cpp.slice(5, 13)].map((s) => `${SITE_URL}tags/${s}/`),
      ]),
    );
    expect(read(out, 'sitemap.xml')).toContain(`<lastmod>${day(1).replace('.000Z', 'Z')}</lastmod>`);
  });

  it('links to folders with directoryLinks, and the links still resolve', async () => {
    const out = tempDir();
    await buildSite(sampleSource(), options(out, { site: { title: 'S', description: 'D', url: SITE_URL, directoryLinks: true } }));
    expect(read(out, 'posts/fourth/index.html')).toContain('href="../../posts/third/"');
    expect(read(out, 'posts/fourth/index.html')).toContain('href="../../"');
    assertLinksResolve(out);
  });

  it('rebuilds nothing when nothing changed, and only what shows an edited post', async () => {
    const out = tempDir();
    const source = sampleSource();
    await buildSite(source, options(out));

    source.htmlCalls = [];
    const manifestTime = statSync(join(out, '.raos-build.json')).mtimeMs;
    const again = await buildSite(source, options(out));
    expect(again).toMatchObject({ written: 0, deleted: 0, unchanged: 16, manifest: 'used' });
    expect(source.htmlCalls).toEqual([]);
    expect(statSync(join(out, '.raos-build.json')).mtimeMs).toBe(manifestTime);

    const before = new Map(walk(out).map((f) => [f, statSync(join(out, f)).mtimeMs]));
    source.edit('p2', { updatedAt: day(9), excerpt: 'A new excerpt' }, '<p>Edited body</p>');
    const edited = await buildSite(source, options(out));
    expect(source.requestedIds()).toEqual(['p2']);
    expect(edited.files.written).toEqual(['feed.xml', 'index.html', 'posts/second/index.html', 'sitemap.xml', 'tags/news/index.html']);
    expect(edited.written).toBe(5);
    expect(read(out, 'posts/second/index.html')).toContain('<p>Edited body</p>');
    expect(read(out, 'index.html')).toContain('A new excerpt');
    for (const [file, mtime] of before) {
      if (!edited.files.written.includes(file) && file !== '.raos-build.json') expect(statSync(join(out, file)).mtimeMs, file).toBe(mtime);
    }

    // A title change reaches the neighbours' prev/next links too (they are rendered again, without asking for other bodies than needed).
    source.htmlCalls = [];
    source.edit('p2', { title: 'Second, renamed' });
    const renamed = await buildSite(source, options(out));
    expect(source.requestedIds()).toEqual(['p1', 'p2', 'p3']);
    expect(renamed.files.written).toContain('posts/first/index.html');
    expect(read(out, 'posts/third/index.html')).toContain('Second, renamed');
  });

  it('deletes the outputs of a removed post, keeps the user’s files, and prunes emptied folders', async () => {
    const out = tempDir();
    const source = sampleSource();
    writeFileSync(join(out, 'CNAME'), 'example.com');
    await buildSite(source, options(out));
    writeFileSync(join(out, 'posts', 'notes.txt'), 'mine');

    const cpp = walk(out).find((f) => /^tags\/c-[0-9a-f]{6}\//.test(f))!;

    source.remove('p3');
    const report = await buildSite(source, options(out));
    expect(report.files.deleted).toEqual(['posts/third/index.html', cpp, 'tags/rare/index.html'].sort());
    expect(report.deleted).toBe(3);
    // With the tag "c" gone, "C++" is alone with its slug and takes the plain URL.
    expect(read(out, 'tags/c/index.html')).toContain('Tagged “C++”');
    expect(existsSync(join(out, 'posts/third'))).toBe(false);
    expect(existsSync(join(out, 'tags/rare'))).toBe(false);
    expect(read(out, 'CNAME')).toBe('example.com');
    expect(read(out, 'posts/notes.txt')).toBe('mine');
    expect(read(out, 'tags/index.html')).not.toContain('rare');
    expect(readFeed(out).rss.channel.item).toHaveLength(3);
    assertLinksResolve(out);
  });

  it('re-renders every page when the theme, the site options or the fingerprint change', async () => {
    const out = tempDir();
    const theme = join(tempDir(), 'theme');
    cpSync(defaultThemeDir(), theme, { recursive: true });
    const source = sampleSource();
    await buildSite(source, options(out, { themeDir: theme }));

    // Only the CSS changes, yet every page links it with a new version.
    writeFileSync(join(theme, 'assets', 'style.css'), 'body { color: red }\n', { flag: 'a' });
    source.htmlCalls = [];
    const report = await buildSite(source, options(out, { themeDir: theme }));
    expect(report.written).toBe(report.pages + 1);
    expect(source.requestedIds()).toEqual(['a1', 'a2', 'p1', 'p2', 'p3', 'p4']);

    writeFileSync(join(theme, 'post.mustache'), '<article class="post"><h1>{{title}}</h1>{{{body}}}</article>');
    const report2 = await buildSite(source, options(out, { themeDir: theme }));
    expect(report2.files.written.filter((f) => f.startsWith('posts/'))).toHaveLength(4);

    source.htmlCalls = [];
    const report3 = await buildSite(source, options(out, { themeDir: theme, fingerprint: 'plugin-a@1' }));
    expect(report3.unchanged).toBe(report3.outputs); // same bytes: rendered again, not written
    expect(source.requestedIds()).toHaveLength(6);
  });

  it('treats a corrupt or hostile manifest as absent: a full build, nothing deleted outside its outputs', async () => {
    const out = tempDir();
    const source = sampleSource();
    await buildSite(source, options(out));

    writeFileSync(join(out, '.raos-build.json'), '{"version":1,"outputs":{"index.html":');
    const corrupt = await buildSite(source, options(out));
    expect(corrupt).toMatchObject({ manifest: 'corrupt', written: 16, deleted: 0 });

    const outside = join(tempDir(), 'precious.txt');
    writeFileSync(outside, 'keep');
    writeFileSync(join(out, '.raos-build.json'), JSON.stringify({ version: 1, outputs: { [relative(out, outside)]: ['a', 'b'] } }));
    const hostile = await buildSite(source, options(out));
    expect(hostile).toMatchObject({ manifest: 'corrupt', deleted: 0 });
    expect(readFileSync(outside, 'utf8')).toBe('keep');

    const forced = await buildSite(source, options(out, { force: true }));
    expect(forced).toMatchObject({ manifest: 'forced', written: 16 });
  });

  it('escapes titles, tags, authors and excerpts everywhere but the body', async () => {
    const out = tempDir();
    const evil = '<script>alert(1)</script>';
    const source = new FakeSource().add(
      { id: 'x', slug: 'x', title: evil, tags: [evil], author: `"${evil}`, excerpt: `${evil} & more` },
      '<p>safe body</p>',
    );
    await buildSite(source, options(out, { site: { title: evil, description: evil, url: SITE_URL } }));

    for (const file of walk(out).filter((f) => f.endsWith('.html') || f.endsWith('.xml'))) {
      const text = read(out, file);
      expect(text, file).not.toContain('<script>');
      expect(text, file).not.toContain('alert(1)</script>');
    }
    expect(read(out, 'posts/x/index.html')).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(read(out, 'posts/x/index.html')).toContain('<p>safe body</p>');
    const { text, rss } = readFeed(out);
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(rss.channel.title).toBe(evil);
    expect(rss.channel.item[0].title).toBe(evil);
    expect(rss.channel.item[0].description).toBe(`${evil} & more`);
    expect(rss.channel.item[0].category).toEqual([evil]);
    expect(readSitemap(out)).toContain(`${SITE_URL}posts/x/`);
    assertLinksResolve(out);
  });

  it('paginates the home page and tag pages, and deletes pages that are no longer needed', async () => {
    const out = tempDir();
    const source = new FakeSource();
    for (let i = 1; i <= 5; i++) source.add({ id: `p${i}`, title: `Post ${i}`, tags: i <= 3 ? ['t'] : [], publishedAt: day(i) });
    const opts = options(out, { site: { title: 'S', description: 'D', url: SITE_URL, postsPerPage: 2 } });
    await buildSite(source, opts);

    const titlesOn = (path: string) => [...read(out, path).matchAll(/<h2><a href="[^"]*">([^<]*)<\/a><\/h2>/g)].map((m) => m[1]);
    expect(titlesOn('index.html')).toEqual(['Post 5', 'Post 4']);
    expect(titlesOn('page/2/index.html')).toEqual(['Post 3', 'Post 2']);
    expect(titlesOn('page/3/index.html')).toEqual(['Post 1']);
    expect(existsSync(join(out, 'page/4'))).toBe(false);
    expect(titlesOn('tags/t/index.html')).toEqual(['Post 3', 'Post 2']);
    expect(titlesOn('tags/t/page/2/index.html')).toEqual(['Post 1']);
    expect(read(out, 'index.html')).toContain('<a rel="next" href="page/2/index.html">');
    expect(read(out, 'page/2/index.html')).toContain('<a rel="prev" href="../../index.html">');
    expect(read(out, 'page/2/index.html')).toContain('<a rel="next" href="../../page/3/index.html">');
    expect(read(out, 'page/3/index.html')).not.toContain('rel="next"');
    expect(read(out, 'tags/t/page/2/index.html')).toContain('<a rel="prev" href="../../../../tags/t/index.html">');
    assertLinksResolve(out);

    source.remove('p1');
    const report = await buildSite(source, opts);
    expect(report.files.deleted).toEqual(['page/3/index.html', 'posts/p1/index.html', 'tags/t/page/2/index.html']);
    expect(existsSync(join(out, 'page'))).toBe(true);
    expect(existsSync(join(out, 'tags/t/page'))).toBe(false);
    assertLinksResolve(out);
  });

  it('applies transforms to bodies and reports progress', async () => {
    const out = tempDir();
    const progress: [number, number, string][] = [];
    await buildSite(sampleSource(), {
      ...options(out),
      transform: async (html, item) => `${html}<p class="stamp">${item.id}</p>`,
      onProgress: (done, total, phase) => progress.push([done, total, phase]),
    });
    expect(read(out, 'posts/first/index.html')).toContain('<p class="stamp">p1</p>');
    const render = progress.filter(([, , phase]) => phase === 'render');
    expect(render[0]).toEqual([0, 16, 'render']);
    expect(render.at(-1)).toEqual([16, 16, 'render']);
    expect(render.map(([done]) => done)).toEqual([...render.map(([done]) => done)].sort((a, b) => a - b));

    const failing = buildSite(sampleSource(), { ...options(tempDir()), transform: async () => Promise.reject(new Error('boom')) });
    await expect(failing).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('boom') });
  });

  it('recovers from a build that failed halfway, leaving no temp files', async () => {
    const out = tempDir();
    const source = sampleSource();
    const failing = buildSite(source, {
      ...options(out),
      transform: async (html, item) => {
        if (item.id === 'p3') throw new Error('plugin broke');
        return html;
      },
    });
    await expect(failing).rejects.toMatchObject({ code: 'INTERNAL', details: { itemId: 'p3' } });
    expect(walk(out).filter((f) => f.includes('.raos-') && f.endsWith('.tmp'))).toEqual([]);

    source.remove('p1');
    const report = await buildSite(source, options(out));
    expect(report.manifest).toBe('used');
    expect(existsSync(join(out, 'posts/first'))).toBe(false);
    assertLinksResolve(out);
    const again = await buildSite(source, options(out));
    expect(again.written).toBe(0);
  });

  it('fails with CONFLICT when the source has no HTML for an item it listed', async () => {
    const source = sampleSource();
    source.html = async () => new Map();
    await expect(buildSite(source, options(tempDir()))).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses the filesystem root, a file, bad options and bad items', async () => {
    const source = sampleSource();
    await expect(buildSite(source, options('/'))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const file = join(tempDir(), 'file.txt');
    writeFileSync(file, 'x');
    await expect(buildSite(source, options(file))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(buildSite(source, options(join(defaultThemeDir(), 'out')))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(buildSite(source, options(tempDir(), { site: { title: 't', description: 'd', url: '/site/' } }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('site.url'),
    });
    const bad = new FakeSource().add({ id: 'x', slug: '../etc' });
    const err = await buildSite(bad, options(tempDir())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RaosError);
    expect((err as RaosError).message).toContain('items.0.slug');
    const missingTheme = join(tempDir(), 'empty-theme');
    mkdirSync(missingTheme);
    await expect(buildSite(source, options(tempDir(), { themeDir: missingTheme }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('buildSite, rebuilding in one process', () => {
  /** The outputs (without the manifest), path → text. */
  const outputs = (outDir: string) => new Map(walk(outDir).filter((f) => f !== '.raos-build.json').sort().map((f) => [f, read(outDir, f)]));

  it('gives the site a build from scratch gives, whether the source hands out the same frozen objects or fresh copies', async () => {
    const frozen = sampleSource('frozen');
    const fresh = sampleSource('fresh');
    const frozenOut = tempDir();
    const freshOut = tempDir();
    const opts = (outDir: string) =>
      options(outDir, {
        site: { title: 'S', description: 'D', url: SITE_URL, postsPerPage: 2 },
        transform: async (html, item) => `${html}<p class="tags">${item.tags.join('|')}</p>`,
      });
    const both = async (change?: (source: FakeSource) => void) => {
      change?.(frozen);
      change?.(fresh);
      frozen.htmlCalls = [];
      fresh.htmlCalls = [];
      const a = await buildSite(frozen, opts(frozenOut));
      const b = await buildSite(fresh, opts(freshOut));
      expect({ ...a, ms: 0, outDir: '' }).toEqual({ ...b, ms: 0, outDir: '' });
      expect(frozen.requestedIds()).toEqual(fresh.requestedIds());
      const scratchOut = tempDir();
      await buildSite(sampleSourceLike(fresh), opts(scratchOut));
      const got = outputs(frozenOut);
      expect(outputs(freshOut)).toEqual(got);
      expect(outputs(scratchOut)).toEqual(got);
      // Input hashes depend on the inputs only: the manifests are the same text too.
      expect(read(frozenOut, '.raos-build.json')).toBe(read(scratchOut, '.raos-build.json'));
      expect(read(freshOut, '.raos-build.json')).toBe(read(scratchOut, '.raos-build.json'));
      return a;
    };
    /** A fresh source with the same items and bodies (nothing of it was seen before). */
    const sampleSourceLike = (source: FakeSource): SiteSource => ({ items: () => source.items(), html: (ids) => source.html(ids) });

    await both();
    expect((await both()).written).toBe(0);

    await both((s) => s.edit('p2', { title: 'Second, renamed', excerpt: 'New excerpt' }));
    expect(readFeed(frozenOut).rss.channel.item.map((i: { title: string }) => i.title)).toContain('Second, renamed');
    expect(read(frozenOut, 'posts/first/index.html')).toContain('Second, renamed');
    expect(read(frozenOut, 'tags/news/index.html')).toContain('New excerpt');

    // Tags cleaned (trimmed, blank dropped, each once) before the transform sees them; "c" and "C++" share a slug.
    await both((s) => s.edit('p3', { tags: [' c ', 'C++', '', 'c'] }));
    expect(read(frozenOut, 'posts/third/index.html')).toContain('<p class="tags">c|C++</p>');
    // With "c" gone, "C++" takes its slug: p1, unchanged, now links to tags/c/.
    await both((s) => s.remove('p3'));
    expect(read(frozenOut, 'posts/first/index.html')).toContain('href="../../tags/c/index.html"');

    await both((s) => s.edit('p1', { publishedAt: day(10) }));
    expect(read(frozenOut, 'index.html').indexOf('First post')).toBeGreaterThan(-1);
    await both((s) => s.remove('p4'));
    expect(existsSync(join(frozenOut, 'tags/cafe'))).toBe(false);
    await both((s) => s.add({ id: 'p5', slug: 'fifth', title: 'Fifth post', tags: ['new'], publishedAt: day(5) }));
    await both((s) => s.edit('a2', { type: 'post' }));
    const last = await both((s) => s.edit('p5', { updatedAt: day(20) }, '<p>Edited five</p>'));
    expect(last.files.written).toContain('sitemap.xml');
    expect(read(frozenOut, 'sitemap.xml')).toContain(`<loc>${SITE_URL}posts/fifth/</loc><lastmod>${day(20).replace('.000Z', 'Z')}</lastmod>`);
    expect(read(frozenOut, 'posts/fifth/index.html')).toContain('<p>Edited five</p>');
    assertLinksResolve(frozenOut);
  });

  it('builds one source into two sites with different options, each as a build from scratch would', async () => {
    const source = sampleSource('frozen');
    const siteA = { title: 'A', description: 'D', url: SITE_URL };
    const siteB = { title: 'B', description: 'D', url: 'https://example.org/blog/', postsPerPage: 1, directoryLinks: true };
    const outA = tempDir();
    const outB = tempDir();
    const check = async () => {
      for (const [out, site] of [[outA, siteA], [outB, siteB]] as const) {
        await buildSite(source, options(out, { site }));
        const scratch = tempDir();
        const copies: SiteSource = { items: async () => (await source.items()).map((i) => structuredClone(i)), html: (ids) => source.html(ids) };
        await buildSite(copies, options(scratch, { site }));
        expect(outputs(out)).toEqual(outputs(scratch));
      }
    };
    await check();
    expect(read(outB, 'sitemap.xml')).toContain('<loc>https://example.org/blog/posts/first/</loc>');
    expect(read(outA, 'sitemap.xml')).toContain(`<loc>${SITE_URL}posts/first/</loc>`);
    source.edit('p2', { title: 'Renamed' });
    await check();
    source.remove('p3');
    await check();
  });

  it('honours a manifest changed on disk between two builds', async () => {
    const out = tempDir();
    const source = sampleSource('frozen');
    await buildSite(source, options(out));
    const file = join(out, '.raos-build.json');
    const text = readFileSync(file, 'utf8');

    // Edited in place: one entry dropped, another's input hash changed.
    const data = JSON.parse(text) as { outputs: Record<string, [string, string]> };
    delete data.outputs['posts/first/index.html'];
    data.outputs['index.html'][0] = 'changed';
    writeFileSync(file, JSON.stringify(data, null, 1));
    source.htmlCalls = [];
    const edited = await buildSite(source, options(out));
    expect(edited).toMatchObject({ manifest: 'used', written: 1, unchanged: 15 });
    expect(edited.files.written).toEqual(['posts/first/index.html']);
    expect(source.requestedIds()).toEqual(['p1']);
    // Written again in the builder's own form.
    expect(readFileSync(file, 'utf8')).toBe(text);

    // Replaced by another file of the same size.
    const entry = JSON.stringify(JSON.parse(text).outputs['posts/second/index.html']);
    const replaced = text.replace(entry, `["${entry[2] === 'A' ? 'B' : 'A'}${entry.slice(3)}`);
    expect(replaced).not.toBe(text);
    expect(replaced.length).toBe(text.length);
    writeFileSync(`${file}.new`, replaced);
    renameSync(`${file}.new`, file);
    source.htmlCalls = [];
    expect(await buildSite(source, options(out))).toMatchObject({ manifest: 'used', written: 0 });
    expect(source.requestedIds()).toEqual(['p2']);

    writeFileSync(file, '{"version":1,"outputs":');
    expect(await buildSite(source, options(out))).toMatchObject({ manifest: 'corrupt', written: 16 });
    rmSync(file);
    expect(await buildSite(source, options(out))).toMatchObject({ manifest: 'missing', written: 16 });
    rmSync(out, { recursive: true });
    expect(await buildSite(source, options(out))).toMatchObject({ manifest: 'missing', written: 16 });
    const again = await buildSite(source, options(out));
    expect(again).toMatchObject({ manifest: 'used', written: 0, unchanged: 16 });
    assertLinksResolve(out);
  });

  it('keeps the manifest it wrote in memory while the file is unchanged', async () => {
    const out = resolve(tempDir());
    const source = sampleSource('frozen');
    await buildSite(source, options(out));
    const kept = await loadManifest(out); // takes it: the next build reads the file
    expect(kept.status).toBe('used');
    expect(kept.text).toBeUndefined(); // not read from disk
    expect(kept.order).toContain('index.html');
    expect((await loadManifest(out)).text).toBeDefined();

    await buildSite(source, options(out));
    writeFileSync(join(out, '.raos-build.json'), `${read(out, '.raos-build.json')} `);
    const reread = await loadManifest(out);
    expect(reread.status).toBe('used');
    expect(reread.order).toBeUndefined();
    expect(reread.entries?.size).toBe(16);
  });

  it('rejects a slug or id taken twice after an edit as it would on a first build', async () => {
    const out = tempDir();
    const source = sampleSource('frozen');
    await buildSite(source, options(out));

    source.edit('p2', { slug: 'first' });
    const err = await buildSite(source, options(out)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT', message: 'posts p1 and p2 share the slug "first"' });
    const fresh = sampleSource();
    fresh.edit('p2', { slug: 'first' });
    expect((await buildSite(fresh, options(tempDir())).catch((e: unknown) => e)) as RaosError).toMatchObject({ message: (err as RaosError).message });

    source.edit('p2', { slug: 'second' });
    expect(await buildSite(source, options(out))).toMatchObject({ manifest: 'used' });
    source.edit('a1', { slug: 'contact' });
    await expect(buildSite(source, options(out))).rejects.toMatchObject({ code: 'CONFLICT', message: 'pages a1 and a2 share the slug "contact"' });
    source.edit('a1', { slug: 'about' });

    const twice: SiteSource = {
      items: async () => {
        const items = await source.items();
        return [...items, items[0]];
      },
      html: (ids) => source.html(ids),
    };
    await expect(buildSite(twice, options(out))).rejects.toMatchObject({ code: 'CONFLICT', message: 'site source returned item p1 twice' });
    expect(await buildSite(source, options(out))).toMatchObject({ manifest: 'used', written: 0 });
  });

  it('notices tags changed in place in a frozen item’s (unfrozen) tags array', async () => {
    const out = tempDir();
    const source = sampleSource('frozen');
    await buildSite(source, options(out));
    const [p1] = (await source.items()).filter((i) => i.id === 'p1');
    expect(Object.isFrozen(p1)).toBe(true);
    p1.tags.push('rare');
    const report = await buildSite(source, options(out));
    expect(report.files.written).toContain('tags/rare/index.html');
    expect(read(out, 'tags/rare/index.html')).toContain('First post');
  });
});

describe('buildSite at scale', () => {
  it('at 3,000 posts, a rebuild after one edit asks for that post only and writes a handful of files (timings: bench/cms.mjs)', { timeout: 180_000 }, async () => {
    // Its own folder, removed here: 14,000 files can outlast the afterEach hook's timeout on a busy machine.
    const out = mkdtempSync(join(tmpdir(), 'raos-site-scale-'));
    onTestFinished(() => rm(out, { recursive: true, force: true }));
    const source = new FakeSource();
    const tags = Array.from({ length: 60 }, (_, i) => `topic ${i}`);
    const body = `<p>${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(25)}</p>`;
    for (let i = 0; i < 3_000; i++) {
      source.add(
        {
          id: `post-${i}`,
          slug: `post-${i}`,
          title: `Post number ${i}`,
          tags: [tags[i % 60], tags[(i * 7) % 60], tags[(i * 13) % 60]],
          publishedAt: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(),
        },
        body,
      );
    }
    for (let i = 0; i < 10; i++) source.add({ id: `page-${i}`, type: 'page', slug: `page-${i}`, title: `Page ${i}` });

    const full: BuildReport = await buildSite(source, options(out));
    source.htmlCalls = [];
    const noop = await buildSite(source, options(out));
    source.edit('post-1500', { updatedAt: new Date().toISOString(), excerpt: 'edited' }, `${body}<p>edited</p>`);
    source.htmlCalls = [];
    const edit = await buildSite(source, options(out));

    expect(full.written).toBe(full.outputs);
    expect(noop.written).toBe(0);
    expect(source.requestedIds()).toEqual(['post-1500']);
    expect(edit.written).toBeGreaterThanOrEqual(2);
    expect(edit.written).toBeLessThan(10);
    expect(edit.files.written).toContain('posts/post-1500/index.html');

    // The manifest on disk is the one kept in memory: a new process (nothing kept) finds nothing to do.
    await loadManifest(resolve(out));
    source.htmlCalls = [];
    const restarted = await buildSite(source, options(out));
    expect(restarted).toMatchObject({ manifest: 'used', written: 0 });
    expect(source.htmlCalls).toEqual([]);
  });
});
