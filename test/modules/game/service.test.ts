/**
 * GameService on an in-memory store: scenes and ownership, the entity hierarchy with world
 * transforms, cycle refusal, component validation, chat keeping its last 200 messages, cascades,
 * export/import, and live moves coalesced per tick and written on flush.
 */
import { codeOf, userActor } from '../../helpers.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ownerActor, type Actor } from '../../../src/kernel/actor.js';
import { EventBus, type RaosEvent } from '../../../src/kernel/events.js';
import { Store } from '../../../src/kernel/storage/store.js';
import { builtinComponents } from '../../../src/modules/game/components.js';
import { migrations, type GameTables } from '../../../src/modules/game/migrations.js';
import { entityCreateInput, entityMoveInput, sceneCreateInput } from '../../../src/modules/game/schema.js';
import { GameService } from '../../../src/modules/game/service.js';

const owner = ownerActor('internal');
const user = userActor;


const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);

describe('GameService', () => {
  let store: Store<GameTables>;
  let game: GameService;
  let events: RaosEvent[];
  const now = Date.parse('2026-06-01T00:00:00Z');

  async function open(live?: { tickHz: number; persistMs: number }) {
    store = await Store.open<GameTables>({ name: 'game', path: null, mode: 'write', migrations });
    const bus = new EventBus();
    events = [];
    bus.subscribe((e) => events.push(e));
    game = new GameService({ store, bus, now: () => now, components: builtinComponents(), live });
  }
  const scene = (actor: Actor, name: string) => game.createScene(actor, sceneCreateInput.parse({ name }));
  const entity = (actor: Actor, input: Record<string, unknown>) => game.createEntity(actor, entityCreateInput.parse(input));

  afterEach(async () => {
    vi.useRealTimers();
    await game?.stop();
    await store?.close();
  });

  describe('scenes, entities, chat', () => {
    beforeEach(() => open());

    it('scene names are unique regardless of case; the owner and moderators change a scene, others may not', async () => {
      const alice = user('alice');
      const s = await scene(alice, 'Dungeon');
      expect(s).toMatchObject({ name: 'Dungeon', owner: { id: 'u-alice', name: 'alice' }, entityCount: 0 });
      expect((await codeOf(scene(owner, 'dungeon'))).code).toBe('CONFLICT');
      expect((await codeOf(game.updateScene(user('bob'), { scene: 'Dungeon', description: 'mine now' }))).code).toBe('FORBIDDEN');
      expect((await game.updateScene(user('mod', 'Moderator'), { scene: s.id, description: 'tidied' })).description).toBe('tidied');
      expect((await game.showScene(alice, { scene: 'DUNGEON' })).id).toBe(s.id);
    });

    it('computes world transforms down the hierarchy, rotation and scale included', async () => {
      await scene(owner, 'World');
      const root = await entity(owner, { scene: 'World', name: 'root', position: [10, 0, 0], rotation: [0, 0, 90], scale: [2, 2, 2] });
      const child = await entity(owner, { scene: 'World', name: 'child', parent: root.id, position: [1, 0, 0] });
      const grandchild = await entity(owner, { scene: 'World', name: 'grandchild', parent: child.id, position: [0, 1, 0], scale: [0.5, 0.5, 0.5] });
      // root rotates +90° about Z and scales ×2: local (1,0,0) → (0,2,0), so child is at (10,2,0).
      expect(close(child.world.position, [10, 2, 0])).toBe(true);
      // grandchild: child's local (0,1,0) in root space → rotated (−1,0,0) ×2 = (−2,0,0) → (8,2,0).
      const shown = await game.showEntity(owner, { id: grandchild.id });
      expect(close(shown.world.position, [8, 2, 0])).toBe(true);
      expect(close(shown.world.scale, [1, 1, 1])).toBe(true);
      expect(close(shown.world.rotation, [0, 0, 90])).toBe(true);
      const list = await game.listEntities(owner, { scene: 'World' });
      expect(list.entities.map((e) => [e.name, e.depth])).toEqual([
        ['root', 0],
        ['child', 1],
        ['grandchild', 2],
      ]);
    });

    it('refuses a reparent that would make a cycle, naming it; moving to the root works', async () => {
      await scene(owner, 'S');
      const a = await entity(owner, { scene: 'S', name: 'a' });
      const b = await entity(owner, { scene: 'S', name: 'b', parent: a.id });
      const c = await entity(owner, { scene: 'S', name: 'c', parent: b.id });
      const err = await codeOf(game.moveEntity(owner, entityMoveInput.parse({ id: a.id, parent: c.id })));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toContain('would make a cycle');
      expect(err.message).toContain(a.id);
      expect((await codeOf(game.moveEntity(owner, entityMoveInput.parse({ id: a.id, parent: a.id })))).code).toBe('INVALID_INPUT');
      const moved = await game.moveEntity(owner, entityMoveInput.parse({ id: c.id, parent: null, position: [5, 0, 0] }));
      expect(moved).toMatchObject({ parent: null, position: [5, 0, 0], version: 2 });
    });

    it('validates components by type, naming the field; updates merge and remove them', async () => {
      await scene(owner, 'S');
      const bad = await codeOf(entity(owner, { scene: 'S', name: 'x', components: { health: { current: 20, max: 10 } } }));
      expect(bad).toEqual({ code: 'INVALID_INPUT', message: 'components.health.current: must not exceed max' });
      const unknown = await codeOf(entity(owner, { scene: 'S', name: 'x', components: { warp: {} } }));
      expect(unknown.message).toMatch(/^components\.warp: unknown component type/);
      const e = await entity(owner, { scene: 'S', name: 'hero', components: { health: { current: 10, max: 10 }, light: {} } });
      expect(e.components).toEqual({ health: { current: 10, max: 10 }, light: { color: '#ffffff', intensity: 1, range: 10 } });
      const u = await game.updateEntity(owner, { id: e.id, components: { tags: { values: ['brave'] } }, removeComponents: ['light'] });
      expect(Object.keys(u.components).sort()).toEqual(['health', 'tags']);
      expect((await codeOf(game.updateEntity(owner, { id: e.id, name: 'x', ifVersion: 1 }))).code).toBe('CONFLICT');
    });

    it('a chat room keeps its last 200 messages in storage', async () => {
      await scene(owner, 'S');
      const room = await game.createRoom(owner, { scene: 'S', name: 'party', kind: 'party' });
      for (let i = 1; i <= 205; i++) await game.send(owner, { room: room.id, text: `message ${i}` });
      const stored = await store.db.selectFrom('chat_messages').select(['seq']).where('room_id', '=', room.id).orderBy('seq').execute();
      expect(stored).toHaveLength(200);
      expect(stored[0].seq).toBe(6);
      const history = await game.history(owner, { room: 'S/party', limit: 3 });
      expect(history.messages.map((m) => m.text)).toEqual(['message 203', 'message 204', 'message 205']);
      expect(events.filter((e) => e.eventType === 'game:chat:message')).toHaveLength(205);
    });

    it('only the scene owner or a chat moderator makes rooms', async () => {
      await scene(user('alice'), 'Hers');
      expect((await codeOf(game.createRoom(user('bob'), { scene: 'Hers', name: 'x', kind: 'zone' }))).code).toBe('FORBIDDEN');
      expect((await game.createRoom(user('mod', 'Moderator'), { scene: 'Hers', name: 'x', kind: 'zone' })).name).toBe('x');
    });

    it('deleting an entity deletes its subtree; deleting a scene deletes entities, rooms and messages', async () => {
      await scene(owner, 'S');
      const a = await entity(owner, { scene: 'S', name: 'a' });
      const b = await entity(owner, { scene: 'S', name: 'b', parent: a.id });
      await entity(owner, { scene: 'S', name: 'c', parent: b.id });
      await entity(owner, { scene: 'S', name: 'other' });
      expect((await game.deleteEntity(owner, { id: a.id })).deleted).toHaveLength(3);
      const room = await game.createRoom(owner, { scene: 'S', name: 'r', kind: 'zone' });
      await game.send(owner, { room: room.id, text: 'hi' });
      expect(await game.deleteScene(owner, { scene: 'S' })).toMatchObject({ entities: 1, chatRooms: 1 });
      for (const table of ['entities', 'chat_rooms', 'chat_messages'] as const) {
        expect(await store.db.selectFrom(table).selectAll().execute()).toEqual([]);
      }
      expect((await codeOf(game.showScene(owner, { scene: 'S' }))).code).toBe('NOT_FOUND');
    });

    it('export then import makes an equal scene with new ids; a cyclic or dangling file is refused whole', async () => {
      await scene(owner, 'Orig');
      const a = await entity(owner, { scene: 'Orig', name: 'a', position: [1, 2, 3], rotation: [0, 45, 0], components: { health: { current: 1, max: 2 } } });
      await entity(owner, { scene: 'Orig', name: 'b', parent: a.id, scale: [2, 2, 2] });
      await game.createRoom(owner, { scene: 'Orig', name: 'guild', kind: 'guild' });
      const data = await game.exportScene(owner, { scene: 'Orig' });
      const copy = await game.importScene(owner, { data, name: 'Copy' });
      expect(copy.entityCount).toBe(2);
      const again = await game.exportScene(owner, { scene: 'Copy' });
      const strip = (x: typeof data) => x.entities.map(({ id: _id, parent, ...rest }) => ({ ...rest, hasParent: parent !== null }));
      expect(strip(again)).toEqual(strip(data));
      expect(again.chatRooms).toEqual([{ name: 'guild', kind: 'guild' }]);
      expect(again.entities[0].id).not.toBe(data.entities[0].id);
      const cyclic = { ...data, entities: [{ ...data.entities[0], parent: data.entities[1].id }, data.entities[1]] };
      expect((await codeOf(game.importScene(owner, { data: cyclic, name: 'Bad' }))).message).toContain('cycle');
      const dangling = { ...data, entities: [{ ...data.entities[0], parent: 'nope' }] };
      expect((await codeOf(game.importScene(owner, { data: dangling, name: 'Bad' }))).code).toBe('INVALID_INPUT');
      expect((await codeOf(game.showScene(owner, { scene: 'Bad' }))).code).toBe('NOT_FOUND');
    });
  });

  describe('live moves', () => {
    it('coalesce per tick into one delta per entity, reach only that scene, and are written on flush', async () => {
      vi.useFakeTimers();
      await open({ tickHz: 20, persistMs: 60_000 });
      const s1 = await scene(owner, 'One');
      await scene(owner, 'Two');
      const e = await entity(owner, { scene: 'One', name: 'runner' });
      const other = await entity(owner, { scene: 'Two', name: 'stays' });
      vi.advanceTimersByTime(50);
      events.length = 0;
      for (let x = 1; x <= 5; x++) await game.moveLive(owner, { id: e.id, position: [x, 0, 0] });
      vi.advanceTimersByTime(50);
      const ticks = events.filter((ev) => ev.eventType === 'game:tick');
      expect(ticks).toHaveLength(1);
      const tick = ticks[0].payload as { sceneId: string; deltas: unknown[]; moves: unknown[][] };
      expect(tick.sceneId).toBe(s1.id);
      expect(tick.deltas).toEqual([]);
      expect(tick.moves).toEqual([[e.id, 5, 0, 0, 0, 0, 0]]);
      // Not written yet; the snapshot shows it all the same.
      expect((await game.showEntity(owner, { id: e.id })).position).toEqual([0, 0, 0]);
      expect((await game.snapshot(owner, 'One')).entities[0].position).toEqual([5, 0, 0]);
      expect((await codeOf(game.moveLive(owner, { id: other.id, position: [1, 1, 1], sceneId: s1.id }))).code).toBe('INVALID_INPUT');
      await game.stop();
      const written = await game.showEntity(owner, { id: e.id });
      expect(written.position).toEqual([5, 0, 0]);
      expect(written.version).toBe(2);
    });

    it("a refused update does not throw away another player's live move; deleting a scene frees its live state", async () => {
      vi.useFakeTimers();
      await open({ tickHz: 20, persistMs: 60_000 });
      const alice = user('alice');
      await scene(alice, 'Hers');
      const e = await entity(alice, { scene: 'Hers', name: 'x' });
      await game.moveLive(alice, { id: e.id, position: [10, 0, 0] });
      expect((await codeOf(game.updateEntity(user('bob'), { id: e.id, name: 'mine' }))).code).toBe('FORBIDDEN');
      await game.flushMoves();
      expect((await game.showEntity(alice, { id: e.id })).position).toEqual([10, 0, 0]);
      await game.snapshot(alice, 'Hers');
      await game.moveLive(alice, { id: e.id, position: [11, 0, 0] });
      expect(game.liveStats()).toMatchObject({ handles: 1, unwrittenMoves: 1 });
      await game.deleteScene(alice, { scene: 'Hers' });
      expect(game.liveStats()).toEqual({ handles: 0, unwrittenMoves: 0, scenesWithPendingChanges: 0 });
    });

    it('a regular update after a live move wins over it', async () => {
      vi.useFakeTimers();
      await open({ tickHz: 20, persistMs: 60_000 });
      await scene(owner, 'S');
      const e = await entity(owner, { scene: 'S', name: 'x' });
      await game.moveLive(owner, { id: e.id, position: [9, 9, 9] });
      await game.updateEntity(owner, { id: e.id, position: [1, 1, 1] });
      await game.flushMoves();
      expect((await game.showEntity(owner, { id: e.id })).position).toEqual([1, 1, 1]);
    });
  });
});

