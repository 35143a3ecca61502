/**
 * The rules provider: a world plan from one English sentence, without a model.
 *
 *   "a dark dungeon with three dragons guarding a treasure chest"
 *
 * parse.ts reads the sentence into groups ("three dragons") and relations ("guarding" the chest);
 * this file lays them out and writes the plan. Layout happens in world space and is then turned into
 * local transforms under each parent:
 * - The first place named once (dungeon, forest, castle...) is the scene and the root entity, at the
 *   origin with scale 1 (its size adjectives are tags only). Without one, a root of kind `world` is
 *   made. Everything else is under the root or under what it is inside.
 * - The scene spans -50..50 on x and z; ground things stand at y = 0; y is up.
 * - "X guarding Y": X in a ring around Y, evenly spaced, each turned to face Y. An entity faces its
 *   local +Z, so facing Y means yaw = atan2(dx, dz) (see math.ts). "X around Y": the same ring;
 *   creatures and characters face Y, objects keep yaw 0. "X near/beside/behind Y": a little way from
 *   Y. "X facing Y": near Y, turned to it. Ring and near entities share the nearest place above Y as
 *   parent. "X inside/in Y": a child of Y, a small offset from its centre. "X on Y": a child of Y,
 *   resting on its top.
 * - Anything else stands on its own: single things and groups that spread (trees, rocks) are spread
 *   over the scene, away from what stands there already; other groups stand together.
 * - Size adjectives scale: tiny ×0.25, small ×0.5, large ×2, huge ×3 (more in vocabulary.ts).
 * The same prompt and seed give the same plan; another seed moves things but keeps the same
 * entities, names, counts, parents and components.
 */
import { composeMatrix, invert, normalizeDegrees, transformPoint, type Transform } from '../math.js';
import { RaosError, invalidInput } from '../../../kernel/errors.js';
import { knownKindsSummary, parsePrompt, type Group } from './parse.js';
import { MAX_PLAN_ENTITIES, parsePlan, type PlanEntity, type WorldPlan } from './plan.js';
import { createRandom, type Random } from './random.js';
import { BEHAVIOUR_TAGS, COLOURS, KINDS, pluralsOf, type Behaviour, type KindInfo } from './vocabulary.js';

/** Half the width of the scene on x and z: positions stay within ±SCENE_HALF_EXTENT. */
export const SCENE_HALF_EXTENT = 50;
/** The longest prompt the rules provider reads. */
export const MAX_PROMPT_LENGTH = 2000;
/** Ring radius around the root place (its own footprint is the whole scene). */
const ROOT_RING_RADIUS = 20;
/** How many random spots free placement compares to find one away from the rest. */
const CANDIDATES = 12;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

const WORLD_KIND = KINDS.find((k) => k.kind === 'world')!;

interface Pose {
  x: number;
  y: number;
  z: number;
  /** Turn about y, in degrees. */
  yaw: number;
  scale: number;
}

interface Placed {
  group: Group;
  pose: Pose;
  parent: Placed | null;
  /** What it guards (npc target). */
  target?: Placed;
  ref: string;
}

const round = (value: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(value * f) / f + 0;
};
const clampToScene = (v: number) => Math.min(SCENE_HALF_EXTENT, Math.max(-SCENE_HALF_EXTENT, v));
const footprint = (g: Group) => g.info.radius * g.scale;
const isActor = (info: KindInfo) => info.category === 'creature' || info.category === 'character';

/** The yaw (degrees) that turns local +Z from (x, z) towards (tx, tz). */
export function yawTowards(x: number, z: number, tx: number, tz: number): number {
  const dx = tx - x;
  const dz = tz - z;
  if (Math.abs(dx) < 1e-12 && Math.abs(dz) < 1e-12) return 0;
  return normalizeDegrees((Math.atan2(dx, dz) * 180) / Math.PI);
}

const SMALL_WORDS = new Set(['a', 'an', 'and', 'of', 'the', 'in', 'on', 'with']);

/** "dark dungeon" → "Dark Dungeon"; "pile of gold" → "Pile of Gold". */
function title(words: string): string {
  return words
    .split(' ')
    .filter(Boolean)
    .map((w, i) =>
      i > 0 && SMALL_WORDS.has(w)
        ? w
        : w
            .split('-')
            .map((p) => (p ? p[0].toUpperCase() + p.slice(1) : p))
            .join('-'),
    )
    .join(' ');
}

/** "Red Dragon 2": tags, the kind's noun and a number; leading tags give way to stay within 100 characters. */
function nameOf(tags: readonly string[], noun: string, suffix: string): string {
  for (let t = 0; t <= tags.length; t++) {
    const name = title([...tags.slice(t), noun].join(' ')) + suffix;
    if (name.length <= 100) return name;
  }
  return title(noun).slice(0, 100);
}

