/**
 * The CMS through the daemon's REST door and its static site, as a web client meets them: a User
 * writes a draft that a Guest cannot see, the OpenAPI document lists the CMS routes, the seed's limit
 * of 60 requests a minute answers 429 with Retry-After, and /site/ serves the built site without a
 * token while refusing paths outside it and hidden files.
 */
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, useDaemons, workspace } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

const daemons = useDaemons();

describe('the CMS over REST', () => {
  it('drafts stay private, routes are documented, the seed limits hold, the site is served', async () => {
    const ws = await workspace();
    await ws.ok(['auth', 'user', 'create', 'ann', '--role', 'User']);
    await ws.ok(['auth', 'user', 'create', 'gus', '--role', 'Guest']);
    const ann = (await ws.ok<{ token: string }>(['auth', 'token', 'create', '--name', 'w', '--user', 'ann'])).token;
    const gus = (await ws.ok<{ token: string }>(['auth', 'token', 'create', '--name', 'r', '--user', 'gus'])).token;
    const daemon = await daemons.start(ws);
    const call = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${daemon.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as any };
    };

    const created = await call(ann, 'POST', '/api/cms/content/create', { title: 'Ann’s draft', body: 'secret *words*' });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({ slug: 'ann-s-draft', status: 'draft', author: { name: 'ann' } });
    expect((await call(gus, 'GET', '/api/cms/content/ann-s-draft')).status).toBe(404);
    expect((await call(ann, 'GET', '/api/cms/content/ann-s-draft?html=true')).body.data.html).toBe('<p>secret <em>words</em></p>\n');
    // A User may not publish; the owner may.
    expect((await call(ann, 'POST', '/api/cms/content/publish', { slug: 'ann-s-draft' })).status).toBe(403);
    expect((await call(daemon.ownerToken, 'POST', '/api/cms/content/publish', { slug: 'ann-s-draft' })).status).toBe(200);
    expect((await call(gus, 'GET', '/api/cms/content/ann-s-draft')).body.data.title).toBe('Ann’s draft');
    expect((await call(gus, 'GET', '/api/cms/content/search?query=secret')).body.data.hits.map((h: any) => h.slug)).toEqual(['ann-s-draft']);

    const openapi = await call(daemon.ownerToken, 'GET', '/api/openapi.json');
    const cmsPaths = Object.keys(openapi.body.paths).filter((p) => p.startsWith('/api/cms/'));
    expect(cmsPaths.length).toBeGreaterThanOrEqual(11);
    expect(cmsPaths).toEqual(expect.arrayContaining(['/api/cms/plugin/install', '/api/cms/plugin/list', '/api/cms/plugin/uninstall/{pluginId}']));

    // The site: built by the owner, served to anyone, nothing outside it.
    expect((await call(daemon.ownerToken, 'POST', '/api/cms/site/build', {})).body.data.pages).toBeGreaterThan(0);
    const page = await fetch(`${daemon.url}/site/posts/ann-s-draft/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<em>words</em>');
    expect((await fetch(`${daemon.url}/site/feed.xml`)).headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect((await fetch(`${daemon.url}/site/.raos-build.json`)).status).toBe(404);
    // Raw paths (fetch would normalise the dots away before sending).
    const raw = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const { hostname, port } = new URL(daemon.url);
        get({ hostname, port, path }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject);
      });
    for (const path of ['/site/%2e%2e/raos.json', '/site/..%2fraos.json', '/site/posts/%2e%2e/%2e%2e/raos.json', '/site/%00']) expect(await raw(path), path).toBe(404);
    const redirect = await fetch(`${daemon.url}/site/posts/ann-s-draft`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/site/posts/ann-s-draft/']);

    // rateLimits.cms: 60 a minute per actor. Gus has used 3; the 58th more is the 61st.
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      const r = await call(gus, 'GET', '/api/cms/content/list');
      if (r.status === 429) limited = r;
      else expect(r.status).toBe(200);
    }
    expect(limited?.body.errorCode).toBe('RATE_LIMITED');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other modules keep their own budget.
    expect((await call(gus, 'GET', '/api/memory/entry/list')).status).toBe(200);
  });
});
