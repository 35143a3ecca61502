/**
 * How the CMS commands read their inputs (Markdown bodies from a flag, a file or standard input; files
 * to upload) and print content, revisions, forum threads, media, plugins, builds and status for people.
 * Commands return the objects themselves for --json.
 */
import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { RaosError, toRaosError } from '../kernel/errors.js';
import type {
  ContentDetail,
  ContentView,
  ForumCategoryView,
  ForumPostView,
  ForumThreadView,
  MediaView,
  PluginView,
  RevisionView,
  SearchHit,
} from '../modules/cms/schema.js';
import type { Client } from './connect.js';
import { count, readStdinText } from './game-output.js';
import { formatBytes, table } from './output.js';

export type CmsStatus = Awaited<ReturnType<Client['cms']['status']>>;
export type BuildReport = Awaited<ReturnType<Client['cms']['site']['build']>>;

// ---------------------------------------------------------------------------------------------
// Reading inputs
// ---------------------------------------------------------------------------------------------

/** `--body TEXT|-` and `--body-file FILE`, which exclude each other. */
export function bodyFlags(what: string) {
  return {
    body: Flags.string({ char: 'b', summary: `The ${what} as Markdown text, or - to read it from standard input.`, exclusive: ['body-file'] }),
    'body-file': Flags.string({ char: 'f', summary: `Read the ${what} (Markdown) from this file.`, exclusive: ['body'] }),
  };
}

/**
 * The body given by `--body TEXT`, `--body -` (standard input) or `--body-file FILE`; undefined when
 * neither flag is given (then standard input is never touched). `required` names the flags in the error.
 */
export async function readBody(flags: { body?: string; 'body-file'?: string }, options: { required?: boolean; example: string }): Promise<string | undefined> {
  if (flags['body-file'] !== undefined) return readTextFile(flags['body-file'], '--body-file');
  if (flags.body === '-') return readStdinText('--body', options.example);
  if (flags.body !== undefined) return flags.body;
  if (options.required) {
    throw new RaosError('INVALID_INPUT', 'no text: give --body TEXT, --body - (standard input) or --body-file FILE', { hint: `For example: ${options.example}` });
  }
  return undefined;
}

async function readFileFor(file: string, flag: string, hint: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RaosError('INVALID_INPUT', `${flag}: no file '${file}'`, { hint });
    if (code === 'EISDIR') throw new RaosError('INVALID_INPUT', `${flag}: '${file}' is a folder, not a file`, { hint });
    throw new RaosError('INVALID_INPUT', `${flag}: '${file}' cannot be read (${(err as Error).message})`, { cause: err });
  }
}

/** A UTF-8 text file named by a flag; a missing file is INVALID_INPUT naming the flag and the file. */
export async function readTextFile(file: string, flag: string): Promise<string> {
  return (await readFileFor(file, flag, 'Check the path (a relative path starts from the current folder).')).toString('utf8');
}

/** A file to upload (media, plugin package) as base64; a missing file is INVALID_INPUT naming it. */
export async function readBase64File(file: string, what: string): Promise<string> {
  return (await readFileFor(file, what, 'Check the path (a relative path starts from the current folder).')).toString('base64');
}

/** `--tag a --tag b,c` as ['a', 'b', 'c'] (tags cannot hold commas, so a comma separates them). */
export function tagsFlag(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  return values.flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
}

/** Plugin warnings of a save (the save went through) on standard error; nothing with --json. */
export function warningLines(warnings: readonly string[] | undefined): string[] {
  return (warnings ?? []).map((w) => `warning: ${w}`);
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

/** An ISO time as `2025-01-15 10:30:00` (UTC). */
export function time(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 19).replace('T', ' ') : '';
}

/** `published`, or `scheduled for 2027-01-31 09:00:00`. */
export function statusText(c: Pick<ContentView, 'status' | 'publishAt'>): string {
  return c.status === 'scheduled' && c.publishAt ? `scheduled for ${time(c.publishAt)}` : c.status;
}

