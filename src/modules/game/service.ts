/**
 * The Game Engine's operations on game.db: scenes with an owner, entities in a hierarchy with local
 * transforms and typed components, chat rooms keeping their last 200 messages, portable scene JSON,
 * and worlds written from a generated plan. Transport-free: every door calls these with input the
 * operation guard has validated and an actor it has admitted.
 *
 * Ownership: a scene's owner changes and deletes it and its structure (adding, changing, re-parenting
 * and deleting entities); `game.scene.delete` (Moderator and above) may do that to any scene. Moving
 * entities is play: `game.entity.modify` suffices in any scene. Chat rooms are made by the scene's
 * owner or `game.chat.moderate`.
 */
import type { Transaction } from 'kysely';
import { can } from '../../kernel/access.js';
import { newId } from '../../kernel/ids.js';
import type { Actor } from '../../kernel/actor.js';
import { RaosError, conflict, formatIssues, invalidInput, notFound } from '../../kernel/errors.js';
import type { EventBus } from '../../kernel/events.js';
import type { Store } from '../../kernel/storage/store.js';
import type { ComponentRegistry } from './components.js';
import type { WorldPlan } from './generate/plan.js';
import { worldTransforms, wouldCycle, type Transform, type Vec3 } from './math.js';
import type { GameTables } from './migrations.js';
import {
  CHAT_HISTORY,
  sceneExportSchema,
  type ChatMessageView,
  type ChatRoomView,
  type EntityView,
  type SceneExport,
  type SceneView,
  type chatCreateInput,
  type chatHistoryInput,
  type chatListInput,
  type chatSendInput,
  type entityCreateInput,
  type entityListInput,
  type entityMoveInput,
  type entityRefInput,
  type entityUpdateInput,
  type sceneCreateInput,
  type sceneImportInput,
  type sceneListInput,
  type sceneRefInput,
  type sceneUpdateInput,
} from './schema.js';
import type * as z from 'zod';

type In<T extends z.ZodType> = z.output<T>;
type SceneRow = GameTables['scenes'];
type EntityRow = GameTables['entities'];
type RoomRow = GameTables['chat_rooms'];
type Db = Store<GameTables>['db'] | Transaction<GameTables>;

/** A live move as clients receive it: entity id, local position x, y, z, rotation x, y, z (to 1/1000). */
export type LiveMove = [string, number, number, number, number, number, number];

/** Rounds to thousandths: live moves travel to many clients each tick, and millimetres are plenty. */
const mm = (v: number) => Math.round(v * 1000) / 1000;

/** One change of one entity, as clients of a scene receive it in a tick. */
export interface Delta {
  eventType: 'entity:created' | 'entity:updated' | 'entity:deleted';
  payload: unknown;
}

/** Most entities one scene may hold. */
export const MAX_ENTITIES_PER_SCENE = 100_000;


function transformOf(row: EntityRow): Transform {
  return { position: [row.px, row.py, row.pz], rotation: [row.rx, row.ry, row.rz], scale: [row.sx, row.sy, row.sz] };
}

