/**
 * The Game Engine as a user meets it on the command line: scenes, an entity hierarchy with world
 * transforms, cycles and invalid components refused, chat, export/import, cascading deletes and
 * generated worlds. Runs the BUILT CLI in fresh workspaces.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, show, tempDir, workspace, type Workspace } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

interface Transform {
  position: number[];
  rotation: number[];
  scale: number[];
}
interface Entity extends Transform {
  id: string;
  sceneId: string;
  parent: string | null;
  name: string;
  components: Record<string, unknown>;
  version: number;
  world: Transform;
}
type Listed = Entity & { depth: number };

/** Runs a human-mode command, asserts exit 0 and returns its stdout. */
async function human(ws: Workspace, args: string[], input?: string): Promise<string> {
  const r = await ws.raos(args, { input });
  expect(r.code, show(args, r)).toBe(0);
  return r.stdout;
}

describe('game scenes and entities through the CLI', () => {
  let ws: Workspace;
  let a: Entity;
  let b: Entity;
  let c: Entity;

  beforeAll(async () => {
    ws = await workspace();
  });

  it('creates a scene, printing its id; --json gives the scene', async () => {
    const id = (await human(ws, ['game', 'scene', 'create', 'Keep', '--description', 'A test keep'])).trim();
    expect(id).toMatch(/^s_[0-9a-z]{12}$/);
    const shown = await ws.ok(['game', 'scene', 'show', 'keep']);
    expect(shown).toMatchObject({ id, name: 'Keep', description: 'A test keep', entityCount: 0, rooms: [] });
    const other = await ws.ok<{ id: string; name: string; metadata: unknown }>(['game', 'scene', 'create', 'Other', '--metadata', '{"biome":"swamp"}']);
    expect(other).toMatchObject({ name: 'Other', metadata: { biome: 'swamp' } });
    await ws.fails(['game', 'scene', 'create', 'keep'], 'CONFLICT', 4);
    expect((await ws.ok<{ name: string }[]>(['game', 'scene', 'list'])).map((s) => s.name)).toEqual(['Keep', 'Other']);
  });

  it('composes world transforms down a 3-level hierarchy with rotation and scale', async () => {
    a = await ws.ok<Entity>(['game', 'entity', 'create', 'Keep', 'Tower', '--position', '10,0,0', '--rotation', '0,90,0', '--scale', '2,2,2']);
    b = await ws.ok<Entity>(['game', 'entity', 'create', 'Keep', 'Room', '--parent', a.id, '--position', '1,0,0', '--rotation', '90,0,0']);
    c = await ws.ok<Entity>([
      'game', 'entity', 'create', 'Keep', 'Chest', '--parent', b.id, '--position', '0,3,0', '--scale', '1,1,3',
      '--component', '{"type":"container","items":["gold"]}', '--component', '{"type":"health","current":5,"max":10}',
    ]);
    expect(c).toMatchObject({ parent: b.id, position: [0, 3, 0], components: { container: { items: ['gold'] }, health: { current: 5, max: 10 } }, version: 1 });
    // By hand: Rx(90) takes B's local (0,3,0) to (0,0,3), + (1,0,0) → (1,0,3); A scales by 2 → (2,0,6),
    // Ry(90) takes (x,y,z) to (z,y,-x) → (6,0,-2), + (10,0,0) → (16,0,-2). Rotation Ry(90)·Rx(90) is
    // XYZ Euler (90,0,-90); scale 2 × (1,1,3).
    const shown = await ws.ok<Entity & { children: string[] }>(['game', 'entity', 'show', c.id]);
    expect(shown.world).toEqual({ position: [16, 0, -2], rotation: [90, 0, -90], scale: [2, 2, 6] });
    expect(shown.children).toEqual([]);
    expect((await ws.ok<{ children: string[] }>(['game', 'entity', 'show', a.id])).children).toEqual([b.id]);

    const text = await human(ws, ['game', 'entity', 'show', c.id]);
    expect(text).toContain('world:       position (16, 0, -2)  rotation (90, 0, -90)  scale (2, 2, 6)');
    expect(text).toContain('health {"current":5,"max":10}');
  });

  it('lists entities parents first, as a table and as an indented tree', async () => {
    const list = await ws.ok<{ scene: { name: string }; entities: Listed[] }>(['game', 'entity', 'list', 'Keep']);
    expect(list.entities.map((e) => [e.name, e.depth])).toEqual([['Tower', 0], ['Room', 1], ['Chest', 2]]);
    const tree = (await human(ws, ['game', 'entity', 'list', 'Keep', '--tree'])).split('\n');
    expect(tree[0]).toBe(`Tower (${a.id})  local (10, 0, 0)  world (10, 0, 0)`);
    expect(tree[1]).toBe(`  Room (${b.id})  local (1, 0, 0)  world (10, 0, -2)`);
    expect(tree[2]).toBe(`    Chest (${c.id})  local (0, 3, 0)  world (16, 0, -2)  [container, health]`);
    const table = await human(ws, ['game', 'entity', 'list', 'Keep']);
    expect(table.split('\n')[0]).toMatch(/^ID\s+NAME\s+PARENT\s+WORLD POSITION\s+COMPONENTS$/);
    expect(table).toMatch(new RegExp(`${c.id}\\s+Chest\\s+${b.id}\\s+\\(16, 0, -2\\)\\s+container, health`));
  });

  it('refuses a reparent that would make a cycle, naming it', async () => {
    const error = await ws.fails(['game', 'entity', 'move', a.id, '--parent', c.id], 'INVALID_INPUT', 2);
    expect(error.message).toContain(`would make a cycle: ${a.id} → ${c.id} → ${b.id} → ${a.id}`);
    await ws.fails(['game', 'entity', 'move', a.id, '--parent', a.id], 'INVALID_INPUT', 2);
    const nothing = await ws.fails(['game', 'entity', 'move', a.id], 'INVALID_INPUT', 2);
    expect(nothing.message).toContain('--parent ID, --root, --position x,y,z or --rotation x,y,z');
    await ws.fails(['game', 'entity', 'move', a.id, '--parent', b.id, '--root'], 'INVALID_INPUT', 2);
    // Nothing moved.
    expect((await ws.ok<Entity>(['game', 'entity', 'show', a.id])).parent).toBeNull();
    // A legal move: the chest to the root keeps its local transform.
    const moved = await ws.ok<Entity>(['game', 'entity', 'move', c.id, '--root']);
    expect(moved).toMatchObject({ parent: null, version: 2, world: { position: [0, 3, 0], scale: [1, 1, 3] } });
    await ws.ok(['game', 'entity', 'move', c.id, '--parent', b.id]);
  });

  it('refuses invalid components and vectors, naming the field', async () => {
    const tooMuch = await ws.fails(
      ['game', 'entity', 'create', 'Keep', 'Ghost', '--component', '{"type":"health","current":20,"max":10}'],
      'INVALID_INPUT',
      2,
    );
    expect(tooMuch.message).toContain('components.health.current');
    const update = await ws.fails(['game', 'entity', 'update', c.id, '--component', '{"type":"health","current":11,"max":10}'], 'INVALID_INPUT', 2);
    expect(update.message).toContain('components.health.current');
    const noType = await ws.fails(['game', 'entity', 'create', 'Keep', 'Ghost', '--component', '{"current":1}'], 'INVALID_INPUT', 2);
    expect(noType.message).toContain('--component');
    expect(noType.hint).toContain('{"type":"health","current":10,"max":10}');
    const badJson = await ws.fails(['game', 'entity', 'create', 'Keep', 'Ghost', '--component', '{type:health}'], 'INVALID_INPUT', 2);
    expect(badJson.message).toContain('--component');
    const twice = await ws.fails(
      ['game', 'entity', 'create', 'Keep', 'Ghost', '--component', '{"type":"tags","values":[]}', '--component', '{"type":"tags","values":["x"]}'],
      'INVALID_INPUT',
      2,
    );
    expect(twice.message).toContain("'tags' is given twice");
    const vector = await ws.fails(['game', 'entity', 'create', 'Keep', 'Ghost', '--position', '1,2'], 'INVALID_INPUT', 2);
    expect(vector.message).toContain('position');
    await ws.fails(['game', 'entity', 'create', 'Keep', 'Ghost', '--scale', '1,0,1'], 'INVALID_INPUT', 2);
    // None of them was written.
    expect((await ws.ok<{ entities: Entity[] }>(['game', 'entity', 'list', 'Keep'])).entities).toHaveLength(3);
  });

  it('updates components with a version check', async () => {
    const updated = await ws.ok<Entity>(['game', 'entity', 'update', c.id, '--component', '{"type":"health","current":1,"max":10}', '--remove-component', 'container', '--if-version', '3']);
    expect(updated).toMatchObject({ version: 4, components: { health: { current: 1, max: 10 } } });
    await ws.fails(['game', 'entity', 'update', c.id, '--name', 'Stale', '--if-version', '3'], 'CONFLICT', 4);
    await ws.ok(['game', 'entity', 'update', c.id, '--component', '{"type":"container","items":["gold"]}', '--component', '{"type":"health","current":5,"max":10}']);
  });

  it('exports, deletes and imports a scene, keeping names, transforms and components', async () => {
    await ws.ok(['game', 'chat', 'create', 'Keep', 'hall']);
    const file = path.join(tempDir(), 'keep.json');
    const written = await ws.ok<{ file: string; entities: number }>(['game', 'scene', 'export', 'Keep', '--out', file]);
    expect(written).toEqual({ file, entities: 3 });
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    expect(exported).toMatchObject({ format: 'raos-scene/1', scene: { name: 'Keep', description: 'A test keep' }, chatRooms: [{ name: 'hall', kind: 'zone' }] });
    // Standard output carries the same JSON.
    expect(JSON.parse(await human(ws, ['game', 'scene', 'export', 'Keep']))).toEqual(exported);

    const before = (await ws.ok<{ entities: Listed[] }>(['game', 'entity', 'list', 'Keep'])).entities;
    const deleted = await ws.ok<{ entities: number; chatRooms: number }>(['game', 'scene', 'delete', 'Keep']);
    expect(deleted).toMatchObject({ name: 'Keep', entities: 3, chatRooms: 1 });
    await ws.fails(['game', 'entity', 'list', 'Keep'], 'NOT_FOUND', 3);
    await ws.fails(['game', 'entity', 'show', c.id], 'NOT_FOUND', 3);

    const id = (await human(ws, ['game', 'scene', 'import', file])).trim();
    expect(id).toMatch(/^s_[0-9a-z]{12}$/);
    const after = (await ws.ok<{ entities: Listed[] }>(['game', 'entity', 'list', id])).entities;
    const strip = (list: Listed[]) => {
      const names = new Map(list.map((e) => [e.id, e.name]));
      return list.map((e) => ({
        name: e.name,
        parent: e.parent ? names.get(e.parent) : null,
        depth: e.depth,
        position: e.position,
        rotation: e.rotation,
        scale: e.scale,
        world: e.world,
        components: e.components,
      }));
    };
    expect(after).toHaveLength(3);
    expect(strip(after)).toEqual(strip(before));
    expect(after.map((e) => e.id)).not.toContain(c.id);
    expect((await ws.ok<{ rooms: { name: string }[] }>(['game', 'scene', 'show', id])).rooms.map((r) => r.name)).toEqual(['hall']);

    // From standard input under another name; the same name again is CONFLICT.
    await ws.fails(['game', 'scene', 'import', file], 'CONFLICT', 4);
    const copy = await ws.ok<{ name: string; entityCount: number }>(['game', 'scene', 'import', '-', '--name', 'Keep copy'], { input: readFileSync(file, 'utf8') });
    expect(copy).toMatchObject({ name: 'Keep copy', entityCount: 3 });
  });

  it('deletes an entity with everything under it', async () => {
    const list = (await ws.ok<{ entities: Listed[] }>(['game', 'entity', 'list', 'Keep copy'])).entities;
    const out = await human(ws, ['game', 'entity', 'delete', list[1].id]);
    expect(out.trim()).toBe(`deleted 2 entities: ${list[1].id} and 1 below it`);
    expect((await ws.ok<{ entities: Listed[] }>(['game', 'entity', 'list', 'Keep copy'])).entities.map((e) => e.name)).toEqual(['Tower']);
    expect((await human(ws, ['game', 'scene', 'delete', 'Keep copy'])).trim()).toMatch(/^deleted scene Keep copy \(s_[0-9a-z]{12}\) with 1 entity and 1 chat room$/);
  });
});

