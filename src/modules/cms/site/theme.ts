/**
 * A site theme is a folder:
 *
 *   layout.mustache   the HTML shell; the page's own markup arrives in {{{content}}}
 *   list.mustache     the home page, its later pages and tag pages
 *   post.mustache     one post (body HTML in {{{body}}})
 *   page.mustache     one page
 *   tags.mustache     the tags index
 *   *.mustache        any other top-level template is a partial, usable as {{> name}}
 *   assets/**         copied to <outDir>/assets/ as is
 *
 * Templates are parsed once per build (a syntax error names the file). The theme hash covers every file
 * read, so any change to the theme re-renders the whole site.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Mustache from 'mustache';
import { RaosError } from '../../../kernel/errors.js';

export const TEMPLATE_NAMES = ['layout', 'list', 'post', 'page', 'tags'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface ThemeAsset {
  /** Path under assets/, with forward slashes. */
  path: string;
  bytes: Buffer;
  hash: string;
}

export interface Theme {
  dir: string;
  templates: Record<TemplateName, string>;
  /** Every top-level template by name, for {{> name}}. */
  partials: Record<string, string>;
  assets: ThemeAsset[];
  hash: string;
  /** A Writer of our own, holding the parsed templates (no global cache shared with other code). */
  writer: Mustache.Writer;
  render(name: TemplateName, view: object): string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/**
 * Escapes what matters in HTML text and quoted attributes. Mustache's default also escapes `/` and `=`,
 * which only makes relative links (`../posts/x/`) unreadable; the default theme quotes every attribute.
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);
}

function sha1(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

/** The default theme shipped in the package's templates/site/, found from the source tree or the bundle. */
export function defaultThemeDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'templates', 'site');
    if (existsSync(join(candidate, 'layout.mustache'))) return candidate;
    dir = dirname(dir);
  }
  throw new RaosError('NOT_FOUND', 'the default site theme (templates/site/) is missing from the raos package', {
    hint: 'Reinstall raos, or pass a theme folder of your own.',
  });
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .filter((file) => !relative(root, file).split(sep).some((segment) => segment.startsWith('.')))
    .sort();
}

export async function loadTheme(themeDir: string): Promise<Theme> {
  const dir = resolve(themeDir);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new RaosError('NOT_FOUND', `theme folder ${dir} does not exist or is not a folder`, {
      hint: `A theme needs ${TEMPLATE_NAMES.map((n) => `${n}.mustache`).join(', ')} and an optional assets/ folder.`,
      details: { themeDir: dir },
    });
  }

  const hash = createHash('sha1');
  const partials: Record<string, string> = {};
  const top = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.endsWith('.mustache') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  for (const name of top) {
    const text = await readFile(join(dir, name), 'utf8');
    partials[name.slice(0, -'.mustache'.length)] = text;
    hash.update(`${name}\0${sha1(text)}\0`);
  }
  const missing = TEMPLATE_NAMES.filter((n) => partials[n] === undefined);
  if (missing.length > 0) {
    throw new RaosError('NOT_FOUND', `theme ${dir} lacks ${missing.map((n) => `${n}.mustache`).join(', ')}`, {
      hint: 'Copy the missing templates from the default theme (templates/site/ in the raos package).',
      details: { themeDir: dir, missing },
    });
  }

  const writer = new Mustache.Writer();
  for (const [name, text] of Object.entries(partials)) {
    try {
      writer.parse(text);
    } catch (err) {
      throw new RaosError('INVALID_INPUT', `theme template ${join(dir, `${name}.mustache`)}: ${(err as Error).message}`, {
        cause: err,
        details: { file: join(dir, `${name}.mustache`) },
      });
    }
  }

  const assets: ThemeAsset[] = [];
  const assetsDir = join(dir, 'assets');
  if ((await stat(assetsDir).catch(() => undefined))?.isDirectory()) {
    for (const file of await listFiles(assetsDir)) {
      const bytes = await readFile(file);
      const path = relative(assetsDir, file).split(sep).join('/');
      const assetHash = sha1(bytes);
      assets.push({ path, bytes, hash: assetHash });
      hash.update(`assets/${path}\0${assetHash}\0`);
    }
  }

  const templates = Object.fromEntries(TEMPLATE_NAMES.map((n) => [n, partials[n]])) as Record<TemplateName, string>;
  return {
    dir,
    templates,
    partials,
    assets,
    hash: hash.digest('hex'),
    writer,
    render(name, view) {
      return writer.render(templates[name], view, partials, { escape: escapeHtml });
    },
  };
}
