/**
 * `raos cms plugin pack DIR`: a plugin folder as the .zip `plugin install` takes. The manifest is
 * checked first, hidden files and symlinks are left out (a symlink is refused: it would point outside
 * the plugin), and the finished zip goes through the same checks as an install, so a package that
 * packs is a package that installs.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import yazl from 'yazl';
import { invalidInput } from '../../../kernel/errors.js';
import { parseManifest, type PluginManifest } from './manifest.js';
import { DEFAULT_ZIP_LIMITS, readPluginZip } from './zip.js';

async function filesOf(root: string, dir = root, out: string[] = []): Promise<string[]> {
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) throw invalidInput(`${relative(root, path)} is a symbolic link; plugins may only hold regular files`, { hint: 'Copy the file into the plugin folder instead.' });
    if (entry.isDirectory()) await filesOf(root, path, out);
    else if (entry.isFile()) out.push(path);
    if (out.length > DEFAULT_ZIP_LIMITS.maxFiles) throw invalidInput(`the plugin folder holds more than ${DEFAULT_ZIP_LIMITS.maxFiles} files`);
  }
  return out;
}

export async function packPlugin(dir: string): Promise<{ zip: Buffer; manifest: PluginManifest; files: number }> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw invalidInput(`DIR: '${dir}' is not a folder`, { hint: 'Give the folder that holds plugin.json.' });
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(dir, 'plugin.json'), 'utf8'));
  } catch (err) {
    throw invalidInput(`${join(dir, 'plugin.json')}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message}`, {
      hint: 'A plugin folder holds plugin.json (name, version, description, entry, hooks) and its JavaScript.',
    });
  }
  const manifest = parseManifest(json);
  const zip = new yazl.ZipFile();
  const files = await filesOf(dir);
  for (const file of files) zip.addBuffer(await readFile(file), relative(dir, file).split(sep).join('/'), { mtime: new Date(0), mode: 0o100644 });
  zip.end();
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
  await readPluginZip(bytes);
  return { zip: bytes, manifest, files: files.length };
}
