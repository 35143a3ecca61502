/**
 * The rules provider: one sentence in, a valid world plan out: counts, kinds, plurals, adjectives,
 * relations and a deterministic layout within the scene bounds.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RaosError } from '../../../../src/kernel/errors.js';
import { builtinComponents } from '../../../../src/modules/game/components.js';
import { parsePlan, type WorldPlan } from '../../../../src/modules/game/generate/plan.js';
import { rulesProvider, SCENE_HALF_EXTENT } from '../../../../src/modules/game/generate/rules.js';
import { transformPoint, worldMatrices, type Vec3 } from '../../../../src/modules/game/math.js';
import { caught } from '../../../helpers.js';

const DUNGEON = 'a dark dungeon with three dragons guarding a treasure chest';

type Entity = WorldPlan['entities'][number];
const ofKind = (plan: WorldPlan, kind: string) => plan.entities.filter((e) => e.kind === kind);
const one = (plan: WorldPlan, kind: string): Entity => {
  const found = ofKind(plan, kind);
  expect(found, `entities of kind ${kind}`).toHaveLength(1);
  return found[0];
};
const kindCounts = (plan: WorldPlan) => {
  const counts: Record<string, number> = {};
  for (const e of plan.entities) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  return counts;
};

/** World position and forward direction (local +Z) of every entity. */
function worldOf(plan: WorldPlan) {
  const matrices = worldMatrices(plan.entities.map((e) => ({ id: e.ref, parentId: e.parent, transform: e })));
  const result = new Map<string, { position: Vec3; forward: Vec3 }>();
  for (const [ref, m] of matrices) {
    const position = transformPoint(m, [0, 0, 0]);
    const tip = transformPoint(m, [0, 0, 1]);
    const d: Vec3 = [tip[0] - position[0], tip[1] - position[1], tip[2] - position[2]];
    const len = Math.hypot(...d);
    result.set(ref, { position, forward: [d[0] / len, d[1] / len, d[2] / len] });
  }
  return result;
}


afterEach(() => {
  vi.restoreAllMocks();
});

describe('rulesProvider: the dungeon sentence', () => {
  const plan = rulesProvider(DUNGEON, 42);

  it('makes a Dark Dungeon scene with a dungeon root holding everything', () => {
    expect(plan.scene.name).toBe('Dark Dungeon');
    expect(plan.scene.description).toBe(DUNGEON);
    const root = plan.entities[0];
    expect(root).toMatchObject({ kind: 'dungeon', parent: null, name: 'Dark Dungeon', position: [0, 0, 0] });
    expect(root.tags).toContain('dark');
    for (const e of plan.entities.slice(1)) expect(e.parent).toBe(root.ref);
  });

  it('has exactly three dragons and one treasure chest, with their default components', () => {
    expect(kindCounts(plan)).toEqual({ dungeon: 1, dragon: 3, 'treasure-chest': 1 });
    const chest = one(plan, 'treasure-chest');
    expect(chest.components.container).toEqual({ items: [] });
    for (const dragon of ofKind(plan, 'dragon')) {
      expect(dragon.components.health).toEqual({ current: 300, max: 300 });
      expect(dragon.components.npc).toEqual({ behaviour: 'guard', hostile: true, target: chest.ref });
    }
    expect(ofKind(plan, 'dragon').map((d) => d.name)).toEqual(['Dragon 1', 'Dragon 2', 'Dragon 3']);
    expect(new Set(plan.entities.map((e) => e.ref)).size).toBe(plan.entities.length);
  });

  it('puts the dragons in an even ring around the chest, each facing it', () => {
    const world = worldOf(plan);
    const chest = world.get(one(plan, 'treasure-chest').ref)!.position;
    const dragons = ofKind(plan, 'dragon').map((d) => world.get(d.ref)!);
    const distances = dragons.map((d) => Math.hypot(d.position[0] - chest[0], d.position[2] - chest[2]));
    expect(distances[0]).toBeGreaterThan(4); // clear of the chest, dragon-sized
    for (const d of distances) expect(d).toBeCloseTo(distances[0], 1);
    const angles = dragons
      .map((d) => (Math.atan2(d.position[2] - chest[2], d.position[0] - chest[0]) * 180) / Math.PI)
      .sort((a, b) => a - b);
    expect(angles[1] - angles[0]).toBeCloseTo(120, 0);
    expect(angles[2] - angles[1]).toBeCloseTo(120, 0);
    for (const d of dragons) {
      expect(d.position[1]).toBe(0);
      const toChest = [chest[0] - d.position[0], 0, chest[2] - d.position[2]];
      const len = Math.hypot(...toChest);
      const cos = (d.forward[0] * toChest[0] + d.forward[2] * toChest[2]) / len;
      expect(cos).toBeGreaterThan(0.9999);
    }
  });

  it('is deterministic for a seed and never calls Math.random', () => {
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random called');
    });
    expect(rulesProvider(DUNGEON, 42)).toEqual(plan);
  });

  it('moves things for another seed but keeps entities, names, parents and components', () => {
    const other = rulesProvider(DUNGEON, 7);
    const withoutLayout = (p: WorldPlan) => p.entities.map(({ position: _p, rotation: _r, ...rest }) => rest);
    expect(withoutLayout(other)).toEqual(withoutLayout(plan));
    expect(other.scene).toEqual(plan.scene);
    expect(other.entities.map((e) => e.position)).not.toEqual(plan.entities.map((e) => e.position));
  });
});

