/**
 * Serves a folder of built files (the CMS's static site at /site/): GET and HEAD only, paths decoded
 * once and resolved inside the folder (no `..`, no NUL, no symlink out of it), `index.html` for
 * folders, a redirect for folders asked without their trailing slash, ETag and Last-Modified so
 * browsers revalidate cheaply.
 */
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
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
  let handle: FileHandle | undefined;
  try {
    const info = await stat(file);
    if (info.isDirectory()) {
      if (!pathname.endsWith('/')) {
        res.writeHead(301, { location: `${pathname}/` });
        res.end();
        return;
      }
      file = join(file, 'index.html');
    }
    const real = await realpath(file);
    // Inside the folder, and a regular file (opening a FIFO would wait for a writer).
    if (!real.startsWith(base + sep) || !(await stat(real)).isFile()) return notFound(res);
    // Size and ETag from the open file itself: a build may replace or delete it meanwhile.
    handle = await open(real, 'r');
    const opened = await handle.stat();
    if (!opened.isFile()) return notFound(res);
    const etag = `"${opened.size.toString(36)}-${Math.floor(opened.mtimeMs).toString(36)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(opened.size),
      etag,
      'last-modified': opened.mtime.toUTCString(),
      'x-content-type-options': 'nosniff',
      // The site is static HTML: no scripts of its own, and none should run. Images may come from
      // anywhere Markdown may link them (http and https).
      'content-security-policy': "default-src 'self'; img-src 'self' http: https:; script-src 'none'; object-src 'none'; base-uri 'none'",
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = handle.createReadStream();
    handle = undefined; // the stream closes it
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  } catch {
    if (!res.headersSent) notFound(res);
    else res.destroy();
  } finally {
    await handle?.close();
  }
}
