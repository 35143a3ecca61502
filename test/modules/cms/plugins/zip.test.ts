import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RaosError } from '../../../../src/kernel/errors.js';
import { readPluginZip, writePluginFiles, type ZipLimits } from '../../../../src/modules/cms/plugins/zip.js';
import { baseManifest, declareSize, listFiles, makeZip, markEncrypted, rename, tempDir, type ZipItem } from './helpers.js';

const manifestJson = JSON.stringify(baseManifest);
const indexJs = 'exports.beforeContentSave = (e) => e;\n';
const good: ZipItem[] = [
  { name: 'plugin.json', data: manifestJson },
  { name: 'index.js', data: indexJs },
  { name: 'lib/', directory: true },
  { name: 'lib/util.js', data: 'exports.x = 1;\n' },
];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

/** Reads and writes a zip as an install would; asserts it is refused and nothing was written. */
async function refused(zip: Buffer, limits?: Partial<ZipLimits>): Promise<RaosError> {
  const parent = workDir();
  const dest = join(parent, 'plugin');
  let error: unknown;
  try {
    const archive = await readPluginZip(zip, limits);
    await writePluginFiles(archive, dest);
  } catch (err) {
    error = err;
  }
  expect(error, 'the zip should be refused').toBeInstanceOf(RaosError);
  expect((error as RaosError).code).toBe('INVALID_INPUT');
  expect((error as RaosError).hint).toBeTruthy();
  expect(existsSync(dest)).toBe(false);
  expect(readdirSync(parent)).toEqual([]);
  return error as RaosError;
}

