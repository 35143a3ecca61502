import { mkdtempSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import yazl from 'yazl';

export interface ZipItem {
  name: string;
  data?: string | Buffer;
  /** Unix mode (file type bits included); default a regular file 0o100644. */
  mode?: number;
  directory?: boolean;
  compress?: boolean;
}

/** Builds a zip in memory with yazl (which refuses unsafe names: see `rename`). */
export function makeZip(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const item of items) {
    if (item.directory) zip.addEmptyDirectory(item.name, { mode: item.mode ?? 0o40755 });
    else {
      const data = typeof item.data === 'string' ? Buffer.from(item.data) : (item.data ?? Buffer.alloc(0));
      zip.addBuffer(data, item.name, { mode: item.mode ?? 0o100644, compress: item.compress ?? true });
    }
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/**
 * Replaces an entry name with another of the same length in both the local and central headers: how
 * the tests make names yazl would refuse to write (`../evil.js`, `/etc/x`, `C:\x`).
 */
export function rename(zip: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  if (a.length !== b.length) throw new Error('rename needs names of the same length');
  const out = Buffer.from(zip);
  let found = 0;
  for (let i = out.indexOf(a); i !== -1; i = out.indexOf(a, i + a.length)) {
    b.copy(out, i);
    found++;
  }
  if (found !== 2) throw new Error(`expected the name twice (local + central header), found ${found}`);
  return out;
}

/** Walks the zip's headers and lets `patch` change each one (offsets per APPNOTE 4.3.7 / 4.3.12). */
function eachHeader(zip: Buffer, name: string, patch: (buf: Buffer, kind: 'local' | 'central', offset: number) => void): Buffer {
  const out = Buffer.from(zip);
  const target = Buffer.from(name);
  for (let i = 0; i < out.length - 4; i++) {
    const sig = out.readUInt32LE(i);
    if (sig === 0x04034b50) {
      const len = out.readUInt16LE(i + 26);
      if (out.subarray(i + 30, i + 30 + len).equals(target)) patch(out, 'local', i);
    } else if (sig === 0x02014b50) {
      const len = out.readUInt16LE(i + 28);
      if (out.subarray(i + 46, i + 46 + len).equals(target)) patch(out, 'central', i);
    }
  }
  return out;
}

/** Makes the headers of `name` claim `size` uncompressed bytes: a zip bomb lying about itself. */
export function declareSize(zip: Buffer, name: string, size: number): Buffer {
  return eachHeader(zip, name, (buf, kind, offset) => buf.writeUInt32LE(size, offset + (kind === 'local' ? 22 : 24)));
}

/** Sets the "encrypted" flag of `name`. */
export function markEncrypted(zip: Buffer, name: string): Buffer {
  return eachHeader(zip, name, (buf, kind, offset) => {
    const at = offset + (kind === 'local' ? 6 : 8);
    buf.writeUInt16LE(buf.readUInt16LE(at) | 1, at);
  });
}

export function tempDir(prefix = 'raos-plugins-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every file under `dir`, as sorted relative paths. */
export function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const path = rel ? `${rel}/${name}` : name;
    if (statSync(join(dir, path)).isDirectory()) out.push(...listFiles(dir, path));
    else out.push(path);
  }
  return out.sort();
}

export const baseManifest = {
  name: 'hello',
  version: '1.0.0',
  description: 'Says hello',
  entry: 'index.js',
  hooks: ['beforeContentSave'],
};

/** Writes a plugin folder (plugin.json + files) and returns it. */
export function writePlugin(files: Record<string, string>, manifest: Record<string, unknown> = {}): { dir: string; manifest: typeof baseManifest & Record<string, unknown> } {
  const dir = tempDir('raos-plugin-');
  const full = { ...baseManifest, ...manifest };
  writeFileSync(join(dir, 'plugin.json'), JSON.stringify(full));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, manifest: full };
}
