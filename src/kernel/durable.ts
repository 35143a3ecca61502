/**
 * Writing files so that a crash leaves the old content or the new one, never a torn one: write a temp
 * file beside the target, fsync it, rename it over the target, fsync the folder. One synchronous form
 * (small files: config, daemon state) and one asynchronous form (database images, backups).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';

/** Makes a rename in `dir` durable on POSIX; Windows cannot open a folder for fsync, and NTFS journals renames. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort: the data itself is already fsynced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const statOrUndefined = (file: string) => statSync(file, { throwIfNoEntry: false });

/**
 * Replaces `file` so that readers see the old or the new content, never a torn one, even after a crash:
 * write a temp file in the same folder, fsync it, rename it over the target, fsync the folder.
 * `mode` defaults to the existing file's mode (so a 0600 file stays 0600), else 0666 less the umask.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: { mode?: number } = {}): void {
  const dir = path.dirname(file);
  const mode = opts.mode ?? statOrUndefined(file)?.mode ?? 0o666;
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const fd = openSync(temp, 'wx', mode & 0o7777);
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

/**
 * The asynchronous form, for large images. Its temp file is `<target>.tmp-<pid>-<time>`, the name the
 * store removes at open after a crash.
 */
export async function writeFileDurably(target: string, data: Uint8Array): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  renameSync(tmp, target);
  fsyncDir(path.dirname(target));
}