describe('game chat through the CLI', () => {
  it('sends messages and reads them back oldest first, with --limit', async () => {
    const ws = await workspace();
    await ws.ok(['game', 'scene', 'create', 'Town']);
    const room = await ws.ok<{ id: string; kind: string }>(['game', 'chat', 'create', 'Town', 'square', '--kind', 'guild']);
    expect(room).toMatchObject({ kind: 'guild' });
    expect((await ws.ok<{ id: string }[]>(['game', 'chat', 'list', 'Town'])).map((r) => r.id)).toEqual([room.id]);

    await ws.ok(['game', 'chat', 'send', 'Town/square', 'first']);
    await ws.ok(['game', 'chat', 'send', room.id, 'second']);
    const third = await ws.ok<{ seq: number; text: string }>(['game', 'chat', 'send', 'town/square', '-'], { input: 'third\n' });
    expect(third).toMatchObject({ seq: 3, text: 'third' });
    await ws.fails(['game', 'chat', 'send', 'Town/nowhere', 'hi'], 'NOT_FOUND', 3);
    await ws.fails(['game', 'chat', 'send', 'Town/square', '   '], 'INVALID_INPUT', 2);

    const history = await ws.ok<{ messages: { seq: number; text: string }[] }>(['game', 'chat', 'history', 'Town/square']);
    expect(history.messages.map((m) => [m.seq, m.text])).toEqual([[1, 'first'], [2, 'second'], [3, 'third']]);
    const last2 = await ws.ok<{ messages: { text: string }[] }>(['game', 'chat', 'history', room.id, '--limit', '2']);
    expect(last2.messages.map((m) => m.text)).toEqual(['second', 'third']);
    const lines = (await human(ws, ['game', 'chat', 'history', 'Town/square', '--limit', '2'])).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \S+: second$/);
    expect(lines[1]).toMatch(/: third$/);
    await ws.fails(['game', 'chat', 'history', room.id, '--limit', '201'], 'INVALID_INPUT', 2);
  });
});

