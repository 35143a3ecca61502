/**
 * The CMS as a user meets it on the command line: content with revisions, publishing and scheduling,
 * search, slug conflicts; the forum with a locked thread; media checked by content; the static site
 * built incrementally; and `cms status` agreeing with it all. Runs the BUILT CLI in fresh workspaces.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, show, sleep, tempDir, workspace, type Workspace } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

interface Content {
  id: string;
  slug: string;
  type: 'post' | 'page';
  title: string;
  status: 'draft' | 'published' | 'scheduled';
  tags: string[];
  revision: number;
  publishAt: string | null;
  body?: string;
  warnings?: string[];
}

/** Runs a human-mode command, asserts exit 0 and returns its output. */
async function human(ws: Workspace, args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  const r = await ws.raos(args, { input });
  expect(r.code, show(args, r)).toBe(0);
  return r;
}

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('CMS content, site and status through the CLI', () => {
  let ws: Workspace;
  let files: string;
  /** When `about` goes live (set by the schedule test). */
  let aboutAt = 0;

  beforeAll(async () => {
    ws = await workspace();
    files = tempDir();
  });

  it('creates content from a file and from standard input, printing the slug; a missing file names the flag', async () => {
    const bodyFile = path.join(files, 'post.md');
    writeFileSync(bodyFile, '# Dragons\n\nThree dragons guard the **treasure**.\n');
    const created = await human(ws, ['cms', 'content', 'create', '--title', 'First post', '--body-file', bodyFile, '--tag', 'news,lore']);
    expect(created.stdout).toBe('first-post\n');
    expect(created.stderr).toMatch(/created post 'First post' \(c_[0-9a-z]+\) as draft, revision 1/);

    const about = await ws.ok<Content>(['cms', 'content', 'create', '--title', 'About', '--type', 'page', '--slug', 'about', '--body', '-'], { input: 'We write about *wyverns*.\n' });
    expect(about).toMatchObject({ slug: 'about', type: 'page', status: 'draft', revision: 1, warnings: [] });

    const missing = await ws.fails(['cms', 'content', 'create', '--title', 'Nope', '--body-file', path.join(files, 'nope.md')], 'INVALID_INPUT', 2);
    expect(missing.message).toContain('--body-file');
    expect(missing.message).toContain('nope.md');

    const [list, shown, table] = await Promise.all([
      ws.ok<{ items: Content[]; total: number }>(['cms', 'content', 'list']),
      ws.ok<Content>(['cms', 'content', 'show', 'first-post']),
      human(ws, ['cms', 'content', 'list', '--type', 'post']),
    ]);
    expect(list.total).toBe(2);
    expect(list.items.map((i) => i.slug).sort()).toEqual(['about', 'first-post']);
    expect(shown).toMatchObject({ title: 'First post', tags: ['news', 'lore'], body: readFileSync(bodyFile, 'utf8') });
    expect(table.stdout.split('\n')[0]).toMatch(/^SLUG\s+TYPE\s+STATUS\s+TITLE\s+TAGS\s+REV\s+UPDATED$/);
    expect(table.stdout).toMatch(/first-post\s+post\s+draft\s+First post\s+news, lore\s+1\s/);
  });

  it('keeps revisions: update, history, restore brings the old body back as a new revision', async () => {
    const updated = await ws.ok<Content>(['cms', 'content', 'update', 'first-post', '--body', 'Only one dragon left.', '--if-revision', '1']);
    expect(updated.revision).toBe(2);
    await ws.fails(['cms', 'content', 'update', 'first-post', '--title', 'Stale', '--if-revision', '1'], 'CONFLICT', 4);
    const history = await ws.ok<{ revisions: { revision: number; action: string }[] }>(['cms', 'content', 'history', 'first-post']);
    expect(history.revisions.map((r) => [r.revision, r.action])).toEqual([[1, 'create'], [2, 'update']]);

    const restored = await ws.ok<Content>(['cms', 'content', 'restore', 'first-post', '--revision', '1']);
    expect(restored.revision).toBe(3);
    const text = await human(ws, ['cms', 'content', 'show', 'first-post']);
    expect(text.stdout.split('\n')[0]).toBe('First post');
    expect(text.stdout).toContain('revision:   3');
    expect(text.stdout).toContain('Three dragons guard the **treasure**.');
    const html = await human(ws, ['cms', 'content', 'show', 'first-post', '--html']);
    expect(html.stdout).toContain('<strong>treasure</strong>');
  });

  it('publishes, refuses a schedule in the past, schedules one in the future; finds by a body word; a taken slug is CONFLICT', async () => {
    expect((await ws.ok<Content>(['cms', 'content', 'publish', 'first-post'])).status).toBe('published');
    const past = await ws.fails(['cms', 'content', 'schedule', 'about', '--at', '2001-01-01T00:00:00Z'], 'INVALID_INPUT', 2);
    expect(past.message).toContain('not in the future');
    aboutAt = Date.now() + 2500;
    const scheduled = await ws.ok<Content>(['cms', 'content', 'schedule', 'about', '--at', new Date(aboutAt).toISOString()]);
    expect(scheduled).toMatchObject({ status: 'scheduled', publishAt: new Date(aboutAt).toISOString() });

    const search = await ws.ok<{ hits: { slug: string }[] }>(['cms', 'content', 'search', 'treasure']);
    expect(search.hits.map((h) => h.slug)).toEqual(['first-post']);
    const conflict = await ws.raos(['cms', 'content', 'create', '--title', 'Another about', '--slug', 'about', '--json']);
    expect(conflict.code, show(['cms', 'content', 'create', '--slug', 'about'], conflict)).toBe(4);
    expect(conflict.json()).toMatchObject({ error: { code: 'CONFLICT' } });

    await sleep(Math.max(0, aboutAt + 200 - Date.now()));
    const published = await ws.ok<{ items: Content[] }>(['cms', 'content', 'list', '--status', 'published']);
    expect(published.items.map((i) => i.slug).sort()).toEqual(['about', 'first-post']);
  });

  it('builds the site into site/, and a second build writes nothing; status agrees', async () => {
    const first = await ws.ok<{ pages: number; written: number; outDir: string }>(['cms', 'build']);
    expect(first.outDir).toBe(path.join(ws.root, 'site'));
    expect(first.written).toBeGreaterThan(0);
    expect(existsSync(path.join(ws.root, 'site', 'index.html'))).toBe(true);
    expect(readFileSync(path.join(ws.root, 'site', 'feed.xml'), 'utf8')).toContain('First post');
    const second = await human(ws, ['cms', 'build']);
    expect(second.stdout).toMatch(/^built \d+ pages? \(\d+ files with feed, sitemap and assets\) in \d+ ms into /);
    expect(second.stdout).toMatch(/written {4}0\n/);

    const status = await ws.ok<{
      content: Record<string, Record<string, number>>;
      lastBuild: { pages: number; written: number } | null;
      site: { outDir: string };
    }>(['cms', 'status']);
    expect(status.content).toEqual({ post: { draft: 0, published: 1, scheduled: 0 }, page: { draft: 0, published: 1, scheduled: 0 } });
    expect(status.lastBuild).toMatchObject({ pages: first.pages, written: 0 });
    expect(status.site.outDir).toBe(path.join(ws.root, 'site'));
  });
});

