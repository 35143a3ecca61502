/**
 * Serves a folder of built files (the CMS's static site at /site/): GET and HEAD only, paths decoded
 * once and resolved inside the folder (no `..`, no NUL, no symlink out of it), `index.html` for
 * folders, a redirect for folders asked without their trailing slash, ETag and Last-Modified so
 * browsers revalidate cheaply.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
};

function notFound(res: ServerResponse, message = 'not found'): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}

/**
 * Answers a request under `prefix` (e.g. `/site`) from `root`. `pathname` is the raw path of the URL.
 */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string, prefix: string, root: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    res.end();
    return;
  }
  if (pathname === prefix) {
    res.writeHead(301, { location: `${prefix}/` });
    res.end();
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice(prefix.length + 1));
  } catch {
    return notFound(res);
  }
  const parts = rel.split('/');
  // No `..`, and no hidden files (the build's manifest is one).
  if (rel.includes('\0') || rel.includes('\\') || parts.some((p) => p.startsWith('.'))) {
    return notFound(res);
  }
  let base: string;
  try {
    base = await realpath(root);
  } catch {
    return notFound(res, 'the site has not been built yet: run `raos cms build`');
  }
  let file = join(base, ...parts);
  try {
    let info = await stat(file);
    if (info.isDirectory()) {
      if (!pathname.endsWith('/')) {
        res.writeHead(301, { location: `${pathname}/` });
        res.end();
        return;
      }
      file = join(file, 'index.html');
      info = await stat(file);
    }
    const real = await realpath(file);
    if (!real.startsWith(base + sep) || !info.isFile()) return notFound(res);
    const etag = `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`;
    const headers = {
      'content-type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(info.size),
      etag,
      'last-modified': info.mtime.toUTCString(),
      'x-content-type-options': 'nosniff',
      // The site is static HTML: no scripts of its own, and none should run.
      'content-security-policy': "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'",
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(real).pipe(res);
  } catch {
    notFound(res);
  }
}
