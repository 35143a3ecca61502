/**
 * `cms plugin pack`: the example plugin packs into a zip that installs (the same checks) and runs in
 * the sandbox; hidden files are left out, a symlink or a bad manifest is refused naming it.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packPlugin } from '../../../../src/modules/cms/plugins/pack.js';
import { PluginHost } from '../../../../src/modules/cms/plugins/runner.js';
import { readPluginZip, writePluginFiles } from '../../../../src/modules/cms/plugins/zip.js';
import { tempDir, writePlugin } from './helpers.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', '..', 'examples', 'plugins', 'reading-time');
const hosts: PluginHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.close();
});

describe('packPlugin', () => {
  it('packs the example plugin into a zip that installs and runs', async () => {
    const packed = await packPlugin(EXAMPLE);
    expect(packed.manifest.name).toBe('reading-time');
    const archive = await readPluginZip(packed.zip);
    expect(archive.files.map((f) => f.path).sort()).toEqual(['index.js', 'minutes.js', 'plugin.json']);
    const dir = join(tempDir(), 'reading-time');
    await writePluginFiles(archive, dir);
    const host = new PluginHost({ name: 'reading-time', dir, manifest: archive.manifest, budgets: { timeMs: 1000, memoryMb: 64 } });
    hosts.push(host);
    const body = Array.from({ length: 450 }, () => 'word').join(' ');
    const outcome = await host.call('beforeContentSave', { content: { slug: 'long', body, tags: ['news', '9-min-read'] } });
    expect(outcome).toMatchObject({ ok: true, value: { content: { tags: ['news', '2-min-read'] } }, logs: ['long: 2-min-read'] });
  });

  it('leaves hidden files out and refuses a symlink, naming it', async () => {
    const { dir } = writePlugin({ 'index.js': 'exports.beforeContentSave = () => {};', '.env': 'SECRET=1' });
    expect((await readPluginZip((await packPlugin(dir)).zip)).files.map((f) => f.path).sort()).toEqual(['index.js', 'plugin.json']);
    symlinkSync('/etc/passwd', join(dir, 'passwd'));
    await expect(packPlugin(dir)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('passwd is a symbolic link') });
  });

  it('refuses a folder without a valid plugin.json, naming the field', async () => {
    await expect(packPlugin(join(tempDir(), 'nothing-here'))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('is not a folder') });
    const { dir } = writePlugin({ 'index.js': '' });
    writeFileSync(join(dir, 'plugin.json'), JSON.stringify({ name: 'x y', version: '1', entry: 'index.js', hooks: [] }));
    await expect(packPlugin(dir)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/plugin\.json: name: .*version/s) });
  });
});
