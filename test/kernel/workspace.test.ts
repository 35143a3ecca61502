import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFileSchema, loadConfig } from '../../src/kernel/config.js';
import { RaosError } from '../../src/kernel/errors.js';
import {
  findWorkspace,
  initWorkspace,
  userDataDir,
  workspacePaths,
  writeFileAtomic,
} from '../../src/kernel/workspace.js';
import { caught as thrown } from '../helpers.js';

let tmp: string;

beforeEach(() => {
  // realpath: on macOS the temp dir is a symlink, and the walk compares resolved paths.
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'raos-ws-')));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});


const mkdir = (...parts: string[]) => {
  const dir = path.join(tmp, ...parts);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};
const makeWorkspace = (...parts: string[]) => {
  const dir = mkdir(...parts);
  fs.writeFileSync(path.join(dir, 'raos.json'), '{}\n');
  return dir;
};
/** A data dir with no raos.json, so tests never find the real user's workspace. */
const emptyDataHome = () => mkdir('data-home');

describe('findWorkspace', () => {
  it('walks up from a nested folder to the nearest raos.json', () => {
    const outer = makeWorkspace('outer');
    const inner = makeWorkspace('outer', 'inner');
    const deep = mkdir('outer', 'inner', 'a', 'b', 'c');
    expect(findWorkspace({ cwd: deep, env: {}, dataHome: emptyDataHome() })).toEqual({ root: inner, source: 'cwd' });
    expect(findWorkspace({ cwd: mkdir('outer', 'x'), env: {}, dataHome: emptyDataHome() })).toEqual({
      root: outer,
      source: 'cwd',
    });
  });

  it('ignores a folder named raos.json', () => {
    const ws = makeWorkspace('ws');
    mkdir('ws', 'sub', 'raos.json');
    expect(findWorkspace({ cwd: path.join(ws, 'sub'), env: {}, dataHome: emptyDataHome() }).root).toBe(ws);
  });

  it('prefers the flag over RAOS_HOME over the walk', () => {
    const byWalk = makeWorkspace('walk');
    const byEnv = makeWorkspace('env');
    const byFlag = makeWorkspace('flag');
    const env = { RAOS_HOME: byEnv };
    expect(findWorkspace({ cwd: byWalk, env, flag: byFlag })).toEqual({ root: byFlag, source: 'flag' });
    expect(findWorkspace({ cwd: byWalk, env })).toEqual({ root: byEnv, source: 'env' });
    expect(findWorkspace({ cwd: byWalk, env: {} })).toEqual({ root: byWalk, source: 'cwd' });
  });

  it('resolves a relative flag against cwd', () => {
    const ws = makeWorkspace('rel', 'ws');
    expect(findWorkspace({ cwd: path.join(tmp, 'rel'), env: {}, flag: 'ws' })).toEqual({ root: ws, source: 'flag' });
  });

  it('fails when the flag or RAOS_HOME names a folder without raos.json, hinting raos init DIR', () => {
    const empty = mkdir('empty');
    makeWorkspace('elsewhere');
    const byFlag = thrown(() => findWorkspace({ cwd: path.join(tmp, 'elsewhere'), env: {}, flag: empty }));
    expect(byFlag.code).toBe('WORKSPACE_NOT_FOUND');
    expect(byFlag.message).toContain(empty);
    expect(byFlag.message).toContain('--workspace');
    expect(byFlag.hint).toContain(`raos init ${empty}`);

    const missing = path.join(tmp, 'missing');
    const byEnv = thrown(() => findWorkspace({ cwd: tmp, env: { RAOS_HOME: missing } }));
    expect(byEnv.code).toBe('WORKSPACE_NOT_FOUND');
    expect(byEnv.message).toContain(missing);
    expect(byEnv.message).toContain('RAOS_HOME');
    expect(byEnv.message).toContain('does not exist');
    expect(byEnv.hint).toContain(`raos init ${missing}`);
  });

  it('falls back to the data dir only when it holds raos.json', () => {
    const cwd = mkdir('nowhere');
    const dataHome = mkdir('data');
    expect(thrown(() => findWorkspace({ cwd, env: {}, dataHome })).code).toBe('WORKSPACE_NOT_FOUND');
    fs.writeFileSync(path.join(dataHome, 'raos.json'), '{}');
    expect(findWorkspace({ cwd, env: {}, dataHome })).toEqual({ root: dataHome, source: 'data-dir' });
  });

  it('uses userDataDir(env) when no dataHome is given', () => {
    const xdg = mkdir('xdg');
    makeWorkspace('xdg', 'raos');
    const cwd = mkdir('nowhere');
    if (process.platform === 'linux') {
      expect(findWorkspace({ cwd, env: { XDG_DATA_HOME: xdg } })).toEqual({
        root: path.join(xdg, 'raos'),
        source: 'data-dir',
      });
    }
  });

  it('says how to make a workspace when nothing is found', () => {
    const cwd = mkdir('nowhere', 'deeper');
    const err = thrown(() => findWorkspace({ cwd, env: {}, dataHome: emptyDataHome() }));
    expect(err.code).toBe('WORKSPACE_NOT_FOUND');
    expect(err.message).toContain(cwd);
    expect(err.hint).toBe('Run `raos init` here, or pass --workspace DIR / set RAOS_HOME');
  });
});