export function contentTable(result: { items: ContentView[]; total: number }, offset = 0): string {
  if (result.items.length === 0) return result.total > 0 ? `(none from ${offset + 1}; ${count(result.total, 'item', 'items')} in all)` : '(no content)';
  const text = table(
    result.items.map((c) => ({
      slug: c.slug,
      type: c.type,
      status: statusText(c),
      title: c.title,
      tags: c.tags.join(', '),
      revision: String(c.revision),
      updated: time(c.updatedAt),
    })),
    [
      { key: 'slug', label: 'slug', max: 40 },
      { key: 'type', label: 'type' },
      { key: 'status', label: 'status' },
      { key: 'title', label: 'title', max: 50 },
      { key: 'tags', label: 'tags', max: 30 },
      { key: 'revision', label: 'rev' },
      { key: 'updated', label: 'updated' },
    ],
  );
  const shown = result.items.length;
  if (offset === 0 && shown === result.total) return text;
  return `${text}\n(${offset + 1}-${offset + shown} of ${result.total}${offset + shown < result.total ? `; --offset ${offset + shown} for more` : ''})`;
}

/** Title, meta lines, a blank line, then the Markdown body (or the rendered HTML with `html`). */
export function contentDetails(c: ContentDetail, options: { html?: boolean } = {}): string {
  const revision = c.shownRevision !== undefined ? `${c.shownRevision} (the current one is ${c.revision})` : String(c.revision);
  const lines = [
    c.title,
    `${c.type} · ${statusText(c)} · by ${c.author.name}`,
    `slug:       ${c.slug} (${c.id})`,
    `tags:       ${c.tags.length ? c.tags.join(', ') : '(none)'}`,
    `revision:   ${revision}`,
    `created:    ${time(c.createdAt)}`,
    `updated:    ${time(c.updatedAt)}`,
  ];
  if (c.publishedAt) lines.push(`published:  ${time(c.publishedAt)}`);
  const body = options.html ? (c.html ?? '') : c.body;
  lines.push('', body.length ? body.replace(/\n+$/, '') : '(empty body)');
  return lines.join('\n');
}

export function historyTable(revisions: RevisionView[]): string {
  if (revisions.length === 0) return '(no revisions)';
  return table(
    revisions.map((r) => ({ revision: String(r.revision), action: r.action, author: r.author.name, time: time(r.at), title: r.title })),
    [
      { key: 'revision', label: 'rev' },
      { key: 'action', label: 'action', max: 40 },
      { key: 'author', label: 'author' },
      { key: 'time', label: 'time' },
      { key: 'title', label: 'title', max: 60 },
    ],
  );
}

export function searchTable(hits: SearchHit[]): string {
  if (hits.length === 0) return '(no matches)';
  return table(
    hits.map((h, i) => ({ rank: String(i + 1), slug: h.slug, title: h.title, snippet: h.snippet })),
    [
      { key: 'rank', label: '#' },
      { key: 'slug', label: 'slug', max: 40 },
      { key: 'title', label: 'title', max: 50 },
      { key: 'snippet', label: 'snippet', max: 80 },
    ],
  );
}

export function categoryTable(categories: ForumCategoryView[]): string {
  if (categories.length === 0) return '(no forum categories)';
  return table(
    categories.map((c) => ({ slug: c.slug, name: c.name, threads: String(c.threads), posts: String(c.posts), description: c.description })),
    [
      { key: 'slug', label: 'slug', max: 40 },
      { key: 'name', label: 'name', max: 40 },
      { key: 'threads', label: 'threads' },
      { key: 'posts', label: 'posts' },
      { key: 'description', label: 'description', max: 60 },
    ],
  );
}

/** `pinned, locked`, or '' for neither. */
function threadFlags(t: Pick<ForumThreadView, 'pinned' | 'locked'>): string {
  return [t.pinned ? 'pinned' : '', t.locked ? 'locked' : ''].filter(Boolean).join(', ');
}