describe('rulesProvider: counts', () => {
  it.each([
    ['4 goblins in a cave', 'goblin', 4],
    ['a cave with 12 torches', 'torch', 12],
    ['five wolves near a rock', 'wolf', 5],
    ['twenty-one rats in a cellar', 'rat', 21],
    ['twenty one rats in a cellar', 'rat', 21],
    ['a pair of knights', 'knight', 2],
    ['a couple of guards near the gate', 'guard', 2],
    ['several skeletons in a crypt', 'skeleton', 3],
    ['a few barrels', 'barrel', 3],
    ['a dozen candles on an altar', 'candle', 12],
    ['two dozen arrows and sixteen crates', 'crate', 16],
    ['half a dozen torches', 'torch', 6],
    ['a pack of wolves', 'wolf', 5],
    ['an orc', 'orc', 1],
    ['one dragon', 'dragon', 1],
    ['dragons', 'dragon', 3],
    ['a forest with no dragons and a bear', 'dragon', 0],
  ])('%s → %i × %s', (prompt, kind, count) => {
    expect(ofKind(rulesProvider(prompt, 1), kind as string)).toHaveLength(count as number);
  });
});

describe('rulesProvider: plurals and two-word nouns', () => {
  it.each([
    ['dragons', 'dragon'],
    ['wolves', 'wolf'],
    ['mice', 'mouse'],
    ['chests', 'chest'],
    ['treasure chests', 'treasure-chest'],
    ['elves', 'elf'],
    ['thieves', 'thief'],
    ['torches', 'torch'],
    ['bookshelves', 'bookshelf'],
    ['children', 'child'],
    ['skeletons', 'skeleton'],
    ['treasure-chests', 'treasure-chest'],
  ])('"two %s" are two of kind %s', (noun, kind) => {
    const plan = rulesProvider(`a castle with two ${noun}`, 3);
    expect(kindCounts(plan)).toEqual({ castle: 1, [kind]: 2 });
  });

  it('reads possessives and mixed case', () => {
    expect(kindCounts(rulesProvider("The Dragon's Lair with TWO Goblins", 1))).toEqual({ lair: 1, goblin: 2 });
  });
});

