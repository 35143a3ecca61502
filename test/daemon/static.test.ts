/**
 * The static file server behind /site/: files, folders and their index.html, redirects, ETags, HEAD,
 * and refusals (dot files, encoded `..`, symlinks out of the folder, FIFOs, files gone meanwhile).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from '../../src/daemon/static.js';

let server: Server;
let root: string;
let port: number;

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'raos-static-'));
  root = join(dir, 'site');
  mkdirSync(join(root, 'posts', 'a'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(root, 'posts', 'a', 'index.html'), '<p>a</p>');
  writeFileSync(join(root, 'feed.xml'), '<rss/>');
  writeFileSync(join(root, '.raos-build.json'), '{}');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'leak.txt'));
  execFileSync('mkfifo', [join(root, 'pipe.html')]);
  server = createServer((req, res) => void serveStatic(req, res, req.url!.split('?')[0], '/site', root));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return () => rmSync(dir, { recursive: true, force: true });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('serveStatic', () => {
  it('serves files and folders with their index.html, typed, with an ETag that answers 304', async () => {
    const home = await get('/site/');
    expect([home.status, home.body, home.headers['content-type'], home.headers['content-length']]).toEqual([200, '<h1>home</h1>', 'text/html; charset=utf-8', '13']);
    expect(home.headers['content-security-policy']).toContain("script-src 'none'");
    expect((await get('/site/posts/a/')).body).toBe('<p>a</p>');
    expect((await get('/site/feed.xml')).headers['content-type']).toBe('application/xml; charset=utf-8');
    const again = await get('/site/feed.xml', { 'if-none-match': String((await get('/site/feed.xml')).headers.etag) });
    expect(again.status).toBe(304);
    const head = await get('/site/feed.xml', {}, 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '6']);
  });

  it('redirects a folder without its slash, refuses other methods', async () => {
    expect(await get('/site')).toMatchObject({ status: 301, headers: { location: '/site/' } });
    expect(await get('/site/posts/a')).toMatchObject({ status: 301, headers: { location: '/site/posts/a/' } });
    expect((await get('/site/', {}, 'POST')).status).toBe(405);
  });

  it('refuses dot files, encoded dots, NUL, symlinks out of the folder, FIFOs and missing files', async () => {
    for (const path of ['/site/.raos-build.json', '/site/%2e%2e/secret.txt', '/site/posts/%2e%2e/%2e%2e/secret.txt', '/site/..%2fsecret.txt', '/site/%00', '/site/leak.txt', '/site/pipe.html', '/site/nope.html', '/site/%E0%A4%A']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });
});
