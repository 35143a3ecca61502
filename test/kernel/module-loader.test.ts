import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverModules, loadModuleFolder, locateSyntaxError, validateModuleDefinition } from '../../src/kernel/module-loader.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'modules');
const RESERVED = ['memory', 'module', 'config'];

let workspace: string;
let modulesDir: string;

/** Writes `modules/<folder>/` with a package.json and files; returns the folder. */
function writeModule(folder: string, files: Record<string, string>, pkg: Record<string, unknown> = {}): string {
  const dir = path.join(modulesDir, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: folder, type: 'module', ...pkg }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const moduleSource = (fields: string) => `export default { ${fields} };\n`;
const VALID = `name: 'ok', version: '1.0.0', process: () => 'ok'`;

async function discoverOne(folder: string) {
  const found = await discoverModules(modulesDir, { reserved: RESERVED });
  const entry = found.find((f) => path.basename(f.dir) === folder);
  expect(entry, `no entry for ${folder}`).toBeDefined();
  return entry!;
}

beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'raos-loader-'));
  modulesDir = path.join(workspace, 'modules');
  mkdirSync(modulesDir);
});
afterEach(() => rmSync(workspace, { recursive: true, force: true }));

describe('discoverModules', () => {
  it('loads the fixture modules, sorted by folder, with their entries resolved', async () => {
    const found = await discoverModules(FIXTURES, { reserved: RESERVED });
    expect(found.map((f) => [path.basename(f.dir), f.definition?.name, f.definition?.version, f.error])).toEqual([
      ['greeter', 'greeter', '0.2.0', undefined],
      ['hello', 'hello', '1.0.0', undefined],
    ]);
    const hello = found[1].definition!;
    await expect(hello.process!('greet', ['Ra'], {} as never)).resolves.toEqual({ message: 'Hello, Ra!' });
  });

  it('returns nothing for a missing modules folder', async () => {
    await expect(discoverModules(path.join(workspace, 'nope'), { reserved: [] })).resolves.toEqual([]);
  });

  it('only considers folders holding a package.json, skipping hidden ones and node_modules', async () => {
    writeModule('ok', { 'index.js': moduleSource(VALID) });
    mkdirSync(path.join(modulesDir, 'notes'));
    writeFileSync(path.join(modulesDir, 'notes', 'index.js'), 'throw new Error("never imported")');
    writeModule('.hidden', { 'index.js': 'throw new Error("never imported")' });
    writeModule('node_modules', { 'index.js': 'throw new Error("never imported")' });
    writeFileSync(path.join(modulesDir, 'README.md'), '# modules');
    const found = await discoverModules(modulesDir, { reserved: [] });
    expect(found.map((f) => f.name)).toEqual(['ok']);
  });

  it('prefers raos.module over main over index.js', async () => {
    writeModule(
      'both',
      {
        'index.js': moduleSource(`name: 'from-index', version: '1.0.0', process() {}`),
        'main.js': moduleSource(`name: 'from-main', version: '1.0.0', process() {}`),
        'src/raos.mjs': moduleSource(`name: 'from-raos', version: '1.0.0', process() {}`),
      },
      { main: 'main.js', raos: { module: 'src/raos.mjs' } },
    );
    writeModule(
      'main-only',
      {
        'index.js': moduleSource(`name: 'from-index2', version: '1.0.0', process() {}`),
        'main.js': moduleSource(`name: 'from-main2', version: '1.0.0', process() {}`),
      },
      { main: './main.js' },
    );
    writeModule('plain', { 'index.js': moduleSource(`name: 'from-index3', version: '1.0.0', process() {}`) });
    const found = await discoverModules(modulesDir, { reserved: [] });
    expect(found.map((f) => f.definition?.name)).toEqual(['from-raos', 'from-main2', 'from-index3']);
  });

  it('keeps going past broken modules and names each one', async () => {
    writeModule('aaa', { 'index.js': 'export default {' });
    writeModule('bbb', { 'index.js': moduleSource(VALID) });
    const found = await discoverModules(modulesDir, { reserved: [] });
    expect(found.map((f) => [f.name, f.error === undefined])).toEqual([
      ['aaa', false],
      ['ok', true],
    ]);
  });
});

