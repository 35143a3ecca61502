/**
 * The workspace: a folder holding `raos.json`, its databases under `data/` and external modules under
 * `modules/`. Found like git finds a repository, with explicit choices first:
 *
 *   --workspace DIR > RAOS_HOME > walk up from the working directory > the user's data dir
 */
import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { RaosConfig } from './config.js';
import { writeFileAtomic } from './durable.js';
import { RaosError } from './errors.js';

/** The file that marks a workspace. */
export const CONFIG_FILE = 'raos.json';

export type WorkspaceSource = 'flag' | 'env' | 'cwd' | 'data-dir';

export interface FindWorkspaceOptions {
  /** The `--workspace DIR` flag, relative to cwd. */
  flag?: string;
  /** Environment variables (RAOS_HOME, and those userDataDir() reads); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where the walk up starts; default process.cwd(). */
  cwd?: string;
  /** The raos data directory itself (e.g. oclif's `config.dataDir`); default userDataDir(env). */
  dataHome?: string;
}

/** stat that answers undefined for anything that is not there, including a path through a file (ENOTDIR). */
function statOrUndefined(target: string) {
  try {
    return statSync(target, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
const isFile = (file: string) => statOrUndefined(file)?.isFile() === true;
const isDirectory = (dir: string) => statOrUndefined(dir)?.isDirectory() === true;

/**
 * Finds the workspace root. A flag or RAOS_HOME that names a folder without raos.json is an error rather
 * than a fall-through, so a script never silently writes to another workspace.
 */
export function findWorkspace(opts: FindWorkspaceOptions = {}): { root: string; source: WorkspaceSource } {
  const env = opts.env ?? process.env;
  const cwd = path.resolve(opts.cwd ?? process.cwd());

  const explicit = (dir: string, source: 'flag' | 'env') => {
    const root = path.resolve(cwd, dir);
    if (isFile(path.join(root, CONFIG_FILE))) return { root, source };
    const setting = source === 'flag' ? '--workspace' : 'RAOS_HOME';
    const given = source === 'flag' ? `--workspace ${dir}` : `RAOS_HOME=${dir}`;
    const problem = isDirectory(root) ? `has no ${CONFIG_FILE}` : 'does not exist';
    throw new RaosError('WORKSPACE_NOT_FOUND', `No workspace at ${root} (from ${given}): the folder ${problem}.`, {
      hint: `Run \`raos init ${root}\` to make one there, or point ${setting} at a folder with ${CONFIG_FILE}.`,
      details: { root, source },
    });
  };
  if (opts.flag !== undefined && opts.flag !== '') return explicit(opts.flag, 'flag');
  if (env.RAOS_HOME) return explicit(env.RAOS_HOME, 'env');

  for (let dir = cwd; ; ) {
    if (isFile(path.join(dir, CONFIG_FILE))) return { root: dir, source: 'cwd' };
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }

  const dataDir = path.resolve(opts.dataHome ?? userDataDir(env));
  if (isFile(path.join(dataDir, CONFIG_FILE))) return { root: dataDir, source: 'data-dir' };

  throw new RaosError(
    'WORKSPACE_NOT_FOUND',
    `No workspace found: no ${CONFIG_FILE} in ${cwd} or any folder above it, RAOS_HOME is not set, ` +
      `and ${dataDir} has none.`,
    {
      hint: 'Run `raos init` here, or pass --workspace DIR / set RAOS_HOME',
      details: { cwd, dataDir },
    },
  );
}

/**
 * The per-user data directory: `$XDG_DATA_HOME/raos` or `~/.local/share/raos` on Linux (and other
 * Unixes), `~/Library/Application Support/raos` on macOS, `%LOCALAPPDATA%\raos` on Windows.
 */
export function userDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || path.win32.join(env.USERPROFILE || homedir(), 'AppData', 'Local');
    return path.win32.join(local, 'raos');
  }
  const home = env.HOME || homedir();
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'raos');
  // The XDG spec says relative paths in XDG_* are invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  return path.posix.join(xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.local', 'share'), 'raos');
}

export interface InitWorkspaceResult {
  root: string;
  /** False when raos.json already existed and was left alone. */
  created: boolean;
  /** Absolute paths of the files and folders made. */
  files: string[];
}

/**
 * Makes a workspace in `dir` (created if needed): a minimal raos.json, `data/` and `modules/`. When raos.json
 * exists nothing is touched and `created` is false, so running it twice is safe; `force` rewrites raos.json
 * with the minimal content (other files are kept).
 */
export function initWorkspace(dir: string, opts: { force?: boolean } = {}): InitWorkspaceResult {
  const root = path.resolve(dir);
  const files: string[] = [];
  if (!isDirectory(root)) {
    try {
      mkdirSync(root, { recursive: true });
    } catch (err) {
      throw new RaosError('INVALID_INPUT', `Cannot make workspace folder ${root}: ${(err as Error).message}`, {
        details: { field: 'dir', root },
        cause: err,
      });
    }
    files.push(root);
  }
  const configFile = path.join(root, CONFIG_FILE);
  if (isFile(configFile) && !opts.force) return { root, created: false, files: [] };

  const config = { name: path.basename(root) || 'raos', environment: 'development' } satisfies Partial<RaosConfig>;
  writeFileAtomic(configFile, `${JSON.stringify(config, null, 2)}\n`);
  files.push(configFile);
  for (const sub of ['data', 'modules']) {
    const folder = path.join(root, sub);
    if (isDirectory(folder)) continue;
    mkdirSync(folder, { recursive: true });
    files.push(folder);
  }
  return { root, created: true, files };
}

export interface WorkspacePaths {
  root: string;
  /** `<root>/raos.json` */
  configFile: string;
  /** Absolute; from storage.dataDir, relative to the root. */
  dataDir: string;
  /** Absolute; from modules.dir, relative to the root. */
  modulesDir: string;
  /** `<dataDir>/raos.lock`, the single-writer lock. */
  lockFile: string;
}

export function workspacePaths(
  root: string,
  config: { storage: Pick<RaosConfig['storage'], 'dataDir'>; modules: Pick<RaosConfig['modules'], 'dir'> },
): WorkspacePaths {
  const absRoot = path.resolve(root);
  const dataDir = path.resolve(absRoot, config.storage.dataDir);
  return {
    root: absRoot,
    configFile: path.join(absRoot, CONFIG_FILE),
    dataDir,
    modulesDir: path.resolve(absRoot, config.modules.dir),
    lockFile: path.join(dataDir, 'raos.lock'),
  };
}

export { writeFileAtomic };