function componentsOf(placed: Placed, relationType: string | undefined): Record<string, unknown> {
  const { info, tags, scale } = placed.group;
  const components: Record<string, unknown> = {};
  const colour = tags.find((t) => COLOURS.has(t));
  components.mesh = colour ? { model: info.kind, color: colour } : { model: info.kind };
  if (info.health !== undefined) {
    const max = Math.max(1, Math.round(info.health * scale));
    components.health = { current: max, max };
    let behaviour: Behaviour = info.behaviour ?? 'idle';
    let hostile = info.hostile ?? false;
    if (relationType === 'guard') behaviour = 'guard';
    for (const tag of tags) {
      const effect = Object.hasOwn(BEHAVIOUR_TAGS, tag) ? BEHAVIOUR_TAGS[tag] : undefined;
      if (effect?.behaviour) behaviour = effect.behaviour;
      if (effect?.hostile !== undefined) hostile = effect.hostile;
    }
    components.npc = { behaviour, hostile, ...(placed.target ? { target: placed.target.ref } : {}) };
  }
  if (info.light) components.light = { ...info.light };
  if (info.container) components.container = { items: [] };
  return components;
}

/** The transform of `pose` relative to `parent` (both world poses: yaw-only rotation, uniform scale). */
function localTransform(pose: Pose, parent: Pose | null): Transform {
  if (!parent) {
    return { position: [pose.x, pose.y, pose.z], rotation: [0, pose.yaw, 0], scale: [pose.scale, pose.scale, pose.scale] };
  }
  const parentMatrix = composeMatrix({
    position: [parent.x, parent.y, parent.z],
    rotation: [0, parent.yaw, 0],
    scale: [parent.scale, parent.scale, parent.scale],
  });
  const [x, y, z] = transformPoint(invert(parentMatrix), [pose.x, pose.y, pose.z]);
  const scale = round(pose.scale / parent.scale, 6);
  return {
    position: [round(x, 3), round(y, 3), round(z, 3)],
    rotation: [0, round(normalizeDegrees(pose.yaw - parent.yaw), 3), 0],
    scale: [scale, scale, scale],
  };
}

class Layout {
  readonly placed = new Map<Group, Placed[]>();
  readonly order: Placed[] = [];
  readonly #random: Random;
  readonly #root: Placed;
  /** How far from its centre things related to each group reach: anchors keep that much room. */
  readonly #reach = new Map<Group, number>();

  constructor(root: Group, groups: readonly Group[], random: Random) {
    this.#random = random;
    this.#root = { group: root, pose: { x: 0, y: 0, z: 0, yaw: 0, scale: 1 }, parent: null, ref: '' };
    this.placed.set(root, [this.#root]);
    this.order.push(this.#root);
    for (const g of groups) {
      if (!g.relation) continue;
      const { type, object } = g.relation;
      const reach =
        type === 'inside' || type === 'on'
          ? 0.5 * footprint(object)
          : type === 'near' || type === 'facing'
            ? this.#ringRadius(g, object, 1) + 2
            : this.#ringRadius(g, object, type === 'guard' ? 1.5 : 1);
      this.#reach.set(object, Math.max(this.#reach.get(object) ?? 0, reach));
    }
  }

  #ringRadius(subject: Group, object: Group, gap: number): number {
    return (object.isRoot ? ROOT_RING_RADIUS : footprint(object) + gap) + footprint(subject);
  }

  #yaw(): number {
    return normalizeDegrees(this.#random.int(0, 359));
  }

  #add(group: Group, pose: Pose, parent: Placed, target?: Placed): void {
    const placed: Placed = {
      group,
      pose: {
        x: round(clampToScene(pose.x), 3),
        y: round(pose.y, 3),
        z: round(clampToScene(pose.z), 3),
        yaw: round(pose.yaw, 3),
        scale: pose.scale,
      },
      parent,
      target,
      ref: '',
    };
    const list = this.placed.get(group) ?? [];
    list.push(placed);
    this.placed.set(group, list);
    this.order.push(placed);
  }

  /** The nearest place above `placed` (or the root): where things beside it belong. */
  #groundOf(placed: Placed): Placed {
    let p = placed.parent;
    while (p && !p.group.isRoot && p.group.info.category !== 'place') p = p.parent;
    return p ?? this.#root;
  }

  /** The best of a few random spots within ±half: the one farthest from what stands already. */
  #freeSpot(radius: number, half: number): [number, number] {
    let best: [number, number] = [0, 0];
    let bestScore = -Infinity;
    for (let c = 0; c < CANDIDATES; c++) {
      const x = this.#random.range(-half, half);
      const z = this.#random.range(-half, half);
      let score = Infinity;
      for (const other of this.order) {
        if (other === this.#root) continue;
        const d = Math.hypot(other.pose.x - x, other.pose.z - z) - footprint(other.group) - radius;
        if (d < score) score = d;
      }
      if (score > bestScore) {
        bestScore = score;
        best = [x, z];
      }
    }
    return best;
  }