export function threadTable(threads: ForumThreadView[]): string {
  if (threads.length === 0) return '(no threads)';
  return table(
    threads.map((t) => ({ id: t.id, flags: threadFlags(t), title: t.title, author: t.author.name, replies: String(t.replies), last: time(t.lastPostAt) })),
    [
      { key: 'id', label: 'id' },
      { key: 'flags', label: 'flags' },
      { key: 'title', label: 'title', max: 50 },
      { key: 'author', label: 'author' },
      { key: 'replies', label: 'replies' },
      { key: 'last', label: 'last post' },
    ],
  );
}

const indent = (text: string) => text.replace(/\n+$/, '').replace(/^/gm, '    ');

/** The thread's title and flags, its opening post, then each reply numbered, oldest first. */
export function threadDetails(t: ForumThreadView & { body: string; posts: ForumPostView[] }): string {
  const flags = threadFlags(t);
  const lines = [
    `${t.title}${flags ? `  [${flags}]` : ''}`,
    `${t.id} in ${t.category} · ${count(t.replies, 'reply', 'replies')} · last post ${time(t.lastPostAt)}`,
    '',
    `${t.author.name} at ${time(t.createdAt)}:`,
    indent(t.body),
  ];
  for (const p of t.posts) lines.push('', `#${p.seq} ${p.author.name} at ${time(p.createdAt)}:`, indent(p.body));
  return lines.join('\n');
}

export function mediaTable(files: MediaView[]): string {
  if (files.length === 0) return '(no media)';
  return table(
    files.map((m) => ({ id: m.id, name: m.name, mime: m.mime, size: formatBytes(m.size), by: m.uploadedBy, added: time(m.createdAt), path: m.path })),
    [
      { key: 'id', label: 'id' },
      { key: 'name', label: 'name', max: 40 },
      { key: 'mime', label: 'type' },
      { key: 'size', label: 'size' },
      { key: 'by', label: 'added by' },
      { key: 'added', label: 'added' },
      { key: 'path', label: 'path' },
    ],
  );
}

/** Why a plugin is off or failing: its disabled reason, else its last error. */
function pluginProblem(p: Pick<PluginView, 'disabledReason' | 'lastError'>): string {
  return p.disabledReason ?? p.lastError ?? '';
}

export function pluginTable(plugins: PluginView[]): string {
  if (plugins.length === 0) return '(no plugins)';
  return table(
    plugins.map((p) => ({
      name: p.name,
      version: p.version,
      enabled: p.enabled ? 'yes' : 'no',
      hooks: p.hooks.join(', '),
      failures: String(p.failures),
      problem: pluginProblem(p),
    })),
    [
      { key: 'name', label: 'name', max: 40 },
      { key: 'version', label: 'version' },
      { key: 'enabled', label: 'enabled' },
      { key: 'hooks', label: 'hooks', max: 40 },
      { key: 'failures', label: 'failures' },
      { key: 'problem', label: 'disabled reason / last error', max: 80 },
    ],
  );
}

export function pluginLine(verb: string, p: PluginView): string {
  return `${verb} plugin ${p.name} ${p.version} (${p.pluginId}); ${p.enabled ? 'enabled' : 'disabled'}`;
}

const MANIFEST_NOTE: Record<string, string> = {
  missing: 'no earlier build here: every page was rendered',
  corrupt: "the last build's manifest was damaged: every page was rendered",
  forced: '--force: every page was rendered',
};

export function buildReport(r: BuildReport): string {
  const lines = [
    `built ${count(r.pages, 'page', 'pages')} (${count(r.outputs, 'file', 'files')} with feed, sitemap and assets) in ${Math.round(r.ms)} ms into ${r.outDir}`,
    `  pages      ${r.pages}`,
    `  written    ${r.written}`,
    `  unchanged  ${r.unchanged}`,
    `  deleted    ${r.deleted}`,
  ];
  const note = MANIFEST_NOTE[r.manifest];
  if (note) lines.push(`  (${note})`);
  return lines.join('\n');
}

