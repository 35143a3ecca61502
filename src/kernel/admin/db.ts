/**
 * Operations over every module database: status, integrity check, checkpoint, backup.
 * A database that cannot be opened is reported (with its path and reason), never repaired in place.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RaosError, toRaosError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import { writeFileDurably } from '../durable.js';
import type { StoreStatus } from '../storage/store.js';

export interface DatabaseReport {
  module: string;
  path: string;
  ok: boolean;
  status?: StoreStatus;
  problems: string[];
  errorCode?: string;
}

/** Every database the workspace has or will have: the built-in modules' and stray `*.db` files. */
function databaseNames(kernel: Kernel): string[] {
  const names = new Set(kernel.databaseModules);
  if (existsSync(kernel.paths.dataDir)) {
    for (const f of readdirSync(kernel.paths.dataDir)) if (f.endsWith('.db')) names.add(f.slice(0, -3));
  }
  return [...names].sort();
}

async function inspect(kernel: Kernel, name: string, check: boolean): Promise<DatabaseReport> {
  const path = join(kernel.paths.dataDir, `${name}.db`);
  try {
    const store = await kernel.store(name);
    const problems = check ? store.integrityCheck() : [];
    return { module: name, path, ok: problems.length === 0, status: store.status(), problems };
  } catch (err) {
    const e = toRaosError(err);
    return { module: name, path, ok: false, problems: [e.message], errorCode: e.code };
  }
}

export async function dbStatus(kernel: Kernel): Promise<{ dataDir: string; databases: DatabaseReport[] }> {
  const databases: DatabaseReport[] = [];
  for (const name of databaseNames(kernel)) databases.push(await inspect(kernel, name, false));
  return { dataDir: kernel.paths.dataDir, databases };
}

export async function dbCheck(kernel: Kernel): Promise<{ ok: boolean; databases: DatabaseReport[] }> {
  const databases: DatabaseReport[] = [];
  for (const name of databaseNames(kernel)) databases.push(await inspect(kernel, name, true));
  const ok = databases.every((d) => d.ok);
  if (!ok) {
    const bad = databases.filter((d) => !d.ok);
    throw new RaosError(
      'STORAGE_CORRUPT',
      `${bad.length} database(s) failed the check: ${bad.map((d) => `${d.path}: ${d.problems.join('; ')}`).join(' | ')}`,
      {
        hint: 'The files were left as they are. Restore from a backup, or move the damaged file aside.',
        details: { databases: bad.map((d) => ({ path: d.path, problems: d.problems })) },
      },
    );
  }
  return { ok, databases };
}

export async function dbCheckpoint(kernel: Kernel): Promise<{ databases: { module: string; path: string; bytes: number; lsn: number }[] }> {
  const out = [];
  for (const name of databaseNames(kernel)) {
    const store = await kernel.store(name);
    await store.checkpoint();
    const status = store.status();
    out.push({ module: name, path: status.path!, bytes: status.fileBytes, lsn: status.checkpointLsn });
  }
  return { databases: out };
}

export interface BackupResult {
  dir: string;
  createdAt: string;
  files: { module: string; file: string; bytes: number; sha256: string; lsn: number }[];
}

/**
 * Writes a consistent image of every database (file plus journal) into `dir`, with a manifest of
 * checksums. Refuses to overwrite an earlier backup unless `force`.
 */
export async function dbBackup(kernel: Kernel, input: { dir: string; force?: boolean }): Promise<BackupResult> {
  const dir = resolve(kernel.root, input.dir);
  if (resolve(dir) === resolve(kernel.paths.dataDir)) {
    throw new RaosError('INVALID_INPUT', 'dir: a backup cannot go into the live data folder', { hint: 'Pick another folder.' });
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new RaosError('INVALID_INPUT', `dir: ${dir} exists and is not a folder`);
  }
  if (!input.force && existsSync(join(dir, 'manifest.json'))) {
    throw new RaosError('CONFLICT', `${dir} already holds a backup`, { hint: 'Choose an empty folder, or pass --force to replace it.' });
  }
  mkdirSync(dir, { recursive: true });
  const createdAt = new Date(kernel.now()).toISOString();
  const files: BackupResult['files'] = [];
  for (const name of databaseNames(kernel)) {
    const store = await kernel.store(name);
    const image = await store.exportImage();
    const file = `${name}.db`;
    await writeFileDurably(join(dir, file), image);
    files.push({ module: name, file, bytes: image.length, sha256: createHash('sha256').update(image).digest('hex'), lsn: store.status().lsn });
  }
  const manifest = { format: 'raos-backup/1', createdAt, workspace: kernel.root, files };
  await writeFileDurably(join(dir, 'manifest.json'), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return { dir, createdAt, files };
}