describe('generated worlds through the CLI', () => {
  it('the same prompt and seed give the same plan; a dry run writes nothing; a real run makes the scene', async () => {
    const ws = await workspace();
    const prompt = 'a dark dungeon with three dragons guarding a treasure chest';
    const args = ['game', 'generate', prompt, '--seed', '7', '--dry-run'];
    const first = await ws.ok<{ dryRun: boolean; seed: number; plan: { entities: { kind: string }[] }; summary: string }>(args);
    const second = await ws.ok(args);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ dryRun: true, seed: 7 });
    expect(first.plan.entities.filter((e) => e.kind === 'dragon')).toHaveLength(3);
    expect(await ws.ok(['game', 'scene', 'list'])).toEqual([]);

    const made = await ws.ok<{ dryRun: boolean; seed: number; scene: { id: string; entityCount: number }; entities: { id: string; kind: string }[] }>(['game', 'generate', prompt, '--seed', '7']);
    expect(made).toMatchObject({ dryRun: false, seed: 7 });
    expect(made.entities.filter((e) => e.kind === 'dragon')).toHaveLength(3);
    expect(made.scene.entityCount).toBe(first.plan.entities.length);
    const listed = await ws.ok<{ entities: { id: string }[] }>(['game', 'entity', 'list', made.scene.id]);
    expect(listed.entities.map((e) => e.id).sort()).toEqual(made.entities.map((e) => e.id).sort());

    // Human output: the summary, then the scene id and the seed to make it again.
    const text = await human(ws, ['game', 'generate', prompt, '--seed', '7', '--name', 'Dungeon two']);
    expect(text).toContain(first.summary);
    expect(text).toMatch(/created scene Dungeon two \(s_[0-9a-z]{12}\) with \d+ entities \(seed 7\)/);
  });
});