describe('CMS forum and media through the CLI', () => {
  it('runs a forum: a locked thread refuses a User’s reply; media is checked by its bytes; status counts them', async () => {
    const ws = await workspace();
    const files = tempDir();
    await ws.ok(['auth', 'user', 'create', 'bob', '--role', 'User']);
    expect((await human(ws, ['cms', 'forum', 'category', 'create', 'General', '--description', 'Anything'])).stdout).toBe('general\n');
    const thread = await ws.ok<{ id: string }>(['cms', 'forum', 'thread', 'create', 'general', '--title', 'Welcome', '--body', '-'], { input: 'Say **hello**.\n' });
    expect(thread.id).toMatch(/^t_[0-9a-z]{12}$/);
    await ws.fails(['cms', 'forum', 'thread', 'create', 'general', '--title', 'Empty'], 'INVALID_INPUT', 2);
    expect((await ws.ok<{ seq: number }>(['cms', 'forum', 'reply', thread.id, '--body', 'Hello from bob', '--as', 'bob'])).seq).toBe(1);
    expect((await ws.ok<{ locked: boolean }>(['cms', 'forum', 'lock', thread.id])).locked).toBe(true);
    const denied = await ws.fails(['cms', 'forum', 'reply', thread.id, '--body', 'Still here', '--as', 'bob'], 'FORBIDDEN', 6);
    expect(denied.message).toContain('locked');

    const [categories, shown, threads] = await Promise.all([
      ws.ok<{ categories: { slug: string; threads: number; posts: number }[] }>(['cms', 'forum', 'list']),
      ws.ok<{ title: string; locked: boolean; posts: { seq: number; author: { name: string } }[] }>(['cms', 'forum', 'show', thread.id]),
      human(ws, ['cms', 'forum', 'list', 'general']),
    ]);
    expect(categories.categories).toMatchObject([{ slug: 'general', threads: 1, posts: 2 }]);
    expect(shown).toMatchObject({ title: 'Welcome', locked: true, posts: [{ seq: 1, author: { name: 'bob' } }] });
    expect(threads.stdout).toMatch(new RegExp(`${thread.id}\\s+locked\\s+Welcome\\s+\\S+\\s+1\\s`));

    const png = path.join(files, 'dot.png');
    writeFileSync(png, PNG);
    const fake = path.join(files, 'photo.png');
    writeFileSync(fake, '<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n');
    const added = await human(ws, ['cms', 'media', 'add', png]);
    expect(added.stdout).toMatch(/^m_[0-9a-z]{12}\n$/);
    expect(added.stderr).toContain('added dot.png (image/png');
    await ws.fails(['cms', 'media', 'add', fake], 'INVALID_INPUT', 2);
    const missing = await ws.fails(['cms', 'media', 'add', path.join(files, 'gone.png')], 'INVALID_INPUT', 2);
    expect(missing.message).toContain('gone.png');
    const media = await ws.ok<{ id: string; name: string; mime: string; size: number }[]>(['cms', 'media', 'list']);
    expect(media).toMatchObject([{ id: added.stdout.trim(), name: 'dot.png', mime: 'image/png', size: PNG.length }]);

    const status = await ws.ok<{ forum: unknown; media: unknown; plugins: unknown[]; lastBuild: unknown }>(['cms', 'status']);
    expect(status).toMatchObject({ forum: { categories: 1, threads: 1, posts: 2 }, media: { files: 1, bytes: PNG.length }, plugins: [], lastBuild: null });
  });
});
