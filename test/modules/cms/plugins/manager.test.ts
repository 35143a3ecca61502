/**
 * PluginManager with real sandboxed plugins under CmsService: install from zips, hooks in install
 * order each seeing the previous change, a veto, failures counted and the plugin disabled with its
 * reason (and the event), enable clearing the count, uninstall removing the files.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerActor } from '../../../../src/kernel/actor.js';
import { EventBus, type RaosEvent } from '../../../../src/kernel/events.js';
import { silentLogger } from '../../../../src/kernel/logger.js';
import { Store } from '../../../../src/kernel/storage/store.js';
import { migrations, type CmsTables } from '../../../../src/modules/cms/migrations.js';
import { PluginManager } from '../../../../src/modules/cms/plugins/manager.js';
import { contentCreateInput } from '../../../../src/modules/cms/schema.js';
import { CmsService } from '../../../../src/modules/cms/service.js';
import { codeOf } from '../../../helpers.js';
import { makeZip, tempDir } from './helpers.js';

const owner = ownerActor('internal');

function pluginZip(name: string, hooks: string[], source: string, permissions = ['content:read', 'content:write']): Promise<Buffer> {
  const manifest = { name, version: '1.0.0', description: name, entry: 'index.js', hooks, permissions };
  return makeZip([
    { name: 'plugin.json', data: JSON.stringify(manifest) },
    { name: 'index.js', data: source },
  ]);
}

describe('PluginManager', () => {
  let store: Store<CmsTables>;
  let plugins: PluginManager;
  let cms: CmsService;
  let events: RaosEvent[];
  let dir: string;

  beforeEach(async () => {
    store = await Store.open<CmsTables>({ name: 'cms', path: null, mode: 'write', migrations });
    const bus = new EventBus();
    events = [];
    bus.subscribe((e) => events.push(e));
    dir = join(tempDir(), 'plugins');
    plugins = new PluginManager({ store, bus, log: silentLogger, now: Date.now, dir, settings: { hookTimeoutMs: 500, memoryMb: 64, maxFailures: 2 } });
    cms = new CmsService({ store, bus, now: Date.now, log: silentLogger, plugins });
  });
  afterEach(async () => {
    await cms.stop();
    await store.close();
  });

  const create = (title: string, body = '') => cms.createContent(owner, contentCreateInput.parse({ title, body }));

  it('runs hooks in install order, each seeing the change before it; a veto stops the save', async () => {
    await plugins.install(owner, await pluginZip('first', ['beforeContentSave'], "exports.beforeContentSave = (e) => ({ content: { title: e.content.title + ' A' } });"), true);
    await plugins.install(owner, await pluginZip('second', ['beforeContentSave'], "exports.beforeContentSave = async (e) => ({ content: { title: e.content.title + ' B' } });"), true);
    await plugins.install(
      owner,
      await pluginZip('guard', ['beforeContentSave'], "exports.beforeContentSave = (e) => (e.content.body.includes('forbidden') ? { veto: 'not here' } : undefined);"),
      true,
    );
    expect((await create('Title')).title).toBe('Title A B');
    expect(await codeOf(create('Other', 'a forbidden word'))).toEqual({ code: 'INVALID_INPUT', message: 'plugin guard refused the save: not here' });
    expect((await plugins.list()).map((p) => [p.name, p.position, p.enabled])).toEqual([
      ['first', 1, true],
      ['second', 2, true],
      ['guard', 3, true],
    ]);
  });

  it('disables a plugin after maxFailures failures in a row, says why, and enable clears it', async () => {
    await plugins.install(owner, await pluginZip('flaky', ['beforeContentSave'], "exports.beforeContentSave = () => { throw new Error('always'); };"), true);
    const first = await create('One');
    expect(first.warnings).toEqual(['plugin flaky: beforeContentSave threw (Error: always); skipped']);
    expect((await plugins.list())[0]).toMatchObject({ enabled: true, failures: 1, lastError: 'beforeContentSave: threw: Error: always' });
    await create('Two');
    const [flaky] = await plugins.list();
    expect(flaky).toMatchObject({ enabled: false, failures: 2, disabledReason: 'disabled after 2 failures in a row; the last: beforeContentSave: threw: Error: always' });
    expect(events.find((e) => e.eventType === 'cms:plugin:disabled')?.payload).toMatchObject({ name: 'flaky', reason: flaky.disabledReason });
    expect((await create('Three')).warnings).toEqual([]);
    expect(await plugins.setEnabled('flaky', true)).toMatchObject({ enabled: true, failures: 0, disabledReason: null });
  });

  it('counts results the CMS refuses as failures too, so a plugin that keeps returning them is disabled', async () => {
    await plugins.install(owner, await pluginZip('sloppy', ['beforeContentSave'], "exports.beforeContentSave = () => ({ something: 'else' });"), true);
    await create('One');
    expect((await plugins.list())[0]).toMatchObject({ enabled: true, failures: 1 });
    await create('Two');
    expect((await plugins.list())[0]).toMatchObject({ enabled: false, failures: 2, disabledReason: expect.stringContaining('beforeContentSave: returned') });
  });

  it('a success ends a run of failures', async () => {
    await plugins.install(owner, await pluginZip('moody', ['beforeContentSave'], "exports.beforeContentSave = (e) => { if (e.content.title === 'bad') throw new Error('no'); };"), true);
    await create('bad');
    expect((await plugins.list())[0].failures).toBe(1);
    await create('good');
    await create('bad');
    expect((await plugins.list())[0]).toMatchObject({ enabled: true, failures: 1 });
  });

  it("fingerprints onRender plugins by their code, not only their version (the site re-renders when it changes)", async () => {
    const zip = (html: string) => pluginZip('footer', ['onRender'], `exports.onRender = (e) => ({ html: e.html + '${html}' });`, ['render']);
    expect(await plugins.fingerprint('onRender')).toBe('');
    await plugins.install(owner, await zip('<p>one</p>'), true);
    const first = await plugins.fingerprint('onRender');
    await plugins.uninstall('footer');
    await plugins.install(owner, await zip('<p>two</p>'), true);
    expect(await plugins.fingerprint('onRender')).not.toBe(first);
    expect(await plugins.fingerprint('onRender')).toMatch(/^footer@1\.0\.0#[0-9a-f]{64}$/);
  });

  it('refuses a second install of a name, and uninstall removes the record and the files', async () => {
    const zip = await pluginZip('once', ['onPublish'], 'exports.onPublish = () => {};', []);
    const view = await plugins.install(owner, zip, false);
    expect(existsSync(join(dir, 'once', 'index.js'))).toBe(true);
    expect((await codeOf(plugins.install(owner, zip, false))).code).toBe('CONFLICT');
    await plugins.uninstall(view.pluginId);
    expect(await plugins.list()).toEqual([]);
    expect(existsSync(join(dir, 'once'))).toBe(false);
    expect((await codeOf(plugins.uninstall('once'))).code).toBe('NOT_FOUND');
  });
});
