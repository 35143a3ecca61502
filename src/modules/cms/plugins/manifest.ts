/**
 * `plugin.json`: what a CMS plugin is, which hooks it runs and which permissions it asks for. Every
 * plugin zip is checked against this schema before a byte of it is written, and every refusal names
 * the field (`plugin.json: hooks[1]: ...`).
 */
import * as z from 'zod';
import { RaosError } from '../../../kernel/errors.js';

/**
 * The hooks a plugin can implement, in the order a content's life reaches them. The CMS calls each
 * enabled plugin's hook in install order:
 * - `beforeContentSave`: may veto a save, or (with `content:write`) change title, slug, body and tags.
 * - `afterContentSave`: told after the save is committed; its result is ignored.
 * - `beforeContentDelete`: may veto a delete.
 * - `afterContentDelete`: told after the delete is committed.
 * - `onPublish`: told when content becomes public (now or at its scheduled time).
 * - `onRender`: may rewrite the (sanitised) HTML of a page; needs `render`.
 */
export const HOOK_NAMES = [
  'beforeContentSave',
  'afterContentSave',
  'beforeContentDelete',
  'afterContentDelete',
  'onPublish',
  'onRender',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/**
 * What a plugin may ask for in `permissions`:
 * - `content:read`: its hooks see content bodies (without it they get the facts: id, title, slug, tags).
 * - `content:write`: its `beforeContentSave` may change the data being saved (without it, a changed
 *   result is ignored and counted as a failure; vetoes need no permission).
 * - `render`: required to declare `onRender`, which rewrites the HTML visitors see.
 */
export const PLUGIN_PERMISSIONS = ['content:read', 'content:write', 'render'] as const;
export type PluginPermission = (typeof PLUGIN_PERMISSIONS)[number];

/** Hooks that cannot even be declared without a permission. */
export const HOOK_REQUIRES: Readonly<Partial<Record<HookName, PluginPermission>>> = { onRender: 'render' };

/** Largest `settings` object, as JSON. */
export const MAX_SETTINGS_BYTES = 16 * 1024;

// semver.org's regular expression (2.0.0), without the leading `v` some tools accept.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(value).every((v) => isJsonValue(v, depth + 1));
  }
  return false;
}

/** The entry file: a relative path inside the archive to a `.js` or `.cjs` file (CommonJS). */
const entrySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p), 'must be a relative path (no leading / or drive letter)')
  .refine((p) => !p.includes('\\') && !p.includes('\0'), 'must use / as separator and contain no NUL')
  .refine((p) => !p.split('/').some((s) => s === '..' || s === '.' || s === ''), 'must not contain .., . or empty segments')
  .refine((p) => /\.c?js$/.test(p), 'must name a .js or .cjs file');

export const pluginManifestSchema = z
  .object({
    /** Lower-case slug, 2-64 characters: the plugin's folder name and identity. */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,63}$/, 'must be 2-64 characters of a-z, 0-9 and -, starting with a letter'),
    /** Semantic version, e.g. `1.2.0` or `2.0.0-beta.1`. */
    version: z.string().max(64, 'must be at most 64 characters').regex(SEMVER, 'must be a semantic version such as 1.0.0'),
    description: z.string().max(500, 'must be at most 500 characters'),
    entry: entrySchema,
    /** The hooks the entry exports; each must be a function of `(event, raos)`. */
    hooks: z
      .array(z.enum(HOOK_NAMES, { error: `must be one of ${HOOK_NAMES.join(', ')}` }))
      .min(1, 'must list at least one hook')
      .refine((hooks) => new Set(hooks).size === hooks.length, 'must not list a hook twice'),
    /** Default: none. */
    permissions: z
      .array(z.enum(PLUGIN_PERMISSIONS, { error: `must be one of ${PLUGIN_PERMISSIONS.join(', ')}` }))
      .refine((p) => new Set(p).size === p.length, 'must not list a permission twice')
      .default([]),
    /** Values handed to the plugin as `raos.settings` (at most 16 KiB as JSON). */
    settings: z
      .record(z.string(), z.unknown())
      .refine((s) => isJsonValue(s), 'must hold only JSON values (strings, finite numbers, booleans, null, arrays, objects)')
      .refine((s) => Buffer.byteLength(JSON.stringify(s) ?? '') <= MAX_SETTINGS_BYTES, `must be at most ${MAX_SETTINGS_BYTES} bytes as JSON`)
      .optional(),
    author: z.string().max(200, 'must be at most 200 characters').optional(),
    homepage: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(500, 'must be at most 500 characters').optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    m.hooks.forEach((hook, i) => {
      const needs = HOOK_REQUIRES[hook];
      if (needs && !m.permissions.includes(needs)) {
        ctx.addIssue({
          code: 'custom',
          path: ['hooks', i],
          message: `${hook} needs the '${needs}' permission: add "${needs}" to permissions`,
        });
      }
    });
  });

export type PluginManifest = z.output<typeof pluginManifestSchema>;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

/**
 * Checks a parsed plugin.json. Throws INVALID_INPUT naming the source and every field that failed,
 * e.g. `plugin.json: hooks[1]: must be one of ...`.
 */
export function parseManifest(json: unknown, source = 'plugin.json'): PluginManifest {
  const result = pluginManifestSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = formatPath(issue.path);
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  throw new RaosError('INVALID_INPUT', `${source}: ${problems.join('; ')}`, {
    hint: 'Fix plugin.json: it needs name, version, description, entry (a .js or .cjs file) and hooks; permissions, settings, author and homepage are optional',
    details: { source, issues: problems },
  });
}