describe('rulesProvider: adjectives and sizes', () => {
  it('tags things with their adjectives and scales them by size', () => {
    const plan = rulesProvider('an ancient forest with a huge red dragon, two tiny mice and a small goblin near a large bear', 5);
    expect(plan.scene.name).toBe('Ancient Forest');
    const dragon = one(plan, 'dragon');
    expect(dragon.tags).toEqual(['huge', 'red']);
    expect(dragon.name).toBe('Huge Red Dragon');
    expect(dragon.scale).toEqual([3, 3, 3]);
    expect(dragon.components.health).toEqual({ current: 900, max: 900 });
    expect(dragon.components.mesh).toEqual({ model: 'dragon', color: 'red' });
    for (const mouse of ofKind(plan, 'mouse')) expect(mouse.scale).toEqual([0.25, 0.25, 0.25]);
    expect(one(plan, 'goblin').scale).toEqual([0.5, 0.5, 0.5]);
    expect(one(plan, 'bear').scale).toEqual([2, 2, 2]);
  });

  it('reads a noun before a noun as an adjective ("gold coins", "giant spider")', () => {
    const plan = rulesProvider('a cave with a giant spider and ten gold coins', 1);
    expect(one(plan, 'spider')).toMatchObject({ tags: ['giant'], scale: [3, 3, 3] });
    expect(ofKind(plan, 'coin')).toHaveLength(10);
    expect(ofKind(plan, 'coin')[0].tags).toEqual(['gold']);
  });

  it('gives light sources light and creatures behaviour from their tags', () => {
    const plan = rulesProvider('a room with a torch and a sleeping friendly ogre', 1);
    expect(one(plan, 'torch').components.light).toEqual({ color: '#ffaa55', intensity: 1.5, range: 8 });
    expect(one(plan, 'ogre').components.npc).toEqual({ behaviour: 'idle', hostile: false });
  });
});

describe('rulesProvider: relations', () => {
  it('parents things "inside" something to it, close to its centre', () => {
    const plan = rulesProvider('a forest with a cave and two bats inside the cave, and a key in a chest', 9);
    const cave = one(plan, 'cave');
    const chest = one(plan, 'chest');
    expect(cave.parent).toBe(plan.entities[0].ref);
    for (const bat of ofKind(plan, 'bat')) {
      expect(bat.parent).toBe(cave.ref);
      expect(Math.hypot(bat.position[0], bat.position[2])).toBeLessThanOrEqual(4);
    }
    expect(one(plan, 'key').parent).toBe(chest.ref);
  });

  it('resolves "it" and a relation without an object to what came before', () => {
    const plan = rulesProvider('a chest with a key inside it', 1);
    expect(one(plan, 'key').parent).toBe(one(plan, 'chest').ref);
    const dangling = rulesProvider('a barrel with a potion inside', 1);
    expect(one(dangling, 'potion').parent).toBe(one(dangling, 'barrel').ref);
  });

  it('stands things "on" something on its top', () => {
    const plan = rulesProvider('a tavern with a candle on a table', 2);
    const candle = one(plan, 'candle');
    expect(candle.parent).toBe(one(plan, 'table').ref);
    expect(worldOf(plan).get(candle.ref)!.position[1]).toBeCloseTo(0.8, 6);
  });

  it('puts "near" things a little way from their anchor', () => {
    const plan = rulesProvider('a village with a merchant near the well', 4);
    const world = worldOf(plan);
    const well = world.get(one(plan, 'well').ref)!.position;
    const merchant = world.get(one(plan, 'merchant').ref)!.position;
    const d = Math.hypot(merchant[0] - well[0], merchant[2] - well[2]);
    expect(d).toBeGreaterThanOrEqual(1.8 - 1e-3);
    expect(d).toBeLessThanOrEqual(3.8 + 1e-3);
  });

  it('rings "around" things evenly', () => {
    const plan = rulesProvider('a temple with six torches around an altar', 8);
    const world = worldOf(plan);
    const altar = world.get(one(plan, 'altar').ref)!.position;
    const d = ofKind(plan, 'torch').map((t) => {
      const p = world.get(t.ref)!.position;
      return Math.hypot(p[0] - altar[0], p[2] - altar[2]);
    });
    expect(d).toHaveLength(6);
    for (const x of d) expect(x).toBeCloseTo(d[0], 1);
  });

  it('reads "guarded by" the other way round and shares a relation across "and"', () => {
    const guarded = rulesProvider('a treasure chest guarded by two knights', 1);
    for (const k of ofKind(guarded, 'knight')) expect(k.components.npc).toMatchObject({ behaviour: 'guard', target: one(guarded, 'treasure-chest').ref });
    const shared = rulesProvider('a castle with two goblins and a wolf guarding the gate', 1);
    const gate = one(shared, 'gate').ref;
    for (const e of [...ofKind(shared, 'goblin'), ...ofKind(shared, 'wolf')]) expect(e.components.npc).toMatchObject({ target: gate });
  });

  it('takes "guard" as a verb after a noun and "the X" as the X named before', () => {
    const plan = rulesProvider('a dungeon with a chest and three dragons. the dragons guard the chest', 1);
    expect(kindCounts(plan)).toEqual({ dungeon: 1, chest: 1, dragon: 3 });
    for (const d of ofKind(plan, 'dragon')) expect(d.components.npc).toMatchObject({ target: one(plan, 'chest').ref });
    expect(kindCounts(rulesProvider('two guards near the gate', 1))).toMatchObject({ guard: 2, gate: 1 });
  });

  it('makes a world root when no place is named', () => {
    const plan = rulesProvider('three dragons guarding a chest', 1);
    expect(plan.entities[0]).toMatchObject({ kind: 'world', parent: null });
    expect(plan.scene.name).toBe('Dragons and Chest');
  });
});

