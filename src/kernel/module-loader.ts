/**
 * Finds and loads external modules: ESM packages in `<workspace>/modules/<folder>/`. Every failure is
 * returned as data (`{ error }`) that names the file and the field, so one broken module never stops
 * discovery of the others; the ModuleManager lists it as failed.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { importEsm } from './import-esm.js';
import { formatIssues } from './errors.js';
import type { ModuleDefinition } from './module.js';

/** What discovery found in one module folder: a valid definition, or the reason it could not be loaded. */
export interface DiscoveredModule {
  /** Absolute path of the module folder. */
  dir: string;
  /** The validated default export (the original object, not a copy, so methods keep their `this`). */
  definition?: ModuleDefinition;
  /** Why the module could not be loaded, prefixed with the file it concerns: `modules/foo/index.js: version: ...`. */
  error?: string;
  /**
   * The module's name: the definition's when valid, else its `name` export when that is at least a string
   * matching the name pattern, else the folder name. Lets a failed module still be listed under a name.
   */
  name: string;
}

export interface DiscoverOptions {
  /** Names an external module may not take: the built-in modules and the CLI's own topics (`module`, `config`, ...). */
  reserved: readonly string[];
  /**
   * Cache-busting token. When set, the entry is imported as `file:///.../index.js?v=<bust>` so Node evaluates
   * the entry file again (used by reload). Files the entry imports itself stay cached by Node's ESM loader.
   * Default: none (the first import of a file wins for the life of the process).
   */
  bust?: string;
}

export const MODULE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
export const MODULE_VERSION_PATTERN = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const NAME_MESSAGE =
  'expected lower-case letters, digits and dashes, starting with a letter, at most 40 characters (e.g. hello-world)';

const requiredOr = (required: string, wrongType: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? required : wrongType;

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/**
 * The shape of a module's default export. `process` is required for external modules (it is their only
 * way to be reached); built-in modules may omit it because they expose a tRPC router instead.
 */
export function moduleDefinitionSchema(options: { external: boolean }) {
  const fn = (field: string, required = false) => {
    const base = z.custom<(...args: any[]) => unknown>((value) => typeof value === 'function', {
      error: (issue) =>
        issue.input === undefined
          ? required
            ? `required; an external module must export ${field}(command, args, ctx)`
            : 'expected a function'
          : `expected a function, got ${describeType(issue.input)}`,
    });
    return required ? base : base.optional();
  };
  return z.object({
    name: z
      .string({ error: requiredOr('required; the module name, e.g. "hello"', 'expected a string') })
      .regex(MODULE_NAME_PATTERN, NAME_MESSAGE),
    version: z
      .string({ error: requiredOr('required; a semantic version like 1.0.0', 'expected a semantic version like 1.0.0') })
      .regex(MODULE_VERSION_PATTERN, 'expected a semantic version like 1.0.0'),
    description: z.string({ error: 'expected a string' }).optional(),
    dependsOn: z
      .array(z.string({ error: 'expected a module name (string)' }), { error: 'expected an array of module names' })
      .optional(),
    init: fn('init'),
    process: fn('process', options.external),
    shutdown: fn('shutdown'),
    health: fn('health'),
  });
}

/**
 * Validates a default export. Returns the original object (not zod's copy) so class instances and methods
 * using `this` keep working. `file` prefixes every message.
 */
export function validateModuleDefinition(
  value: unknown,
  options: { file: string; reserved: readonly string[]; external: boolean },
): { definition: ModuleDefinition; error?: undefined } | { definition?: undefined; error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      error: `${options.file}: default export: expected an object (export default defineModule({ name, version, process })), got ${
        value === undefined ? 'nothing' : describeType(value)
      }`,
    };
  }
  const result = moduleDefinitionSchema({ external: options.external }).safeParse(value);
  if (!result.success) return { error: `${options.file}: ${formatIssues(result.error.issues)}` };
  const definition = value as ModuleDefinition;
  if (options.reserved.includes(definition.name)) {
    return {
      error: `${options.file}: name '${definition.name}' is taken by a built-in module or command; rename the module`,
    };
  }
  return { definition };
}

const packageJsonSchema = z.looseObject({
  main: z.string({ error: 'expected a path (string)' }).optional(),
  raos: z
    .looseObject({ module: z.string({ error: 'expected a path (string)' }).optional() }, { error: 'expected an object' })
    .optional(),
});

/** A path as users see it in messages: relative to the workspace (the parent of the modules folder), with `/`. */
function displayPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

/**
 * The line of a syntax error in `file`, found with `node --check` (Node's SyntaxError from import() carries
 * no location). Undefined when the file itself parses (the error is in a file it imports) or on any trouble.
 * Runs only on the failure path, so its cost (one short child process) is paid by broken modules alone.
 */