describe('GameService ownership of a scene\'s structure', () => {
  it('others may move entities (play) but not add, change, re-parent or delete them; moderators may', async () => {
    const store = await Store.open<GameTables>({ name: 'game', path: null, mode: 'write', migrations });
    const game = new GameService({ store, bus: new EventBus(), now: () => 0, components: builtinComponents() });
    const alice = user('alice');
    const bob = user('bob');
    await game.createScene(alice, sceneCreateInput.parse({ name: 'Hers' }));
    const a = await game.createEntity(alice, entityCreateInput.parse({ scene: 'Hers', name: 'a' }));
    const b = await game.createEntity(alice, entityCreateInput.parse({ scene: 'Hers', name: 'b' }));
    expect((await codeOf(game.createEntity(bob, entityCreateInput.parse({ scene: 'Hers', name: 'x' })))).code).toBe('FORBIDDEN');
    expect((await codeOf(game.updateEntity(bob, { id: a.id, name: 'renamed' }))).code).toBe('FORBIDDEN');
    expect((await codeOf(game.deleteEntity(bob, { id: a.id }))).code).toBe('FORBIDDEN');
    expect((await codeOf(game.moveEntity(bob, entityMoveInput.parse({ id: a.id, parent: b.id })))).code).toBe('FORBIDDEN');
    expect((await game.moveEntity(bob, entityMoveInput.parse({ id: a.id, position: [1, 2, 3] }))).position).toEqual([1, 2, 3]);
    expect((await game.moveLive(bob, { id: a.id, position: [4, 5, 6] })).id).toBe(a.id);
    expect((await game.deleteEntity(user('mod', 'Moderator'), { id: b.id })).deleted).toEqual([b.id]);
    await store.close();
  });
});