describe('rulesProvider: refusals', () => {
  it('refuses a prompt with nothing it knows, listing kinds it knows', () => {
    const err = caught(() => rulesProvider('the quick brown fox-trot of the soul', 1));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/names nothing the rules provider can build/);
    expect(err.message).toMatch(/dungeon/);
    expect(err.message).toMatch(/dragon/);
    expect(err.message).toMatch(/treasure chest/);
    expect(err.details).toMatchObject({ field: 'prompt' });
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['600 goblins', /at most 500/],
    ['a cave with 300 bats and 300 rats', /at most 500/],
    ['99999999999999999999999 dragons', /at most 500/],
    ['2.5 dragons', /whole number/],
    ['half a dragon', /whole number/],
    ['x'.repeat(2001), /at most 2000/],
  ])('refuses %j as INVALID_INPUT', (prompt, why) => {
    const err = caught(() => rulesProvider(prompt, 1));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(why);
  });
});

const WORDS = [
  'a', 'an', 'the', 'three', 'twenty', 'one', '7', '0', '2.5', '600', 'no', 'several', 'few', 'pair', 'of', 'dozen',
  'half', 'dragons', 'dragon', 'treasure', 'chest', 'chests', 'wolves', 'mice', 'dungeon', 'forest', 'cave', 'gold',
  'giant', 'huge', 'tiny', 'dark', 'red', 'guarding', 'guard', 'guards', 'guarded', 'by', 'inside', 'in', 'on', 'near',
  'around', 'facing', 'containing', 'with', 'and', ',', '.', 'it', 'them', 'torch', 'key', 'world', 'sleeping', 'pack',
  'fire-breathing', 'treasure-chest', 'top', 'next', 'to',
];

describe('rulesProvider: any prompt', () => {
  const check = (prompt: string, seed: number) => {
    let plan: WorldPlan;
    try {
      plan = rulesProvider(prompt, seed);
    } catch (err) {
      expect(err).toBeInstanceOf(RaosError);
      expect((err as RaosError).code).toBe('INVALID_INPUT');
      return;
    }
    expect(parsePlan(plan, 'plan')).toEqual(plan);
    for (const e of plan.entities) builtinComponents().validate(e.components);
    for (const { position } of worldOf(plan).values()) {
      expect(Math.abs(position[0])).toBeLessThanOrEqual(SCENE_HALF_EXTENT + 1e-6);
      expect(Math.abs(position[2])).toBeLessThanOrEqual(SCENE_HALF_EXTENT + 1e-6);
    }
  };

  it('never throws anything but INVALID_INPUT, and every plan is valid and within bounds', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 100 }),
          fc.array(fc.constantFrom(...WORDS), { maxLength: 40 }).map((w) => w.join(' ')),
        ),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        check,
      ),
      { numRuns: 400 },
    );
  });

  it('keeps crowded scenes within bounds and the plan limit', () => {
    check('a huge forest with 200 huge trees, 100 giant boulders and forty enormous dragons guarding a colossal castle', 3);
    const plan = rulesProvider('a forest with 499 trees', 1);
    expect(plan.entities).toHaveLength(500);
  });
});