/**
 * A one-line progress bar on a terminal: `building  [#####-----] 512/1024 files`, redrawn with \r.
 * `end()` clears the line so the report (or an error) starts on a clean one.
 */
export function progressBar(stream: NodeJS.WriteStream, width = 20) {
  let drawn = false;
  return {
    update(done: number, total: number, phase: string) {
      if (total <= 0) return;
      const filled = Math.min(width, Math.round((done / total) * width));
      const [verb, unit] = phase === 'delete' ? ['deleting', 'stale files'] : phase === 'render' ? ['building', 'files'] : [phase, 'items'];
      stream.write(`\r\x1b[K${verb.padEnd(9)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${unit}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

export function statusReport(s: CmsStatus): string {
  const lines: string[] = ['content'];
  for (const [type, counts] of Object.entries(s.content)) {
    lines.push(`  ${type.padEnd(6)}${Object.entries(counts).map(([status, n]) => `${status} ${n}`).join('  ')}`);
  }
  lines.push(
    `forum       ${count(s.forum.categories, 'category', 'categories')}, ${count(s.forum.threads, 'thread', 'threads')}, ${count(s.forum.posts, 'post', 'posts')}`,
    `media       ${count(s.media.files, 'file', 'files')}, ${formatBytes(s.media.bytes)}`,
  );
  if (s.plugins.length === 0) lines.push('plugins     (none)');
  else {
    const enabled = s.plugins.filter((p) => p.enabled).length;
    lines.push(`plugins     ${s.plugins.length} installed, ${enabled} enabled`);
    for (const p of s.plugins) {
      const problem = pluginProblem(p);
      lines.push(`  ${p.name} ${p.version}  ${p.enabled ? 'enabled' : 'disabled'}${p.failures ? `  ${count(p.failures, 'failure', 'failures')}` : ''}${problem ? `  ${problem}` : ''}`);
    }
  }
  const sb = s.sandbox;
  const network = sb.network === 'namespace' ? 'no network (namespace)' : 'network out of reach of plugin code only (vm)';
  lines.push(
    `sandbox     ${sb.permissionModel ? 'Node permission model' : 'no Node permission model'}, ${network}; ${sb.hookTimeoutMs} ms per hook, ${sb.memoryMb} MiB, disabled after ${count(sb.maxFailures, 'failure', 'failures')} in a row`,
  );
  const b = s.lastBuild;
  lines.push(b ? `last build  ${time(b.at)} by ${b.by}: ${count(b.pages, 'page', 'pages')}, ${b.written} written, ${b.deleted} deleted in ${b.ms} ms${b.outDir ? ` into ${b.outDir}` : ''}` : 'last build  (never: run raos cms build)');
  lines.push(`site        ${s.site.outDir ? `${s.site.outDir} → ` : ''}${s.site.url}`);
  return lines.join('\n');
}

/**
 * Runs a content call and says what went wrong in the words of the command line: an operation's
 * field (`newSlug: ...`, `tags.2: ...`) becomes the flag that set it (`--slug: ...`, `--tag #3: ...`).
 */
export async function inFlagTerms<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    const e = toRaosError(err);
    if (e.code !== 'INVALID_INPUT') throw e;
    const message = e.message.replace(/(^|; )(newSlug|slug|title|body|tags)(?:\.(\d+))?:/g, (_m, lead: string, field: string, index?: string) => {
      const flag = field === 'newSlug' ? '--slug' : field === 'tags' ? '--tag' : `--${field}`;
      return `${lead}${flag}${index === undefined ? '' : ` #${Number(index) + 1}`}:`;
    });
    throw new RaosError(e.code, message, { hint: e.hint, details: e.details, cause: e });
  }
}