function entityView(row: EntityRow): EntityView {
  return {
    id: row.id,
    sceneId: row.scene_id,
    parent: row.parent_id,
    name: row.name,
    position: [row.px, row.py, row.pz],
    rotation: [row.rx, row.ry, row.rz],
    scale: [row.sx, row.sy, row.sz],
    components: JSON.parse(row.components) as Record<string, unknown>,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A new entity's row: version 1, made now; `components` already validated. */
function newEntityRow(e: {
  id: string;
  sceneId: string;
  parent: string | null;
  name: string;
  position: Vec3;
  rotation: Vec3;
  scale: Vec3;
  components: Record<string, unknown>;
  at: string;
}): EntityRow {
  const [px, py, pz] = e.position;
  const [rx, ry, rz] = e.rotation;
  const [sx, sy, sz] = e.scale;
  return {
    id: e.id,
    scene_id: e.sceneId,
    parent_id: e.parent,
    name: e.name,
    px, py, pz, rx, ry, rz, sx, sy, sz,
    components: JSON.stringify(e.components),
    version: 1,
    created_at: e.at,
    updated_at: e.at,
  };
}

function sceneView(row: SceneRow, entityCount: number): SceneView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    owner: { id: row.owner_id, name: row.owner_name },
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    entityCount,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function roomView(row: RoomRow): ChatRoomView {
  return { id: row.id, sceneId: row.scene_id, name: row.name, kind: row.kind as ChatRoomView['kind'], createdAt: row.created_at };
}

const vecColumns = (prefix: 'p' | 'r' | 's', v: Vec3) => ({ [`${prefix}x`]: v[0], [`${prefix}y`]: v[1], [`${prefix}z`]: v[2] }) as Record<string, number>;

export class GameService {
  readonly components: ComponentRegistry;
  readonly #store: Store<GameTables>;
  readonly #bus: EventBus;
  readonly #now: () => number;

  constructor(options: {
    store: Store<GameTables>;
    bus: EventBus;
    now: () => number;
    components: ComponentRegistry;
    /** Live play (the daemon): ticks per second, and how often moved transforms are written. */
    live?: { tickHz: number; persistMs: number };
  }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#now = options.now;
    this.components = options.components;
    if (options.live) this.#startLive(options.live.tickHz, options.live.persistMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Live state (the daemon only): coalesced deltas per tick, moved transforms kept in memory
  // ---------------------------------------------------------------------------------------------

  /** Transforms moved live and not yet written, by entity. */
  readonly #moved = new Map<string, { sceneId: string; position: Vec3; rotation: Vec3 }>();
  /** Changes of this tick, by scene, then by entity: a later change of one entity replaces the earlier. */
  readonly #pending = new Map<string, Map<string, Delta>>();
  /** Live moves of this tick, by scene, then by entity: the compact `[id, x, y, z, rx, ry, rz]` rows. */
  readonly #pendingMoves = new Map<string, Map<string, LiveMove>>();
  /** Which scene an entity is in, for live moves (filled on first move, dropped on delete). */
  readonly #sceneOf = new Map<string, string>();
  /** Small numbers standing for entity ids in binary ticks, per scene, for this daemon's life. */
  readonly #handles = new Map<string, number>();
  #nextHandle = 1;
  #tick = 0;
  #timers: NodeJS.Timeout[] = [];
  #live = false;
  #persisting: Promise<void> = Promise.resolve();

  #startLive(tickHz: number, persistMs: number): void {
    this.#live = true;
    const tick = setInterval(() => this.#emitTick(), Math.max(1, Math.round(1000 / tickHz)));
    const persist = setInterval(() => void this.flushMoves().catch(() => {}), persistMs);
    tick.unref();
    persist.unref();
    this.#timers.push(tick, persist);
  }

  #queue(sceneId: string, key: string, delta: Delta): void {
    if (!this.#live) return;
    let scene = this.#pending.get(sceneId);
    if (!scene) this.#pending.set(sceneId, (scene = new Map()));
    const earlier = scene.get(key);
    // created then updated in one tick is still a creation (with the later state)
    if (earlier?.eventType === 'entity:created' && delta.eventType === 'entity:updated') {
      scene.set(key, { eventType: 'entity:created', payload: { ...(earlier.payload as object), ...(delta.payload as object) } });
    } else scene.set(key, delta);
  }

  /**
   * Publishes one `game:tick` event per scene that changed during the tick: `deltas` (changes made
   * through the operations, whole entities) and `moves` (live moves, one compact row per entity).
   */
  #emitTick(): void {
    this.#tick++;
    if (this.#pending.size === 0 && this.#pendingMoves.size === 0) return;
    const now = this.#now();
    const scenes = new Set([...this.#pending.keys(), ...this.#pendingMoves.keys()]);
    for (const sceneId of scenes) {
      const deltas = this.#pending.get(sceneId);
      const moves = this.#pendingMoves.get(sceneId);
      const rows = moves ? [...moves.values()] : [];
      this.#bus.publish(
        'game:tick',
        { sceneId, tick: this.#tick, deltas: deltas ? [...deltas.values()] : [], moves: rows, handles: rows.map((row) => this.handleOf(row[0])) },
        now,
      );
    }
    this.#pending.clear();
    this.#pendingMoves.clear();
  }

  /** The handle of an entity: a number that stands for its id in binary ticks (docs/protocol.md). */
  handleOf(id: string): number {
    let handle = this.#handles.get(id);
    if (handle === undefined) this.#handles.set(id, (handle = this.#nextHandle++));
    return handle;
  }

  /** What the live state holds (tests and diagnosis): entities with handles, moves not yet written. */
  liveStats(): { handles: number; unwrittenMoves: number; scenesWithPendingChanges: number } {
    return { handles: this.#handles.size, unwrittenMoves: this.#moved.size, scenesWithPendingChanges: new Set([...this.#pending.keys(), ...this.#pendingMoves.keys()]).size };
  }

  /** The current tick number (for snapshots: deltas after it follow). */
  get tick(): number {
    return this.#tick;
  }

  /**
   * Moves an entity live: the new transform is kept in memory, reaches the scene's clients as one
   * coalesced delta at the next tick, and is written with the next flush (at the latest on a graceful
   * stop). Refuses entities of other scenes than `sceneId` when given.
   */
  async moveLive(actor: Actor, input: { id: string; position?: Vec3; rotation?: Vec3; sceneId?: string }): Promise<{ id: string; sceneId: string; tick: number }> {
    let sceneId = this.#sceneOf.get(input.id);
    let base = this.#moved.get(input.id);
    if (!sceneId || !base) {
      const row = await this.#requireEntity(this.#store.db, input.id);
      sceneId = row.scene_id;
      this.#sceneOf.set(input.id, sceneId);
      base ??= { sceneId, position: [row.px, row.py, row.pz], rotation: [row.rx, row.ry, row.rz] };
    }
    if (input.sceneId !== undefined && input.sceneId !== sceneId) throw invalidInput(`entityId: ${input.id} is not in scene ${input.sceneId}`);
    const next = { sceneId, position: input.position ?? base.position, rotation: input.rotation ?? base.rotation };
    this.#moved.set(input.id, next);
    if (this.#live) {
      let moves = this.#pendingMoves.get(sceneId);
      if (!moves) this.#pendingMoves.set(sceneId, (moves = new Map()));
      const [x, y, z] = next.position;
      const [rx, ry, rz] = next.rotation;
      moves.set(input.id, [input.id, mm(x), mm(y), mm(z), mm(rx), mm(ry), mm(rz)]);
    }
    return { id: input.id, sceneId, tick: this.#tick };
  }

  /** Writes the transforms moved live since the last flush, in one transaction. */
  flushMoves(): Promise<void> {
    this.#persisting = this.#persisting.then(async () => {
      if (this.#moved.size === 0) return;
      const batch = [...this.#moved];
      this.#moved.clear();
      const iso = new Date(this.#now()).toISOString();
      try {
        await this.#store.write(async (trx) => {
          for (const [id, m] of batch) {
            await trx
              .updateTable('entities')
              .set((eb) => ({
                px: m.position[0],
                py: m.position[1],
                pz: m.position[2],
                rx: m.rotation[0],
                ry: m.rotation[1],
                rz: m.rotation[2],
                version: eb('version', '+', 1),
                updated_at: iso,
              }))
              .where('id', '=', id)
              .execute();
          }
        });
      } catch (err) {
        // Not lost: back in the queue for the next flush, unless a newer move replaced them.
        for (const [id, m] of batch) if (!this.#moved.has(id)) this.#moved.set(id, m);
        throw err;
      }
    });
    return this.#persisting;
  }

  /** Stops the ticks and writes what was moved live. */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#emitTick();
    await this.flushMoves();
  }

  /** Everything a client joining a scene needs: the scene and all its entities as they are now. */
  async snapshot(_actor: Actor, sceneRef: string): Promise<{ scene: SceneView; tick: number; entities: (EntityView & { handle: number })[] }> {
    const row = await this.#requireScene(this.#store.db, sceneRef);
    const tick = this.#tick;
    const rows = await this.#orderedEntities(this.#store.db, row.id);
    return {
      scene: await this.#sceneView(this.#store.db, row),
      tick,
      entities: rows.map((r) => {
        const view = { ...entityView(r), handle: this.handleOf(r.id) };
        const moved = this.#moved.get(r.id);
        return moved ? { ...view, position: moved.position, rotation: moved.rotation } : view;
      }),
    };
  }

  /** A write through the regular operations replaces what was moved live (it is the later word). */
  #supersede(id: string): void {
    const moved = this.#moved.get(id);
    this.#moved.delete(id);
    if (moved) this.#pendingMoves.get(moved.sceneId)?.delete(id);
  }

  get store(): Store<GameTables> {
    return this.#store;
  }

  // ---------------------------------------------------------------------------------------------
  // Scenes
  // ---------------------------------------------------------------------------------------------

  async #findScene(db: Db, ref: string): Promise<SceneRow | undefined> {
    const byId = /^s_[0-9a-z]{12}$/.test(ref) ? await db.selectFrom('scenes').selectAll().where('id', '=', ref).executeTakeFirst() : undefined;
    return byId ?? (await db.selectFrom('scenes').selectAll().where('name_key', '=', ref.trim().toLowerCase()).executeTakeFirst());
  }

  async #requireScene(db: Db, ref: string): Promise<SceneRow> {
    const scene = await this.#findScene(db, ref);
    if (!scene) throw notFound(`no scene '${ref}'`, { hint: '`raos game scene list` shows the scenes.', details: { scene: ref } });
    return scene;
  }

  /** The owner, or anyone holding game.scene.delete (Moderator and above), may change a scene and its structure. */
  #assertMayChange(actor: Actor, scene: SceneRow, what: string): void {
    if (scene.owner_id === actor.id || can(actor, 'game.scene.delete')) return;
    throw new RaosError('FORBIDDEN', `${actor.name} (role ${actor.role}) may not ${what} scene '${scene.name}': it belongs to ${scene.owner_name}`, {
      hint: "Only the scene's owner, or a role with 'game.scene.delete' (Moderator and above), may do that.",
      details: { permission: 'game.scene.delete', scene: scene.id },
    });
  }

  async #sceneView(db: Db, row: SceneRow): Promise<SceneView> {
    const count = await db.selectFrom('entities').select((eb) => eb.fn.countAll<number>().as('n')).where('scene_id', '=', row.id).executeTakeFirstOrThrow();
    return sceneView(row, Number(count.n));
  }

  async #insertScene(trx: Transaction<GameTables>, actor: Actor, scene: { name: string; description: string; metadata: Record<string, unknown> }): Promise<SceneRow> {
    const key = scene.name.toLowerCase();
    const taken = await trx.selectFrom('scenes').select('id').where('name_key', '=', key).executeTakeFirst();
    if (taken) throw conflict(`a scene named '${scene.name}' exists already (${taken.id})`, { hint: 'Choose another name, or delete that scene first.' });
    const iso = new Date(this.#now()).toISOString();
    const row: SceneRow = {
      id: newId('s'),
      name: scene.name,
      name_key: key,
      description: scene.description,
      owner_id: actor.id,
      owner_name: actor.name,
      metadata: JSON.stringify(scene.metadata),
      created_at: iso,
      updated_at: iso,
    };
    await trx.insertInto('scenes').values(row).execute();
    return row;
  }

  async createScene(actor: Actor, input: In<typeof sceneCreateInput>): Promise<SceneView> {
    const view = await this.#store.write(async (trx) => this.#sceneView(trx, await this.#insertScene(trx, actor, input)));
    this.#bus.publish('game:scene:created', { sceneId: view.id, scene: view });
    return view;
  }

  async listScenes(_actor: Actor, input: In<typeof sceneListInput>): Promise<SceneView[]> {
    let query = this.#store.db.selectFrom('scenes').selectAll().orderBy('name_key');
    if (input.owner) query = query.where((eb) => eb.or([eb('owner_name', '=', input.owner!), eb('owner_id', '=', input.owner!)]));
    const rows = await query.execute();
    const counts = new Map(
      (await this.#store.db.selectFrom('entities').select(['scene_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('scene_id').execute()).map((r) => [
        r.scene_id,
        Number(r.n),
      ]),
    );
    return rows.map((row) => sceneView(row, counts.get(row.id) ?? 0));
  }

  async showScene(_actor: Actor, input: In<typeof sceneRefInput>): Promise<SceneView & { rooms: ChatRoomView[] }> {
    const row = await this.#requireScene(this.#store.db, input.scene);
    const rooms = await this.#store.db.selectFrom('chat_rooms').selectAll().where('scene_id', '=', row.id).orderBy('name').execute();
    return { ...(await this.#sceneView(this.#store.db, row)), rooms: rooms.map(roomView) };
  }

  async updateScene(actor: Actor, input: In<typeof sceneUpdateInput>): Promise<SceneView> {
    const view = await this.#store.write(async (trx) => {
      const row = await this.#requireScene(trx, input.scene);
      this.#assertMayChange(actor, row, 'change');
      const changes: Partial<SceneRow> = { updated_at: new Date(this.#now()).toISOString() };
      if (input.name !== undefined && input.name !== row.name) {
        const key = input.name.toLowerCase();
        const taken = await trx.selectFrom('scenes').select('id').where('name_key', '=', key).where('id', '!=', row.id).executeTakeFirst();
        if (taken) throw conflict(`a scene named '${input.name}' exists already (${taken.id})`);
        changes.name = input.name;
        changes.name_key = key;
      }
      if (input.description !== undefined) changes.description = input.description;
      if (input.metadata !== undefined) changes.metadata = JSON.stringify(input.metadata);
      await trx.updateTable('scenes').set(changes).where('id', '=', row.id).execute();
      return this.#sceneView(trx, { ...row, ...changes });
    });
    this.#bus.publish('game:scene:updated', { sceneId: view.id, scene: view });
    return view;
  }

  /** Deletes a scene with its entities, chat rooms and messages, in one transaction. */
  async deleteScene(actor: Actor, input: In<typeof sceneRefInput>): Promise<{ deleted: string; name: string; entities: number; chatRooms: number }> {
    const result = await this.#store.write(async (trx) => {
      const row = await this.#requireScene(trx, input.scene);
      this.#assertMayChange(actor, row, 'delete');
      const rooms = await trx.selectFrom('chat_rooms').select('id').where('scene_id', '=', row.id).execute();
      if (rooms.length > 0) {
        await trx
          .deleteFrom('chat_messages')
          .where(
            'room_id',
            'in',
            rooms.map((r) => r.id),
          )
          .execute();
      }
      await trx.deleteFrom('chat_rooms').where('scene_id', '=', row.id).execute();
      const ids = (await trx.selectFrom('entities').select('id').where('scene_id', '=', row.id).execute()).map((e) => e.id);
      await trx.deleteFrom('entities').where('scene_id', '=', row.id).execute();
      await trx.deleteFrom('scenes').where('id', '=', row.id).execute();
      return { deleted: row.id, name: row.name, entities: ids.length, entityIds: ids, chatRooms: rooms.length };
    });
    for (const id of result.entityIds) {
      this.#moved.delete(id);
      this.#sceneOf.delete(id);
      this.#handles.delete(id);
    }
    this.#pending.delete(result.deleted);
    this.#pendingMoves.delete(result.deleted);
    this.#bus.publish('game:scene:deleted', { sceneId: result.deleted, name: result.name });
    const { entityIds: _ids, ...summary } = result;
    return summary;
  }

  async exportScene(_actor: Actor, input: In<typeof sceneRefInput>): Promise<SceneExport> {
    const row = await this.#requireScene(this.#store.db, input.scene);
    const entities = await this.#orderedEntities(this.#store.db, row.id);
    const rooms = await this.#store.db.selectFrom('chat_rooms').select(['name', 'kind']).where('scene_id', '=', row.id).orderBy('name').execute();
    return {
      format: 'raos-scene/1',
      scene: { name: row.name, description: row.description, metadata: JSON.parse(row.metadata) as SceneExport['scene']['metadata'] },
      entities: entities.map(entityView).map(({ id, parent, name, position, rotation, scale, components }) => ({ id, parent, name, position, rotation, scale, components })),
      chatRooms: rooms.map((r) => ({ name: r.name, kind: r.kind as 'party' | 'guild' | 'zone' })),
    };
  }

  /**
   * Makes a new scene from exported JSON (new ids; parents mapped). Every entity's components are
   * validated and every parent must come earlier or later in the file, without cycles; any problem
   * refuses the whole import.
   */
  async importScene(actor: Actor, input: In<typeof sceneImportInput>): Promise<SceneView> {
    const parsed = sceneExportSchema.safeParse(input.data);
    if (!parsed.success) throw invalidInput(formatIssues(parsed.error.issues, 'data'), { hint: 'The file must be what `raos game scene export` writes (format raos-scene/1).' });
    const data = parsed.data;
    const ids = new Set<string>();
    for (const [i, e] of data.entities.entries()) {
      if (ids.has(e.id)) throw invalidInput(`data.entities.${i}.id: '${e.id}' appears twice`);
      ids.add(e.id);
    }
    for (const [i, e] of data.entities.entries()) {
      if (e.parent !== null && !ids.has(e.parent)) throw invalidInput(`data.entities.${i}.parent: no entity '${e.parent}' in the file`);
      this.components.validate(e.components, `data.entities.${i}.components`);
    }
    const cycle = findCycle(data.entities.map((e) => ({ id: e.id, parentId: e.parent })));
    if (cycle) throw invalidInput(`data.entities: the parents form a cycle: ${cycle.join(' → ')}`);
    const view = await this.#store.write(async (trx) => {
      const scene = await this.#insertScene(trx, actor, { ...data.scene, name: input.name ?? data.scene.name });
      const mapped = new Map(data.entities.map((e) => [e.id, newId('e')]));
      const iso = scene.created_at;
      for (const e of data.entities) {
        const parent = e.parent === null ? null : mapped.get(e.parent)!;
        const components = this.components.validate(e.components);
        await trx
          .insertInto('entities')
          .values(newEntityRow({ ...e, id: mapped.get(e.id)!, sceneId: scene.id, parent, components, at: iso }))
          .execute();
      }
      for (const room of data.chatRooms) {
        await trx
          .insertInto('chat_rooms')
          .values({ id: newId('r'), scene_id: scene.id, name: room.name, kind: room.kind, created_by: actor.name, created_at: iso, next_seq: 1 })
          .execute();
      }
      return this.#sceneView(trx, scene);
    });
    this.#bus.publish('game:scene:created', { sceneId: view.id, scene: view });
    return view;
  }

  // ---------------------------------------------------------------------------------------------
  // Entities
  // ---------------------------------------------------------------------------------------------

  async #requireEntity(db: Db, id: string): Promise<EntityRow> {
    const row = await db.selectFrom('entities').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`no entity '${id}'`, { hint: '`raos game entity list SCENE` shows the entities of a scene.', details: { id } });
    return row;
  }

  /** A scene's entities, parents before children (then by name). */
  async #orderedEntities(db: Db, sceneId: string): Promise<EntityRow[]> {
    const rows = await db.selectFrom('entities').selectAll().where('scene_id', '=', sceneId).orderBy('name').orderBy('id').execute();
    const children = new Map<string | null, EntityRow[]>();
    const byId = new Set(rows.map((r) => r.id));
    for (const r of rows) {
      const parent = r.parent_id !== null && byId.has(r.parent_id) ? r.parent_id : null;
      const list = children.get(parent) ?? [];
      list.push(r);
      children.set(parent, list);
    }
    const out: EntityRow[] = [];
    const stack = [...(children.get(null) ?? [])].reverse();
    while (stack.length > 0) {
      const r = stack.pop()!;
      out.push(r);
      const kids = children.get(r.id);
      if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return out;
  }

  async createEntity(actor: Actor, input: In<typeof entityCreateInput>): Promise<EntityView & { world: Transform }> {
    const components = this.components.validate(input.components);
    const result = await this.#store.write(async (trx) => {
      const scene = await this.#requireScene(trx, input.scene);
      this.#assertMayChange(actor, scene, 'add entities to');
      if (input.parent !== null) {
        const parent = await this.#requireEntity(trx, input.parent);
        if (parent.scene_id !== scene.id) throw invalidInput(`parent: entity ${input.parent} is in another scene`);
      }
      const count = await trx.selectFrom('entities').select((eb) => eb.fn.countAll<number>().as('n')).where('scene_id', '=', scene.id).executeTakeFirstOrThrow();
      if (Number(count.n) >= MAX_ENTITIES_PER_SCENE) throw conflict(`scene '${scene.name}' holds ${MAX_ENTITIES_PER_SCENE} entities, the most a scene may hold`);
      const iso = new Date(this.#now()).toISOString();
      const row = newEntityRow({ ...input, id: newId('e'), sceneId: scene.id, components, at: iso });
      await trx.insertInto('entities').values(row).execute();
      return { row, world: await this.#worldOf(trx, row) };
    });
    const view = entityView(result.row);
    this.#bus.publish('game:entity:created', { sceneId: view.sceneId, entity: view, by: actor.name });
    this.#queue(view.sceneId, view.id, { eventType: 'entity:created', payload: { ...view, handle: this.handleOf(view.id) } });
    return { ...view, world: result.world };
  }

  /** The world transform of one entity: its ancestors' transforms composed with its own. */
  async #worldOf(db: Db, row: EntityRow): Promise<Transform> {
    const chain: { id: string; parentId: string | null; transform: Transform }[] = [];
    let current: EntityRow | undefined = row;
    const seen = new Set<string>();
    while (current && !seen.has(current.id)) {
      seen.add(current.id);
      chain.push({ id: current.id, parentId: current.parent_id, transform: transformOf(current) });
      current = current.parent_id ? await db.selectFrom('entities').selectAll().where('id', '=', current.parent_id).executeTakeFirst() : undefined;
    }
    return worldTransforms(chain).get(row.id)!;
  }

  async listEntities(_actor: Actor, input: In<typeof entityListInput>): Promise<{ scene: { id: string; name: string }; entities: (EntityView & { world: Transform; depth: number })[] }> {
    const scene = await this.#requireScene(this.#store.db, input.scene);
    const rows = await this.#orderedEntities(this.#store.db, scene.id);
    const world = worldTransforms(rows.map((r) => ({ id: r.id, parentId: r.parent_id, transform: transformOf(r) })));
    const depth = new Map<string, number>();
    for (const r of rows) depth.set(r.id, r.parent_id && depth.has(r.parent_id) ? depth.get(r.parent_id)! + 1 : 0);
    return {
      scene: { id: scene.id, name: scene.name },
      entities: rows.map((r) => ({ ...entityView(r), world: world.get(r.id)!, depth: depth.get(r.id)! })),
    };
  }

  async showEntity(_actor: Actor, input: In<typeof entityRefInput>): Promise<EntityView & { world: Transform; children: string[] }> {
    const row = await this.#requireEntity(this.#store.db, input.id);
    const children = await this.#store.db.selectFrom('entities').select('id').where('parent_id', '=', row.id).orderBy('name').execute();
    return { ...entityView(row), world: await this.#worldOf(this.#store.db, row), children: children.map((c) => c.id) };
  }

  async updateEntity(actor: Actor, input: In<typeof entityUpdateInput>): Promise<EntityView & { world: Transform }> {
    const added = input.components ? this.components.validate(input.components) : {};
    const result = await this.#store.write(async (trx) => {
      const row = await this.#requireEntity(trx, input.id);
      this.#assertMayChange(actor, await this.#requireScene(trx, row.scene_id), 'change entities of');
      if (input.ifVersion !== undefined && input.ifVersion !== Number(row.version)) {
        throw conflict(`entity ${row.id} is at version ${row.version}, not ${input.ifVersion}: someone changed it`, { hint: 'Read it again and retry.' });
      }
      const components = { ...(JSON.parse(row.components) as Record<string, unknown>), ...added };
      for (const type of input.removeComponents ?? []) {
        if (!(type in components)) throw invalidInput(`removeComponents: the entity has no '${type}' component`);
        delete components[type];
      }
      const next: EntityRow = {
        ...row,
        name: input.name ?? row.name,
        ...(input.position ? vecColumns('p', input.position) : {}),
        ...(input.rotation ? vecColumns('r', input.rotation) : {}),
        ...(input.scale ? vecColumns('s', input.scale) : {}),
        components: JSON.stringify(components),
        version: Number(row.version) + 1,
        updated_at: new Date(this.#now()).toISOString(),
      };
      return this.#rewrite(trx, next);
    });
    return this.#updated(actor, result);
  }

  /** Stores an entity's new row and computes its world transform, in the caller's transaction. */
  async #rewrite(trx: Transaction<GameTables>, next: EntityRow): Promise<{ row: EntityRow; world: Transform }> {
    await trx.updateTable('entities').set(next).where('id', '=', next.id).execute();
    return { row: next, world: await this.#worldOf(trx, next) };
  }

  /** Tells subscribers and the scene's live clients about a committed change. */
  #updated(actor: Actor, result: { row: EntityRow; world: Transform }): EntityView & { world: Transform } {
    // Only once the write has committed does it replace a live move (a refused write changes nothing).
    this.#supersede(result.row.id);
    const view = entityView(result.row);
    this.#bus.publish('game:entity:updated', { sceneId: view.sceneId, entity: view, by: actor.name });
    this.#queue(view.sceneId, view.id, { eventType: 'entity:updated', payload: view });
    return { ...view, world: result.world };
  }

  /** Moves an entity: to another parent (or the root with null) and/or to a new local position. Refuses cycles. */
  async moveEntity(actor: Actor, input: In<typeof entityMoveInput>): Promise<EntityView & { world: Transform }> {
    const result = await this.#store.write(async (trx) => {
      const row = await this.#requireEntity(trx, input.id);
      let parent = row.parent_id;
      // Moving is play (game.entity.modify); re-parenting changes the scene's structure.
      if (input.parent !== undefined && input.parent !== row.parent_id) {
        this.#assertMayChange(actor, await this.#requireScene(trx, row.scene_id), 're-parent entities of');
      }
      if (input.parent !== undefined) {
        if (input.parent !== null) {
          const target = await this.#requireEntity(trx, input.parent);
          if (target.scene_id !== row.scene_id) throw invalidInput(`parent: entity ${input.parent} is in another scene`);
          const all = await trx.selectFrom('entities').select(['id', 'parent_id']).where('scene_id', '=', row.scene_id).execute();
          const cycle = wouldCycle(
            all.map((e) => ({ id: e.id, parentId: e.parent_id })),
            row.id,
            input.parent,
          );
          if (cycle) {
            throw invalidInput(`parent: moving ${row.id} under ${input.parent} would make a cycle: ${cycle.join(' → ')}`, {
              hint: 'An entity cannot be placed under itself or under one of its descendants.',
            });
          }
        }
        parent = input.parent;
      }
      const next: EntityRow = {
        ...row,
        parent_id: parent,
        ...(input.position ? vecColumns('p', input.position) : {}),
        ...(input.rotation ? vecColumns('r', input.rotation) : {}),
        version: Number(row.version) + 1,
        updated_at: new Date(this.#now()).toISOString(),
      };
      return this.#rewrite(trx, next);
    });
    return this.#updated(actor, result);
  }

  /** Deletes an entity and everything under it. */
  async deleteEntity(actor: Actor, input: In<typeof entityRefInput>): Promise<{ deleted: string[]; sceneId: string }> {
    const result = await this.#store.write(async (trx) => {
      const row = await this.#requireEntity(trx, input.id);
      this.#assertMayChange(actor, await this.#requireScene(trx, row.scene_id), 'delete entities of');
      const all = await trx.selectFrom('entities').select(['id', 'parent_id']).where('scene_id', '=', row.scene_id).execute();
      const children = new Map<string, string[]>();
      for (const e of all) if (e.parent_id) children.set(e.parent_id, [...(children.get(e.parent_id) ?? []), e.id]);
      const doomed: string[] = [];
      const stack = [row.id];
      while (stack.length > 0) {
        const id = stack.pop()!;
        doomed.push(id);
        stack.push(...(children.get(id) ?? []));
      }
      for (let i = 0; i < doomed.length; i += 500) await trx.deleteFrom('entities').where('id', 'in', doomed.slice(i, i + 500)).execute();
      return { deleted: doomed, sceneId: row.scene_id };
    });
    this.#bus.publish('game:entity:deleted', { sceneId: result.sceneId, ids: result.deleted, by: actor.name });
    for (const id of result.deleted) {
      this.#supersede(id);
      this.#sceneOf.delete(id);
      this.#handles.delete(id);
      this.#queue(result.sceneId, id, { eventType: 'entity:deleted', payload: { id } });
    }
    return result;
  }

  // ---------------------------------------------------------------------------------------------
  // Chat
  // ---------------------------------------------------------------------------------------------

  async #requireRoom(db: Db, ref: string): Promise<RoomRow> {
    let row: RoomRow | undefined;
    if (/^r_[0-9a-z]{12}$/.test(ref)) row = await db.selectFrom('chat_rooms').selectAll().where('id', '=', ref).executeTakeFirst();
    else {
      const slash = ref.indexOf('/');
      if (slash > 0) {
        const scene = await this.#findScene(db, ref.slice(0, slash));
        if (scene) row = await db.selectFrom('chat_rooms').selectAll().where('scene_id', '=', scene.id).where('name', '=', ref.slice(slash + 1)).executeTakeFirst();
      }
    }
    if (!row) throw notFound(`no chat room '${ref}'`, { hint: 'Name a room by its id (r_…) or as SCENE/ROOM; `raos game chat list SCENE` shows them.' });
    return row;
  }

  async createRoom(actor: Actor, input: In<typeof chatCreateInput>): Promise<ChatRoomView> {
    const row = await this.#store.write(async (trx) => {
      const scene = await this.#requireScene(trx, input.scene);
      if (scene.owner_id !== actor.id && !can(actor, 'game.chat.moderate')) {
        throw new RaosError('FORBIDDEN', `${actor.name} (role ${actor.role}) may not make chat rooms in scene '${scene.name}'`, {
          hint: "The scene's owner, or a role with 'game.chat.moderate' (Moderator and above), makes rooms.",
          details: { permission: 'game.chat.moderate' },
        });
      }
      const taken = await trx.selectFrom('chat_rooms').select('id').where('scene_id', '=', scene.id).where('name', '=', input.name).executeTakeFirst();
      if (taken) throw conflict(`scene '${scene.name}' has a chat room named '${input.name}' already (${taken.id})`);
      const room: RoomRow = {
        id: newId('r'),
        scene_id: scene.id,
        name: input.name,
        kind: input.kind,
        created_by: actor.name,
        created_at: new Date(this.#now()).toISOString(),
        next_seq: 1,
      };
      await trx.insertInto('chat_rooms').values(room).execute();
      return room;
    });
    return roomView(row);
  }

  async listRooms(_actor: Actor, input: In<typeof chatListInput>): Promise<ChatRoomView[]> {
    const scene = await this.#requireScene(this.#store.db, input.scene);
    return (await this.#store.db.selectFrom('chat_rooms').selectAll().where('scene_id', '=', scene.id).orderBy('name').execute()).map(roomView);
  }

  /** Adds a message; the room keeps its last 200, older ones are deleted in the same transaction. */
  async send(actor: Actor, input: In<typeof chatSendInput>): Promise<ChatMessageView> {
    const message = await this.#store.write(async (trx) => {
      const room = await this.#requireRoom(trx, input.room);
      const seq = Number(room.next_seq);
      const at = new Date(this.#now()).toISOString();
      await trx.insertInto('chat_messages').values({ room_id: room.id, seq, author_id: actor.id, author_name: actor.name, text: input.text, at }).execute();
      await trx.updateTable('chat_rooms').set({ next_seq: seq + 1 }).where('id', '=', room.id).execute();
      await trx.deleteFrom('chat_messages').where('room_id', '=', room.id).where('seq', '<=', seq - CHAT_HISTORY).execute();
      return { room: room.id, sceneId: room.scene_id, seq, author: { id: actor.id, name: actor.name }, text: input.text, at };
    });
    const { sceneId, ...view } = message;
    this.#bus.publish('game:chat:message', { sceneId, message: view });
    return view;
  }

  /** The newest `limit` messages, oldest first. */
  async history(_actor: Actor, input: In<typeof chatHistoryInput>): Promise<{ room: ChatRoomView; messages: ChatMessageView[] }> {
    const room = await this.#requireRoom(this.#store.db, input.room);
    const rows = await this.#store.db.selectFrom('chat_messages').selectAll().where('room_id', '=', room.id).orderBy('seq', 'desc').limit(input.limit).execute();
    return {
      room: roomView(room),
      messages: rows.reverse().map((r) => ({ room: r.room_id, seq: Number(r.seq), author: { id: r.author_id, name: r.author_name }, text: r.text, at: r.at })),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Generated worlds
  // ---------------------------------------------------------------------------------------------

  /** Writes a validated world plan as a new scene with its entities, in one transaction. */
  async applyPlan(actor: Actor, plan: WorldPlan, name?: string): Promise<{ scene: SceneView; entities: { ref: string; id: string; name: string; kind: string }[] }> {
    for (const [i, e] of plan.entities.entries()) this.components.validate(e.components, `plan.entities.${i}.components`);
    const result = await this.#store.write(async (trx) => {
      const scene = await this.#insertScene(trx, actor, { name: name ?? plan.scene.name, description: plan.scene.description, metadata: { generated: true } });
      // Ids for every ref first: an npc may target an entity further down the plan.
      const ids = new Map(plan.entities.map((e) => [e.ref, newId('e')]));
      const made: { ref: string; id: string; name: string; kind: string }[] = [];
      for (const e of plan.entities) {
        const id = ids.get(e.ref)!;
        const components: Record<string, unknown> = { ...e.components, ...(e.tags.length > 0 && !('tags' in e.components) ? { tags: { values: [e.kind, ...e.tags] } } : {}) };
        const npc = components.npc as { target?: string } | undefined;
        if (npc?.target && ids.has(npc.target)) components.npc = { ...npc, target: ids.get(npc.target) };
        const parent = e.parent === null ? null : ids.get(e.parent)!;
        await trx
          .insertInto('entities')
          .values(newEntityRow({ ...e, id, sceneId: scene.id, parent, components: this.components.validate(components), at: scene.created_at }))
          .execute();
        made.push({ ref: e.ref, id, name: e.name, kind: e.kind });
      }
      return { scene: await this.#sceneView(trx, scene), entities: made };
    });
    this.#bus.publish('game:scene:created', { sceneId: result.scene.id, scene: result.scene });
    return result;
  }
}

/** A cycle among parent links (the ids around it), or null. */
function findCycle(entities: { id: string; parentId: string | null }[]): string[] | null {
  const parent = new Map(entities.map((e) => [e.id, e.parentId]));
  const done = new Set<string>();
  for (const start of parent.keys()) {
    const path: string[] = [];
    const onPath = new Set<string>();
    let cur: string | null | undefined = start;
    while (cur && !done.has(cur)) {
      if (onPath.has(cur)) return [...path.slice(path.indexOf(cur)), cur];
      onPath.add(cur);
      path.push(cur);
      cur = parent.get(cur);
    }
    for (const id of path) done.add(id);
  }
  return null;
}
