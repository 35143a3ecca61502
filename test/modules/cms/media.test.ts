/**
 * MediaService: files stored once per checksum, typed by content, limited in size; deleting needs
 * the uploader (by id, not by name) or cms.content.delete; the same bytes added twice at once give
 * one file and one record.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerActor } from '../../../src/kernel/actor.js';
import { EventBus } from '../../../src/kernel/events.js';
import { Store } from '../../../src/kernel/storage/store.js';
import { MediaService } from '../../../src/modules/cms/media.js';
import { migrations, type CmsTables } from '../../../src/modules/cms/migrations.js';
import { codeOf, userActor } from '../../helpers.js';

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe('MediaService', () => {
  let store: Store<CmsTables>;
  let media: MediaService;
  let workspace: string;

  beforeEach(async () => {
    store = await Store.open<CmsTables>({ name: 'cms', path: null, mode: 'write', migrations });
    workspace = mkdtempSync(join(tmpdir(), 'raos-media-'));
    media = new MediaService({ store, bus: new EventBus(), now: Date.now, dir: join(workspace, 'media'), workspace, maxBytes: 1024 });
  });
  afterEach(() => store.close());

  const add = (actor = ownerActor('internal'), data = PNG, name = 'dot.png') => media.add(actor, { name, data: data.toString('base64') });

  it('stores by checksum, typed by content; the same bytes again return the first file', async () => {
    const first = await add();
    expect(first).toMatchObject({ mime: 'image/png', ext: 'png', size: PNG.length, duplicate: false });
    expect(existsSync(join(workspace, first.path))).toBe(true);
    expect(await add(userActor('ann'), PNG, 'again.jpg')).toMatchObject({ id: first.id, duplicate: true });
    const [a, b] = await Promise.all([add(userActor('x'), Buffer.concat([PNG, Buffer.from([0])])), add(userActor('y'), Buffer.concat([PNG, Buffer.from([0])]))]);
    expect(a.id).toBe(b.id);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect(existsSync(join(workspace, a.path))).toBe(true);
  });

  it('refuses files over the limit and types it does not accept, naming the file', async () => {
    expect(await codeOf(add(ownerActor('internal'), Buffer.alloc(2048, 1), 'big.bin'))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('big.bin is 2048 bytes') });
    expect(await codeOf(add(ownerActor('internal'), Buffer.from('<svg onload="x()"/>'), 'a.png'))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('a.png') });
    expect(await media.list()).toEqual([]);
  });

  it('only the uploader (by id) or cms.content.delete may delete; a user named like the owner may not', async () => {
    const owner = ownerActor('internal');
    const file = await add(owner);
    const impostor = { ...userActor(owner.name), id: 'u-impostor' };
    expect((await codeOf(media.delete(impostor, { id: file.id }))).code).toBe('FORBIDDEN');
    const mine = await add(userActor('ann'), Buffer.concat([PNG, Buffer.from([1])]));
    expect((await codeOf(media.delete({ ...userActor('ann'), id: 'u-other-ann' }, { id: mine.id }))).code).toBe('FORBIDDEN');
    expect((await media.delete(userActor('ann'), { id: mine.id })).id).toBe(mine.id);
    expect((await media.delete(userActor('mod', 'Moderator'), { id: file.id })).id).toBe(file.id);
    expect(existsSync(join(workspace, file.path))).toBe(false);
    expect((await codeOf(media.delete(owner, { id: file.id }))).code).toBe('NOT_FOUND');
  });
});