  place(group: Group): void {
    const relation = group.relation;
    const anchors = relation && !relation.object.isRoot ? this.placed.get(relation.object) : undefined;
    if (!relation || !anchors || anchors.length === 0) {
      if (relation && relation.object.isRoot && (relation.type === 'guard' || relation.type === 'around')) {
        return this.#ring(group, this.#root, this.#root, [...Array(group.count).keys()], relation.type);
      }
      return this.#free(group);
    }
    // Things are shared out among the anchors: with two chests, the keys alternate between them.
    const assigned: number[][] = anchors.map(() => []);
    for (let i = 0; i < group.count; i++) assigned[i % anchors.length].push(i);
    anchors.forEach((anchor, a) => {
      const members = assigned[a];
      if (members.length === 0) return;
      switch (relation.type) {
        case 'inside':
        case 'on':
          return this.#onOrInside(group, anchor, members.length, relation.type);
        case 'guard':
        case 'around':
          return this.#ring(group, anchor, this.#groundOf(anchor), members, relation.type);
        case 'near':
        case 'facing':
          return this.#near(group, anchor, members.length, relation.type === 'facing');
      }
    });
  }

  #free(group: Group): void {
    const r = footprint(group);
    const elevation = (group.info.elevation ?? 0) * group.scale;
    const room = this.#reach.get(group) ?? 0;
    if (group.count === 1 || group.info.scatter) {
      const half = Math.max(0, Math.min(group.info.scatter ? 45 : 40, SCENE_HALF_EXTENT - room - r));
      for (let i = 0; i < group.count; i++) {
        const [x, z] = this.#freeSpot(r, half);
        this.#add(group, { x, y: elevation, z, yaw: this.#yaw(), scale: group.scale }, this.#root);
      }
      return;
    }
    // A band of goblins stands together: a sunflower spiral around a free spot.
    const spacing = 2 * r + 0.6;
    const clusterRadius = spacing * 0.8 * Math.sqrt(group.count) + r;
    const half = Math.max(0, Math.min(40, SCENE_HALF_EXTENT - room - clusterRadius));
    const [cx, cz] = this.#freeSpot(clusterRadius, half);
    const start = this.#random.range(0, 2 * Math.PI);
    for (let k = 0; k < group.count; k++) {
      const angle = start + k * GOLDEN_ANGLE;
      const d = spacing * 0.8 * Math.sqrt(k + 0.5);
      this.#add(
        group,
        { x: cx + d * Math.cos(angle), y: elevation, z: cz + d * Math.sin(angle), yaw: this.#yaw(), scale: group.scale },
        this.#root,
      );
    }
  }

  #onOrInside(group: Group, anchor: Placed, count: number, type: 'on' | 'inside'): void {
    const area = (type === 'on' ? 0.3 : 0.5) * footprint(anchor.group);
    const top = type === 'on' ? anchor.group.info.height * anchor.group.scale : 0;
    for (let k = 0; k < count; k++) {
      const angle = this.#random.range(0, 2 * Math.PI);
      const d = this.#random.next() * area;
      this.#add(
        group,
        {
          x: anchor.pose.x + d * Math.cos(angle),
          y: anchor.pose.y + top + (group.info.elevation ?? 0) * group.scale,
          z: anchor.pose.z + d * Math.sin(angle),
          yaw: this.#yaw(),
          scale: group.scale,
        },
        anchor,
      );
    }
  }

  #ring(group: Group, anchor: Placed, parent: Placed, members: number[], type: 'guard' | 'around'): void {
    const radius = this.#ringRadius(group, anchor.group, type === 'guard' ? 1.5 : 1);
    const start = this.#random.range(0, 2 * Math.PI);
    const facing = type === 'guard' || isActor(group.info);
    members.forEach((_, k) => {
      const angle = start + (2 * Math.PI * k) / members.length;
      const x = clampToScene(anchor.pose.x + radius * Math.cos(angle));
      const z = clampToScene(anchor.pose.z + radius * Math.sin(angle));
      const yaw = facing ? yawTowards(x, z, anchor.pose.x, anchor.pose.z) : 0;
      const y = parent.pose.y + (group.info.elevation ?? 0) * group.scale;
      this.#add(group, { x, y, z, yaw, scale: group.scale }, parent, type === 'guard' && !anchor.group.isRoot ? anchor : undefined);
    });
  }

  #near(group: Group, anchor: Placed, count: number, facing: boolean): void {
    const parent = this.#groundOf(anchor);
    const slots = Math.max(count, 6);
    const start = this.#random.range(0, 2 * Math.PI);
    const base = footprint(anchor.group) + footprint(group) + 0.5;
    for (let k = 0; k < count; k++) {
      const angle = start + (2 * Math.PI * k) / slots;
      const d = base + this.#random.range(0, 2);
      const x = clampToScene(anchor.pose.x + d * Math.cos(angle));
      const z = clampToScene(anchor.pose.z + d * Math.sin(angle));
      const yaw = facing ? yawTowards(x, z, anchor.pose.x, anchor.pose.z) : this.#yaw();
      this.#add(group, { x, y: parent.pose.y + (group.info.elevation ?? 0) * group.scale, z, yaw, scale: group.scale }, parent);
    }
  }
}