describe('discoverModules: precise errors', () => {
  it('a missing process()', async () => {
    writeModule('foo', { 'index.js': moduleSource(`name: 'foo', version: '1.0.0'`) });
    const entry = await discoverOne('foo');
    expect(entry.definition).toBeUndefined();
    expect(entry.name).toBe('foo');
    expect(entry.error).toBe(
      'modules/foo/index.js: process: required; an external module must export process(command, args, ctx)',
    );
  });

  it('a bad version', async () => {
    writeModule('foo', { 'index.js': moduleSource(`name: 'foo', version: '1.0', process() {}`) });
    expect((await discoverOne('foo')).error).toBe('modules/foo/index.js: version: expected a semantic version like 1.0.0');
  });

  it('a missing version and a non-function init, both named', async () => {
    writeModule('foo', { 'index.js': moduleSource(`name: 'foo', init: 'soon', process() {}`) });
    expect((await discoverOne('foo')).error).toBe(
      'modules/foo/index.js: version: required; a semantic version like 1.0.0; init: expected a function, got string',
    );
  });

  it('a bad name, listed under its folder', async () => {
    writeModule('foo', { 'index.js': moduleSource(`name: 'Foo_Bar', version: '1.0.0', process() {}`) });
    const entry = await discoverOne('foo');
    expect(entry.name).toBe('foo');
    expect(entry.error).toBe(
      'modules/foo/index.js: name: expected lower-case letters, digits and dashes, starting with a letter, at most 40 characters (e.g. hello-world)',
    );
  });

  it('a bad dependsOn', async () => {
    writeModule('foo', { 'index.js': moduleSource(`name: 'foo', version: '1.0.0', dependsOn: 'hello', process() {}`) });
    expect((await discoverOne('foo')).error).toBe('modules/foo/index.js: dependsOn: expected an array of module names');
  });

  it('a reserved name', async () => {
    writeModule('mem', { 'index.js': moduleSource(`name: 'memory', version: '1.0.0', process() {}`) });
    const entry = await discoverOne('mem');
    expect(entry.name).toBe('memory');
    expect(entry.error).toBe(
      "modules/mem/index.js: name 'memory' is taken by a built-in module or command; rename the module",
    );
  });

  it('an entry escaping the folder', async () => {
    writeFileSync(path.join(modulesDir, 'outside.js'), moduleSource(VALID));
    writeModule('foo', {}, { raos: { module: '../outside.js' } });
    expect((await discoverOne('foo')).error).toBe(
      "modules/foo/package.json: raos.module: '../outside.js' points outside the module folder; the entry must be a file inside modules/foo/",
    );
    writeModule('bar', {}, { main: '/etc/passwd' });
    expect((await discoverOne('bar')).error).toMatch(/^modules\/bar\/package\.json: main: '\/etc\/passwd' points outside/);
  });

  it('a syntax error names the file', async () => {
    writeModule('foo', { 'index.js': 'export default { name: "foo", version: "1.0.0",, }' });
    const entry = await discoverOne('foo');
    // Under Node the message is `modules/foo/index.js:1: failed to load: SyntaxError: Unexpected token ','`;
    // vitest imports through its own transformer, which words the parse failure differently.
    expect(entry.error).toMatch(/^modules\/foo\/index\.js(:1)?: failed to load: .*(SyntaxError|syntax|parse)/i);
  });

  it('locates the line of a syntax error with node --check', async () => {
    const dir = writeModule('foo', { 'index.js': 'const a = 1;\nexport default { a,, };\n', 'ok.js': 'export default 1;\n' });
    await expect(locateSyntaxError(path.join(dir, 'index.js'))).resolves.toBe(2);
    await expect(locateSyntaxError(path.join(dir, 'ok.js'))).resolves.toBeUndefined();
  });

  it('an import that throws names the file and the message', async () => {
    writeModule('foo', { 'index.js': 'throw new Error("kaboom at load");\nexport default {};' });
    expect((await discoverOne('foo')).error).toBe('modules/foo/index.js: failed to load: kaboom at load');
  });

  it('no default export', async () => {
    writeModule('foo', { 'index.js': 'export const name = "foo";' });
    expect((await discoverOne('foo')).error).toBe(
      'modules/foo/index.js: default export: expected an object (export default defineModule({ name, version, process })), got nothing',
    );
  });

  it('a missing entry file and an invalid package.json', async () => {
    writeModule('foo', {}, { main: 'dist/index.js' });
    expect((await discoverOne('foo')).error).toBe(
      'modules/foo/dist/index.js: entry file not found (named by "main" in package.json)',
    );
    mkdirSync(path.join(modulesDir, 'bar'));
    writeFileSync(path.join(modulesDir, 'bar', 'package.json'), '{ "name": ');
    expect((await discoverOne('bar')).error).toMatch(/^modules\/bar\/package\.json: invalid JSON: /);
    writeModule('baz', {}, { raos: { module: 42 } });
    expect((await discoverOne('baz')).error).toBe('modules/baz/package.json: raos.module: expected a path (string)');
  });
});

describe('loadModuleFolder', () => {
  it('re-evaluates a changed entry file when given a new bust token', async () => {
    const dir = writeModule('foo', { 'index.js': moduleSource(`name: 'foo', version: '1.0.0', process: () => 1`) });
    const first = await loadModuleFolder(dir, { reserved: [], bust: '1' });
    writeFileSync(path.join(dir, 'index.js'), moduleSource(`name: 'foo', version: '2.0.0', process: () => 2`));
    const cached = await loadModuleFolder(dir, { reserved: [], bust: '1' });
    const fresh = await loadModuleFolder(dir, { reserved: [], bust: '2' });
    expect([first.definition?.version, cached.definition?.version, fresh.definition?.version]).toEqual([
      '1.0.0',
      '1.0.0',
      '2.0.0',
    ]);
  });
});

describe('validateModuleDefinition', () => {
  it('returns the very object, so class instances keep their methods and this', () => {
    class Counter {
      name = 'counter';
      version = '1.0.0';
      #count = 0;
      process() {
        return ++this.#count;
      }
    }
    const instance = new Counter();
    const result = validateModuleDefinition(instance, { file: 'x.js', reserved: [], external: true });
    expect(result.definition).toBe(instance);
  });

  it('lets built-in modules omit process()', () => {
    const value = { name: 'memory', version: '1.0.0' };
    expect(validateModuleDefinition(value, { file: 'x', reserved: [], external: false }).definition).toBe(value);
  });
});
