/**
 * Plugins in a running daemon, as a site owner meets them: a good plugin changes what is saved and
 * rendered; hostile plugins (an endless loop, process.exit, reading /etc/passwd, child_process, an
 * HTTP request, 2 GB of memory) are stopped, skipped, and disabled after cms.plugins.maxFailures
 * failures in a row with the reason recorded, while the daemon keeps serving. Installs go through
 * the seed's REST route with a base64 zip; events reach /ws subscribers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeZip, rename } from '../modules/cms/plugins/helpers.js';
import { assertBuilt, cleanup, useDaemons, workspace } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

const daemons = useDaemons();

const zipOf = (files: Record<string, string>) => makeZip(Object.entries(files).map(([name, data]) => ({ name, data })));

function plugin(name: string, hooks: string[], source: string, permissions = ['content:read']): Promise<Buffer> {
  const manifest = { name, version: '1.0.0', description: `${name} plugin`, entry: 'index.js', hooks, permissions };
  return zipOf({ 'plugin.json': JSON.stringify(manifest), 'index.js': source });
}

describe('plugins in the daemon', () => {
  it('runs good hooks, stops hostile ones, disables repeat offenders, and keeps serving', async () => {
    // A server a plugin must not reach.
    let requests = 0;
    const bait = createServer((_req, res) => {
      requests++;
      res.end('caught');
    });
    await new Promise<void>((resolve) => bait.listen(0, '127.0.0.1', resolve));
    const baitPort = (bait.address() as AddressInfo).port;

    const ws = await workspace();
    await ws.ok(['config', 'set', 'cms.plugins.hookTimeoutMs', '300']);
    const daemon = await daemons.start(ws);
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${daemon.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${daemon.ownerToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    // Events, as a /ws client sees them.
    const socket = new WebSocket(`${daemon.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${daemon.ownerToken}` } });
    const events: any[] = [];
    socket.on('message', (data) => events.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'subscribe', topics: ['cms'] }));

    const good = await plugin(
      'stamp',
      ['beforeContentSave', 'afterContentSave', 'onRender'],
      `exports.beforeContentSave = async (event, raos) => {
         raos.log('stamping', event.content.slug);
         return { content: { tags: [...event.content.tags, 'stamped'] } };
       };
       exports.afterContentSave = (event) => { if (event.content.revision < 1) throw new Error('not committed'); };
       exports.onRender = (event) => ({ html: event.html + '<p>stamped by a plugin</p><script>alert(1)</script>' });`,
      ['content:read', 'content:write', 'render'],
    );
    const hostile: Record<string, string> = {
      loop: 'exports.beforeContentSave = () => { while (true) {} };',
      exit: 'exports.beforeContentSave = () => { process.exit(1); };',
      passwd: "exports.beforeContentSave = () => ({ content: { body: require('fs').readFileSync('/etc/passwd', 'utf8') } });",
      spawn: "exports.beforeContentSave = () => { require('child_process').execSync('touch /tmp/raos-plugin-was-here'); };",
      http: `exports.beforeContentSave = async () => { await fetch('http://127.0.0.1:${baitPort}/'); };`,
      hog: 'exports.beforeContentSave = () => { const a = new Uint8Array(2 * 1024 ** 3); a.fill(1); return { veto: String(a[5]) }; };',
    };
    // The good one through the CLI (which goes through the daemon), the rest through REST.
    const goodFile = `${ws.root}/stamp.zip`;
    (await import('node:fs')).writeFileSync(goodFile, good);
    const installed = await ws.ok(['cms', 'plugin', 'install', goodFile, '--enable']);
    expect(installed).toMatchObject({ name: 'stamp', enabled: true });
    for (const [name, source] of Object.entries(hostile)) {
      const zip = await plugin(name, ['beforeContentSave'], source, ['content:read', 'content:write']);
      const res = await api('POST', '/api/cms/plugin/install', { pluginPackage: zip.toString('base64'), autoEnable: true });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }

    // Three saves: each succeeds, with the good plugin's change and a warning for every hostile one.
    for (let i = 1; i <= 3; i++) {
      const res = await api('POST', '/api/cms/content/create', { title: `Post ${i}`, body: `Body ${i}`, publish: true });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const saved = res.body.data;
      expect(saved.tags).toEqual(['stamped']);
      const warnings = saved.warnings.join('\n');
      for (const name of Object.keys(hostile)) expect(warnings, warnings).toContain(`plugin ${name}:`);
      expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    }
    expect(requests).toBe(0);
    expect((await import('node:fs')).existsSync('/tmp/raos-plugin-was-here')).toBe(false);

    // Each hostile plugin is now disabled, and says why.
    const list = await api('GET', '/api/cms/plugin/list');
    const plugins = (list.body.data) as any[];
    const byName = Object.fromEntries(plugins.map((p) => [p.name, p]));
    expect(byName.stamp).toMatchObject({ enabled: true, failures: 0 });
    for (const name of Object.keys(hostile)) {
      expect(byName[name].enabled, name).toBe(false);
      expect(byName[name].disabledReason, name).toMatch(/disabled after 3 failures in a row; the last: beforeContentSave: /);
    }
    expect(byName.loop.disabledReason).toMatch(/timeout/);
    expect(byName.hog.disabledReason).toMatch(/memory|timeout/);
    // A fourth save runs only the good plugin: no warnings.
    const fourth = await api('POST', '/api/cms/content/create', { title: 'Post 4', publish: true });
    expect((fourth.body.data).warnings).toEqual([]);

    // onRender's HTML is sanitised again, in show and in the built site the daemon serves.
    const shown = await ws.ok(['cms', 'content', 'show', 'post-1', '--html']);
    expect(shown.html).toContain('<p>stamped by a plugin</p>');
    expect(shown.html).not.toContain('<script');
    await ws.ok(['cms', 'build']);
    const page = await fetch(`${daemon.url}/site/posts/post-1/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('stamped by a plugin');
    expect(html).not.toContain('alert(1)');

    // /ws saw the saves, the publications and the disabling.
    const types = events.filter((e) => e.eventType).map((e) => e.eventType as string);
    expect(types.filter((t) => t === 'cms:content:saved').length).toBeGreaterThanOrEqual(4);
    expect(types).toContain('cms:content:published');
    expect(types.filter((t) => t === 'cms:plugin:disabled')).toHaveLength(Object.keys(hostile).length);
    socket.close();
    await new Promise<void>((resolve) => bait.close(() => resolve()));
  });

  it('refuses a zip-slip and a zip bomb over REST before writing anything', async () => {
    const ws = await workspace();
    const daemon = await daemons.start(ws);
    const post = (zip: Buffer) =>
      fetch(`${daemon.url}/api/cms/plugin/install`, {
        method: 'POST',
        headers: { authorization: `Bearer ${daemon.ownerToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ pluginPackage: zip.toString('base64'), autoEnable: true }),
      });
    const manifest = JSON.stringify({ name: 'evil', version: '1.0.0', description: '', entry: 'index.js', hooks: ['onPublish'], permissions: [] });
    const slip = rename(await zipOf({ 'plugin.json': manifest, 'index.js': '', 'AA/AA/escaped.js': 'x' }), 'AA/AA/escaped.js', '../../escaped.js');
    const res = await post(slip);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/\.\./);
    const bomb = await makeZip([
      { name: 'plugin.json', data: manifest },
      { name: 'index.js', data: '' },
      { name: 'zeros.bin', data: Buffer.alloc(64 * 1024 * 1024) },
    ]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res2 = await post(bomb);
    expect(res2.status).toBe(400);
    const list = await ws.ok<any[]>(['cms', 'plugin', 'list']);
    expect(list).toEqual([]);
    const { readdirSync, existsSync } = await import('node:fs');
    const pluginsDir = `${ws.dataDir}/modules/cms/plugins`;
    expect(existsSync(pluginsDir) ? readdirSync(pluginsDir) : []).toEqual([]);
    expect(existsSync(`${ws.dataDir}/modules/escaped.js`)).toBe(false);
  });
});