describe('readPluginZip + writePluginFiles', () => {
  it('reads a good zip and writes exactly its files', async () => {
    const zip = await makeZip(good);
    const archive = await readPluginZip(zip);
    expect(archive.manifest).toEqual({ ...baseManifest, permissions: [] });
    expect(archive.files.map((f) => f.path).sort()).toEqual(['index.js', 'lib/util.js', 'plugin.json']);
    expect(archive.totalBytes).toBe(Buffer.byteLength(manifestJson) + Buffer.byteLength(indexJs) + 'exports.x = 1;\n'.length);
    expect(archive.sha256).toBe(createHash('sha256').update(zip).digest('hex'));

    const parent = workDir();
    const dest = join(parent, 'hello');
    await writePluginFiles(archive, dest);
    expect(listFiles(dest)).toEqual(['index.js', 'lib/util.js', 'plugin.json']);
    expect(readFileSync(join(dest, 'index.js'), 'utf8')).toBe(indexJs);
    expect(readdirSync(parent)).toEqual(['hello']); // no temporary folder left behind
  });

  it('strips a single top folder holding plugin.json', async () => {
    const zip = await makeZip([
      { name: 'myplugin/', directory: true },
      ...good.map((item) => ({ ...item, name: `myplugin/${item.name}` })),
    ]);
    const archive = await readPluginZip(zip);
    expect(archive.files.map((f) => f.path).sort()).toEqual(['index.js', 'lib/util.js', 'plugin.json']);
    const dest = join(workDir(), 'hello');
    await writePluginFiles(archive, dest);
    expect(listFiles(dest)).toEqual(['index.js', 'lib/util.js', 'plugin.json']);
  });

  it('accepts stored (uncompressed) entries', async () => {
    const archive = await readPluginZip(await makeZip(good.map((i) => ({ ...i, compress: false }))));
    expect(archive.files).toHaveLength(3);
  });

  it.each([
    ['../evil.js', 'AA/evil.js', /entry '\.\.\/evil\.js': has a \.\. segment/],
    ['lib/../../x.js', 'lib/AA/AA/x.js', /entry 'lib\/\.\.\/\.\.\/x\.js': has a \.\. segment/],
    ['/etc/x', 'AAAA/x', /entry '\/etc\/x': is an absolute path/],
    ['C:\\x', 'CCCx', /entry 'C:\\x': is an absolute path/],
    ['\\\\x', 'AAx', /entry '\\\\x': is an absolute path/],
    ['lib\\x.js', 'libAx.js', /entry 'lib\\x\.js': has a backslash/],
    ['a\0.js', 'aA.js', /has a NUL character/],
  ])('refuses the entry %s', async (evil, placeholder, pattern) => {
    const zip = rename(await makeZip([...good, { name: placeholder, data: 'x' }]), placeholder, evil);
    const err = await refused(zip);
    expect(err.message).toMatch(pattern);
  });

  it('refuses a symbolic link', async () => {
    const zip = await makeZip([...good, { name: 'link.js', data: '/etc/passwd', mode: 0o120777 }]);
    expect((await refused(zip)).message).toMatch(/entry 'link\.js': is a symbolic link; only regular files and folders/);
  });

  it('refuses other special files (a FIFO)', async () => {
    const zip = await makeZip([...good, { name: 'fifo', data: '', mode: 0o010644 }]);
    expect((await refused(zip)).message).toMatch(/entry 'fifo': is a special file/);
  });

  it('refuses more entries than maxFiles', async () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.js`, data: 'x' }));
    const err = await refused(await makeZip([...good, ...many]), { maxFiles: 8 });
    expect(err.message).toMatch(/has 10 entries, more than the limit of 8/);
  });

  it('refuses more bytes than maxBytes', async () => {
    const big = Array.from({ length: 3 }, (_, i) => ({ name: `data${i}.json`, data: Buffer.alloc(4000, 'a'.charCodeAt(0) + i) }));
    const err = await refused(await makeZip([...good, ...big]), { maxBytes: 10_000 });
    expect(err.message).toMatch(/entry 'data2\.json': takes the archive past 10000 uncompressed bytes/);
  });

  it('refuses a file over maxFileBytes', async () => {
    const err = await refused(await makeZip([...good, { name: 'big.js', data: Buffer.alloc(3000, 'x') }]), { maxFileBytes: 2000 });
    expect(err.message).toMatch(/entry 'big\.js': declares 3000 bytes, more than the limit of 2000 per file/);
  });

  it('refuses a zip bomb by its declared size, before inflating it', async () => {
    const bomb = Buffer.alloc(50 * 1024 * 1024);
    const zip = await makeZip([...good, { name: 'bomb.bin', data: bomb }]);
    expect(zip.length).toBeLessThan(200 * 1024);
    const err = await refused(zip, { maxBytes: 10 * 1024 * 1024 });
    expect(err.message).toMatch(/entry 'bomb\.bin': declares 52428800 bytes/);
  });

  it('refuses a zip bomb whose header lies, stopping early while inflating', async () => {
    const zip = declareSize(await makeZip([...good, { name: 'bomb.bin', data: Buffer.alloc(50 * 1024 * 1024) }]), 'bomb.bin', 1000);
    const started = performance.now();
    const err = await refused(zip, { maxBytes: 10 * 1024 * 1024 });
    expect(err.message).toMatch(/entry 'bomb\.bin': inflates past the 1000 bytes its header declares; stopped after \d+ bytes/);
    const inflated = Number(/stopped after (\d+) bytes/.exec(err.message)?.[1]);
    expect(inflated).toBeLessThan(1024 * 1024); // one inflate chunk, not 50 MB
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('refuses a bomb claiming a size within the limits but a huge ratio', async () => {
    const zip = await makeZip([...good, { name: 'zeros.bin', data: Buffer.alloc(4 * 1024 * 1024) }]);
    const err = await refused(zip);
    expect(err.message).toMatch(/entry 'zeros\.bin': declares a compression ratio over 100/);
  });

  it('refuses a lying header whose real data is bigger than maxFileBytes while inflating', async () => {
    // The header claims 4 MiB (under the per-file limit); the data inflates to 8 MiB.
    const zip = declareSize(await makeZip([...good, { name: 'grow.bin', data: Buffer.alloc(8 * 1024 * 1024) }]), 'grow.bin', 4 * 1024 * 1024);
    const err = await refused(zip, { maxRatio: 1e9 });
    expect(err.message).toMatch(/entry 'grow\.bin': inflates past the 4194304 bytes its header declares/);
  });

  it('refuses duplicate names', async () => {
    const err = await refused(await makeZip([...good, { name: 'index.js', data: 'exports.evil = 1;' }]));
    expect(err.message).toMatch(/entry 'index\.js': appears twice/);
  });

  it('refuses names differing only in case', async () => {
    const err = await refused(await makeZip([...good, { name: 'Index.js', data: 'exports.evil = 1;' }]));
    expect(err.message).toMatch(/entry 'Index\.js': clashes with 'index\.js'/);
  });

  it('refuses a file under a path that is a file', async () => {
    const err = await refused(await makeZip([...good, { name: 'index.js/x.js', data: 'x' }]));
    expect(err.message).toMatch(/entry 'index\.js\/x\.js': sits under 'index\.js', which is a file/);
  });

  it('refuses an encrypted entry', async () => {
    const err = await refused(markEncrypted(await makeZip(good), 'index.js'));
    expect(err.message).toMatch(/entry 'index\.js': is encrypted/);
  });

  it('refuses something that is not a zip', async () => {
    const err = await refused(Buffer.from('PK this is not really a zip file at all, just text'));
    expect(err.message).toMatch(/^plugin zip: not a zip file/);
  });

  it('refuses a zip without plugin.json', async () => {
    const err = await refused(await makeZip(good.filter((i) => i.name !== 'plugin.json')));
    expect(err.message).toMatch(/has no plugin\.json at its root/);
  });

  it('refuses plugin.json in a nested folder that is not the single top folder', async () => {
    const err = await refused(await makeZip([{ name: 'a/plugin.json', data: manifestJson }, { name: 'b/index.js', data: indexJs }]));
    expect(err.message).toMatch(/has no plugin\.json/);
  });

  it('refuses a plugin.json that is not JSON', async () => {
    const err = await refused(await makeZip([{ name: 'plugin.json', data: '{ name: ' }, { name: 'index.js', data: indexJs }]));
    expect(err.message).toMatch(/^plugin\.json: not valid JSON/);
  });

  it('refuses an invalid plugin.json, naming the field', async () => {
    const bad = JSON.stringify({ ...baseManifest, hooks: ['beforeContentSave', 'nope'] });
    const err = await refused(await makeZip([{ name: 'plugin.json', data: bad }, { name: 'index.js', data: indexJs }]));
    expect(err.message).toMatch(/^plugin\.json: hooks\[1\]: must be one of/);
  });

  it('refuses an entry file that is not in the archive', async () => {
    const err = await refused(await makeZip(good.filter((i) => i.name !== 'index.js')));
    expect(err.message).toBe(`plugin.json: entry: 'index.js' is not in the archive`);
  });
});

describe('writePluginFiles', () => {
  it('refuses a destination that exists, leaving it untouched', async () => {
    const archive = await readPluginZip(await makeZip(good));
    const parent = workDir();
    const dest = join(parent, 'hello');
    mkdirSync(dest);
    await expect(writePluginFiles(archive, dest)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(readdirSync(dest)).toEqual([]);
    expect(readdirSync(parent)).toEqual(['hello']);
  });

  it('re-checks paths: an archive built by hand with ../ is refused and nothing is written', async () => {
    const archive = await readPluginZip(await makeZip(good));
    archive.files.push({ path: '../escaped.js', data: Buffer.from('x') });
    const parent = workDir();
    const dest = join(parent, 'hello');
    await expect(writePluginFiles(archive, dest)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('removes the temporary folder when a write fails', async () => {
    const archive = await readPluginZip(await makeZip(good));
    // Two files with the same path: the second 'wx' open fails after the first was written.
    archive.files.push({ path: 'index.js', data: Buffer.from('again') });
    const parent = workDir();
    await expect(writePluginFiles(archive, join(parent, 'hello'))).rejects.toThrow();
    expect(readdirSync(parent)).toEqual([]);
  });
});