export function locateSyntaxError(file: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--check', file], { timeout: 5_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve(undefined);
      const first = String(stderr).split('\n', 1)[0] ?? '';
      const match = /:(\d+)$/.exec(first.trim());
      resolve(match && first.startsWith(file) ? Number(match[1]) : undefined);
    });
  });
}

/**
 * Loads one module folder: reads package.json, resolves the entry, imports it and validates the default
 * export. Never throws; a broken module comes back with `error`.
 */
export async function loadModuleFolder(
  dir: string,
  options: DiscoverOptions & { /** Folder messages are relative to. Default: the parent of `dir`'s parent. */ root?: string },
): Promise<DiscoveredModule> {
  const absDir = path.resolve(dir);
  const root = options.root ?? path.dirname(path.dirname(absDir));
  const folderName = path.basename(absDir);
  const fail = (error: string, name = folderName): DiscoveredModule => ({ dir: absDir, error, name });

  const pkgFile = path.join(absDir, 'package.json');
  let pkgRaw: string;
  try {
    pkgRaw = await readFile(pkgFile, 'utf8');
  } catch (err) {
    return fail(`${displayPath(root, pkgFile)}: cannot read: ${messageOf(err)}`);
  }
  let pkgJson: unknown;
  try {
    pkgJson = JSON.parse(pkgRaw);
  } catch (err) {
    return fail(`${displayPath(root, pkgFile)}: invalid JSON: ${messageOf(err)}`);
  }
  const pkg = packageJsonSchema.safeParse(pkgJson);
  if (!pkg.success) return fail(`${displayPath(root, pkgFile)}: ${formatIssues(pkg.error.issues)}`);

  const field = pkg.data.raos?.module !== undefined ? 'raos.module' : pkg.data.main !== undefined ? 'main' : undefined;
  const entryRel = pkg.data.raos?.module ?? pkg.data.main ?? 'index.js';
  const entry = path.resolve(absDir, entryRel);
  if (!isInside(absDir, entry)) {
    const inside = `${displayPath(root, absDir)}/`;
    return fail(
      `${displayPath(root, pkgFile)}: ${field ?? 'entry'}: '${entryRel}' points outside the module folder; ` +
        `the entry must be a file inside ${inside}`,
    );
  }
  const shown = displayPath(root, entry);
  try {
    const [realDir, realEntry] = await Promise.all([realpath(absDir), realpath(entry)]);
    // A symlink inside the folder could still lead elsewhere; compare the resolved paths too.
    if (!isInside(realDir, realEntry)) {
      return fail(`${shown}: resolves (through a symlink) to ${realEntry}, outside the module folder`);
    }
    if (!(await stat(realEntry)).isFile()) return fail(`${shown}: the entry is not a file`);
  } catch {
    const help = field ? ` (named by "${field}" in package.json)` : '; add index.js or set "raos.module" in package.json';
    return fail(`${shown}: entry file not found${help}`);
  }

  const url = pathToFileURL(entry).href + (options.bust !== undefined ? `?v=${encodeURIComponent(options.bust)}` : '');
  let namespace: { default?: unknown };
  try {
    namespace = await importEsm<{ default?: unknown }>(url);
  } catch (err) {
    const line = err instanceof SyntaxError ? await locateSyntaxError(entry) : undefined;
    return fail(`${shown}${line !== undefined ? `:${line}` : ''}: failed to load: ${messageOf(err)}`);
  }
  const exported = namespace.default;
  const result = validateModuleDefinition(exported, { file: shown, reserved: options.reserved, external: true });
  if (result.error !== undefined) {
    const exportedName = (exported as { name?: unknown } | undefined)?.name;
    const name = typeof exportedName === 'string' && MODULE_NAME_PATTERN.test(exportedName) ? exportedName : folderName;
    return fail(result.error, name);
  }
  return { dir: absDir, definition: result.definition, name: result.definition.name };
}

/**
 * Discovers external modules: every subfolder of `modulesDir` that holds a package.json (hidden folders and
 * `node_modules` are skipped; a missing `modulesDir` means none). Folders are returned sorted by name.
 * Never throws for a bad module: its entry carries `error` instead of `definition`.
 */
export async function discoverModules(modulesDir: string, options: DiscoverOptions): Promise<DiscoveredModule[]> {
  const absDir = path.resolve(modulesDir);
  let names: string[];
  try {
    names = await readdir(absDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  const candidates: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const dir = path.join(absDir, name);
    // stat (not lstat) so a symlinked module folder, handy while developing one, is discovered too.
    const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) continue;
    const hasPackage = await stat(path.join(dir, 'package.json')).then((s) => s.isFile(), () => false);
    if (hasPackage) candidates.push(dir);
  }
  const root = path.dirname(absDir);
  return Promise.all(candidates.map((dir) => loadModuleFolder(dir, { ...options, root })));
}