describe('userDataDir', () => {
  it('follows each platform convention', () => {
    expect(userDataDir({ HOME: '/home/ada' }, 'linux')).toBe('/home/ada/.local/share/raos');
    expect(userDataDir({ HOME: '/home/ada', XDG_DATA_HOME: '/xdg' }, 'linux')).toBe('/xdg/raos');
    expect(userDataDir({ HOME: '/home/ada', XDG_DATA_HOME: 'relative' }, 'linux')).toBe('/home/ada/.local/share/raos');
    expect(userDataDir({ HOME: '/Users/ada' }, 'darwin')).toBe('/Users/ada/Library/Application Support/raos');
    expect(userDataDir({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32')).toBe(
      'C:\\Users\\ada\\AppData\\Local\\raos',
    );
  });
});

describe('initWorkspace', () => {
  it('makes the folder, a minimal valid raos.json, data/ and modules/', () => {
    const dir = path.join(tmp, 'new-site');
    const result = initWorkspace(dir);
    expect(result.root).toBe(dir);
    expect(result.created).toBe(true);
    expect(result.files).toEqual([
      dir,
      path.join(dir, 'raos.json'),
      path.join(dir, 'data'),
      path.join(dir, 'modules'),
    ]);
    const content = JSON.parse(fs.readFileSync(path.join(dir, 'raos.json'), 'utf8'));
    expect(content).toEqual({ name: 'new-site', environment: 'development' });
    expect(configFileSchema.safeParse(content).success).toBe(true);
    expect(fs.statSync(path.join(dir, 'data')).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(dir, 'modules')).isDirectory()).toBe(true);
    expect(loadConfig({ root: dir, env: {} }).config.name).toBe('new-site');
    expect(findWorkspace({ cwd: path.join(dir, 'data'), env: {} })).toEqual({ root: dir, source: 'cwd' });
  });

  it('is idempotent: an existing raos.json is left alone', () => {
    const dir = mkdir('site');
    initWorkspace(dir);
    fs.writeFileSync(path.join(dir, 'raos.json'), '{ "server": { "port": 9000 } }\n');
    const again = initWorkspace(dir);
    expect(again).toEqual({ root: dir, created: false, files: [] });
    expect(fs.readFileSync(path.join(dir, 'raos.json'), 'utf8')).toBe('{ "server": { "port": 9000 } }\n');
  });

  it('rewrites raos.json with force, keeping other files', () => {
    const dir = mkdir('site');
    initWorkspace(dir);
    fs.writeFileSync(path.join(dir, 'raos.json'), '{ "server": { "port": 9000 } }\n');
    fs.writeFileSync(path.join(dir, 'data', 'memory.db'), 'x');
    const forced = initWorkspace(dir, { force: true });
    expect(forced.created).toBe(true);
    expect(forced.files).toEqual([path.join(dir, 'raos.json')]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'raos.json'), 'utf8'))).toEqual({
      name: 'site',
      environment: 'development',
    });
    expect(fs.readFileSync(path.join(dir, 'data', 'memory.db'), 'utf8')).toBe('x');
  });

  it('fails clearly when the path is a file', () => {
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, 'x');
    expect(thrown(() => initWorkspace(path.join(file, 'sub'))).code).toBe('INVALID_INPUT');
  });
});

describe('workspacePaths', () => {
  it('resolves data and modules folders against the root, keeping absolute ones', () => {
    const root = path.join(tmp, 'ws');
    expect(workspacePaths(root, { storage: { dataDir: 'data' }, modules: { dir: 'modules' } })).toEqual({
      root,
      configFile: path.join(root, 'raos.json'),
      dataDir: path.join(root, 'data'),
      modulesDir: path.join(root, 'modules'),
      lockFile: path.join(root, 'data', 'raos.lock'),
    });
    const abs = path.join(tmp, 'elsewhere');
    const paths = workspacePaths(root, { storage: { dataDir: abs }, modules: { dir: '../shared-modules' } });
    expect(paths.dataDir).toBe(abs);
    expect(paths.lockFile).toBe(path.join(abs, 'raos.lock'));
    expect(paths.modulesDir).toBe(path.join(tmp, 'shared-modules'));
  });
});

describe('writeFileAtomic', () => {
  it('replaces the content, leaves no temp file, and keeps the mode', () => {
    const file = path.join(tmp, 'secret.json');
    writeFileAtomic(file, 'one', { mode: 0o600 });
    writeFileAtomic(file, 'two');
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(fs.readdirSync(tmp)).toEqual(['secret.json']);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('cleans up its temp file when the rename fails', () => {
    const target = mkdir('is-a-dir');
    fs.writeFileSync(path.join(target, 'keep'), 'x');
    expect(() => writeFileAtomic(target, 'data')).toThrow();
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