function unknownPrompt(prompt: string): RaosError {
  const shown = prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt;
  return invalidInput(
    `prompt: "${shown}" names nothing the rules provider can build; it knows ${knownKindsSummary()}, among others`,
    {
      hint: 'Name places, creatures and things, e.g. "a dark dungeon with three dragons guarding a treasure chest".',
      details: { field: 'prompt' },
    },
  );
}

/**
 * A world plan for `prompt`, deterministic for a given `seed`. Throws INVALID_INPUT (field prompt)
 * for an empty or overlong prompt, one that names nothing it knows, or one that asks for more than
 * 500 entities.
 */
export function rulesProvider(prompt: string, seed: number): WorldPlan {
  const text = prompt.replace(/\s+/g, ' ').trim();
  if (text === '') {
    throw invalidInput('prompt: it is empty; describe a world, e.g. "a dark dungeon with three dragons guarding a treasure chest"', {
      details: { field: 'prompt' },
    });
  }
  if (text.length > MAX_PROMPT_LENGTH) {
    throw invalidInput(`prompt: it is ${text.length} characters long; the rules provider reads at most ${MAX_PROMPT_LENGTH}`, {
      details: { field: 'prompt' },
    });
  }
  const parsed = parsePrompt(text);
  if (parsed.groups.length === 0) throw unknownPrompt(text);
  let root = parsed.root;
  const groups = parsed.groups.filter((g) => g !== root);
  if (!root) {
    if (groups.reduce((n, g) => n + g.count, 0) + 1 > MAX_PLAN_ENTITIES) {
      throw invalidInput(`prompt: it asks for more than ${MAX_PLAN_ENTITIES - 1} things besides the scene itself`, {
        details: { field: 'prompt' },
      });
    }
    root = { info: WORLD_KIND, count: 1, tags: [], scale: 1, isRoot: true };
  }

  // ── layout, in world space, anchors before what is placed relative to them ──
  const layout = new Layout(root, groups, createRandom(seed));
  let pending = groups;
  while (pending.length > 0) {
    const ready =
      pending.find((g) => !g.relation || g.relation.object.isRoot || layout.placed.has(g.relation.object)) ?? pending[0];
    layout.place(ready);
    pending = pending.filter((g) => g !== ready);
  }

  // ── refs and names ──
  const perKind = new Map<string, number>();
  for (const p of layout.order) perKind.set(p.group.info.kind, (perKind.get(p.group.info.kind) ?? 0) + 1);
  const numbered = new Map<string, number>();
  for (const p of layout.order) {
    const kind = p.group.info.kind;
    const n = (numbered.get(kind) ?? 0) + 1;
    numbered.set(kind, n);
    p.ref = `${kind}-${n}`;
  }
  const sceneName = parsed.root
    ? nameOf(root.tags, root.info.nouns[0], '')
    : nameOf(
        [],
        groups
          .slice(0, 2)
          .map((g) => [...g.tags, g.count > 1 ? (g.info.plurals?.[0] ?? pluralsOf(g.info.nouns[0])[0]) : g.info.nouns[0]].join(' '))
          .join(' and '),
        '',
      );

  // ── the plan, with transforms local to each parent ──
  const counters = new Map<string, number>();
  const entities: PlanEntity[] = layout.order.map((p) => {
    const kind = p.group.info.kind;
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    const transform = localTransform(p.pose, p.parent?.pose ?? null);
    return {
      ref: p.ref,
      name: p.group.isRoot ? sceneName : nameOf(p.group.tags, p.group.info.nouns[0], perKind.get(kind)! > 1 ? ` ${n}` : ''),
      kind,
      tags: [...p.group.tags],
      parent: p.parent ? p.parent.ref : null,
      ...transform,
      components: componentsOf(p, p.group.relation?.type),
    };
  });
  const plan: WorldPlan = {
    scene: { name: sceneName, description: text.length > 1000 ? `${text.slice(0, 997)}...` : text },
    entities,
  };
  try {
    return parsePlan(plan, "the rules provider's plan");
  } catch (err) {
    throw new RaosError('INTERNAL', `the rules provider made an invalid plan for "${text.slice(0, 80)}": ${(err as Error).message}`, {
      cause: err,
    });
  }
}
