/**
 * Media files: typed by their content (never by their name), limited in size, stored once per
 * SHA-256 under `<dataDir>/media/<aa>/<sha256>.<ext>` (written to a temporary file, synced, renamed),
 * and recorded in cms.db. Adding the same bytes again returns the existing file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { can } from '../../kernel/access.js';
import type { Actor } from '../../kernel/actor.js';
import { RaosError, invalidInput, notFound } from '../../kernel/errors.js';
import type { EventBus } from '../../kernel/events.js';
import type { Store } from '../../kernel/storage/store.js';
import { loadMediaType } from './lazy.js';
import type { CmsTables } from './migrations.js';
import type { MediaView, mediaAddInput, mediaRefInput } from './schema.js';
import { newId } from '../../kernel/ids.js';
import type * as z from 'zod';

type In<T extends z.ZodType> = z.output<T>;
type MediaRow = CmsTables['media'];

export class MediaService {
  readonly #store: Store<CmsTables>;
  readonly #bus: EventBus;
  readonly #now: () => number;
  readonly #dir: string;
  readonly #workspace: string;
  readonly #maxBytes: number;

  constructor(options: { store: Store<CmsTables>; bus: EventBus; now: () => number; dir: string; workspace: string; maxBytes: number }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#now = options.now;
    this.#dir = options.dir;
    this.#workspace = options.workspace;
    this.#maxBytes = options.maxBytes;
  }

  #file(row: Pick<MediaRow, 'sha256' | 'ext'>): string {
    return join(this.#dir, row.sha256.slice(0, 2), `${row.sha256}.${row.ext}`);
  }

  #view(row: MediaRow): MediaView {
    return {
      id: row.id,
      name: row.name,
      mime: row.mime,
      ext: row.ext,
      size: Number(row.size),
      sha256: row.sha256,
      uploadedBy: row.uploaded_by,
      createdAt: row.created_at,
      path: relative(this.#workspace, this.#file(row)),
    };
  }

  async add(actor: Actor, input: In<typeof mediaAddInput>): Promise<MediaView & { duplicate: boolean }> {
    const bytes = Buffer.from(input.data, 'base64');
    if (bytes.length === 0) throw invalidInput(`data: ${input.name} is empty`);
    if (bytes.length > this.#maxBytes) {
      throw invalidInput(`data: ${input.name} is ${bytes.length} bytes; the limit is ${this.#maxBytes}`, {
        hint: 'Make the file smaller, or raise it: raos config set cms.media.maxBytes N',
      });
    }
    const type = await (await loadMediaType()).detectMediaType(bytes, input.name);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const existing = await this.#store.db.selectFrom('media').selectAll().where('sha256', '=', sha256).executeTakeFirst();
    if (existing) return { ...this.#view(existing), duplicate: true };
    const row: MediaRow = {
      id: newId('m'),
      name: input.name,
      mime: type.mime,
      ext: type.ext,
      size: bytes.length,
      sha256,
      uploaded_by: actor.name,
      uploaded_by_id: actor.id,
      created_at: new Date(this.#now()).toISOString(),
    };
    const path = this.#file(row);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    try {
      await this.#store.write((trx) => trx.insertInto('media').values(row).execute());
    } catch (err) {
      // The same bytes added at the same moment: the file is theirs too; answer with their record.
      const theirs = await this.#store.db.selectFrom('media').selectAll().where('sha256', '=', sha256).executeTakeFirst();
      if (theirs) return { ...this.#view(theirs), duplicate: true };
      await rm(path, { force: true });
      throw err;
    }
    this.#bus.publish('cms:media:added', { id: row.id, name: row.name, mime: row.mime, size: row.size });
    return { ...this.#view(row), duplicate: false };
  }

  async list(): Promise<MediaView[]> {
    const rows = await this.#store.db.selectFrom('media').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
    return rows.map((r) => this.#view(r));
  }

  async delete(actor: Actor, input: In<typeof mediaRefInput>): Promise<MediaView> {
    const row = await this.#store.db.selectFrom('media').selectAll().where('id', '=', input.id).executeTakeFirst();
    if (!row) throw notFound(`no media file '${input.id}'`, { hint: 'List media with: raos cms media list' });
    const own = row.uploaded_by_id !== null ? row.uploaded_by_id === actor.id : row.uploaded_by === actor.name;
    if (!own && !can(actor, 'cms.content.delete')) {
      throw new RaosError('FORBIDDEN', `${row.name} was added by ${row.uploaded_by}; deleting others' files needs cms.content.delete`);
    }
    await this.#store.write((trx) => trx.deleteFrom('media').where('id', '=', row.id).execute());
    await rm(this.#file(row), { force: true });
    this.#bus.publish('cms:media:deleted', { id: row.id, name: row.name });
    return this.#view(row);
  }

  async counts(): Promise<{ files: number; bytes: number }> {
    const r = await this.#store.db
      .selectFrom('media')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('b')])
      .executeTakeFirst();
    return { files: Number(r?.n ?? 0), bytes: Number(r?.b ?? 0) };
  }
}
