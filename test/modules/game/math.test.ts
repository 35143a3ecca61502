/**
 * Transform maths: the Euler convention (R = Rx · Ry · Rz, degrees), column-major T·R·S matrices,
 * decomposition back to transforms, world transforms of hierarchies, cycle checks and CLI vectors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IDENTITY,
  composeMatrix,
  decompose,
  invert,
  multiply,
  parseVec3,
  transformPoint,
  worldMatrices,
  worldTransforms,
  wouldCycle,
  type Transform,
  type Vec3,
} from '../../../src/modules/game/math.js';
import { caught } from '../../helpers.js';

const t = (position: Vec3, rotation: Vec3 = [0, 0, 0], scale: Vec3 = [1, 1, 1]): Transform => ({ position, rotation, scale });

function expectVec(actual: readonly number[], expected: readonly number[], tolerance = 1e-9) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => {
    if (Math.abs(v - expected[i]) > tolerance * Math.max(1, Math.abs(expected[i]))) {
      throw new Error(`expected [${expected.join(', ')}], got [${actual.join(', ')}] (index ${i})`);
    }
  });
}


/** Hand-written rotation about one axis by 90°, row by row, for checking the convention. */
const rotated = (m: Float64Array, v: Vec3) => transformPoint(m, v);

describe('composeMatrix', () => {
  it('is the identity for IDENTITY, column-major with the translation in 12..14', () => {
    expect([...composeMatrix(IDENTITY)]).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const m = composeMatrix(t([5, 6, 7]));
    expect([m[12], m[13], m[14], m[15]]).toEqual([5, 6, 7, 1]);
  });

  it('rotates right-handed about each axis, in degrees', () => {
    expectVec(rotated(composeMatrix(t([0, 0, 0], [0, 0, 90])), [1, 0, 0]), [0, 1, 0]); // Z: x → y
    expectVec(rotated(composeMatrix(t([0, 0, 0], [90, 0, 0])), [0, 1, 0]), [0, 0, 1]); // X: y → z
    expectVec(rotated(composeMatrix(t([0, 0, 0], [0, 90, 0])), [0, 0, 1]), [1, 0, 0]); // Y: z → x
    expectVec(rotated(composeMatrix(t([0, 0, 0], [0, 30, 0])), [0, 0, 1]), [Math.sin(Math.PI / 6), 0, Math.cos(Math.PI / 6)]);
  });

  it('applies Euler angles as R = Rx · Ry · Rz (intrinsic X, then Y, then Z)', () => {
    // Worked by hand: Rz(0) leaves (1,0,0); Ry(90) sends it to (0,0,-1); Rx(90) sends that to (0,1,0).
    const m = composeMatrix(t([0, 0, 0], [90, 90, 0]));
    expectVec(transformPoint(m, [1, 0, 0]), [0, 1, 0]);
    expectVec(transformPoint(m, [0, 0, 1]), [1, 0, 0]);
    // The other order (Rz · Ry · Rx) would send (1,0,0) to (0,0,-1): the test tells them apart.
    const generic: Vec3 = [30, -40, 125];
    const byAxes = multiply(
      multiply(composeMatrix(t([0, 0, 0], [generic[0], 0, 0])), composeMatrix(t([0, 0, 0], [0, generic[1], 0]))),
      composeMatrix(t([0, 0, 0], [0, 0, generic[2]])),
    );
    expectVec([...composeMatrix(t([0, 0, 0], generic))], [...byAxes]);
  });

  it('is T · R · S: scale first, then rotation, then translation', () => {
    const m = composeMatrix(t([10, 0, 0], [0, 0, 90], [2, 3, 4]));
    // (1,0,0) scaled to (2,0,0), turned to (0,2,0), moved to (10,2,0).
    expectVec(transformPoint(m, [1, 0, 0]), [10, 2, 0]);
    // (0,1,0) scaled to (0,3,0), turned to (-3,0,0), moved to (7,0,0).
    expectVec(transformPoint(m, [0, 1, 0]), [7, 0, 0]);
    expectVec(transformPoint(m, [0, 0, 1]), [10, 0, 4]);
  });
});

describe('multiply, invert and transformPoint', () => {
  it('applies the right-hand matrix first', () => {
    const move = composeMatrix(t([5, 0, 0]));
    const turn = composeMatrix(t([0, 0, 0], [0, 0, 90]));
    expectVec(transformPoint(multiply(move, turn), [1, 0, 0]), [5, 1, 0]);
    expectVec(transformPoint(multiply(turn, move), [1, 0, 0]), [0, 6, 0]);
  });

  it('inverts affine matrices and refuses singular ones', () => {
    const m = composeMatrix(t([3, -2, 7], [20, 50, -70], [2, 0.5, 3]));
    expectVec([...multiply(invert(m), m)], [...composeMatrix(IDENTITY)], 1e-12);
    expectVec(transformPoint(invert(m), transformPoint(m, [1, 2, 3])), [1, 2, 3], 1e-12);
    expect(caught(() => invert(composeMatrix(t([0, 0, 0], [0, 0, 0], [1, 0, 1])))).code).toBe('INVALID_INPUT');
  });
});

const angle = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const positive = fc.double({ min: 0.01, max: 100, noNaN: true });
const coordinate = fc.double({ min: -1e4, max: 1e4, noNaN: true });
const vec3 = <T extends number>(a: fc.Arbitrary<T>) => fc.tuple(a, a, a) as unknown as fc.Arbitrary<Vec3>;

describe('decompose', () => {
  it('recovers position, rotation and scale: decompose(compose(t)) ≈ t away from gimbal lock', () => {
    fc.assert(
      fc.property(
        vec3(coordinate),
        fc.tuple(angle(-179.9, 179.9), angle(-85, 85), angle(-179.9, 179.9)),
        vec3(positive),
        (position, rotation, scale) => {
          const back = decompose(composeMatrix({ position, rotation: rotation as Vec3, scale }));
          expectVec(back.position, position, 1e-8);
          expectVec(back.rotation, rotation, 1e-6);
          expectVec(back.scale, scale, 1e-8);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips every matrix, mirrored or at gimbal lock: compose(decompose(m)) ≈ m', () => {
    const signedScale = fc.tuple(positive, fc.boolean()).map(([s, negative]) => (negative ? -s : s));
    fc.assert(
      fc.property(vec3(coordinate), vec3(angle(-720, 720)), vec3(signedScale), (position, rotation, scale) => {
        const m = composeMatrix({ position, rotation, scale });
        const back = decompose(m);
        expectVec([...composeMatrix(back)], [...m], 1e-6);
        expect(back.scale.filter((s) => s < 0).length).toBeLessThanOrEqual(1);
        expect(back.rotation[1]).toBeGreaterThanOrEqual(-90);
        expect(back.rotation[1]).toBeLessThanOrEqual(90);
      }),
      { numRuns: 500 },
    );
    const lock = composeMatrix(t([0, 0, 0], [30, 90, 20]));
    expectVec([...composeMatrix(decompose(lock))], [...lock], 1e-9);
  });

  it('puts a mirror (negative determinant) on the x scale', () => {
    expect(decompose(composeMatrix(t([1, 2, 3], [0, 0, 0], [-2, 3, 4])))).toEqual(t([1, 2, 3], [0, 0, 0], [-2, 3, 4]));
    const mirroredY = decompose(composeMatrix(t([0, 0, 0], [0, 0, 0], [2, -3, 4])));
    expect(mirroredY.scale).toEqual([-2, 3, 4]);
    // diag(2, -3, 4) = Rz(180°) · diag(-2, 3, 4).
    expect(mirroredY.rotation).toEqual([0, 0, 180]);
  });

  it('prints cleanly: no -0 and no 1e-16 noise', () => {
    const thirty = composeMatrix(t([0, 0, 0], [0, 0, 30]));
    const turned = decompose(multiply(multiply(thirty, thirty), thirty));
    expect(turned).toEqual(t([0, 0, 0], [0, 0, 90]));
    for (const v of [...turned.position, ...turned.rotation, ...turned.scale]) expect(Object.is(v, -0)).toBe(false);
    const back = decompose(multiply(composeMatrix(t([0.1, 0.2, 0])), composeMatrix(t([0.2, 0.1, -0]))));
    expect(back.position).toEqual([0.3, 0.3, 0]);
  });

  it('survives a zero scale axis', () => {
    const flat = decompose(composeMatrix(t([1, 1, 1], [0, 45, 0], [2, 0, 2])));
    expect(flat.scale).toEqual([2, 0, 2]);
    expectVec(flat.rotation, [0, 45, 0]);
  });
});

describe('worldTransforms', () => {
  it('places a child under a moved, turned (90° about Z) and scaled (×2) parent where hand maths says', () => {
    const world = worldTransforms([
      { id: 'parent', parentId: null, transform: t([10, 0, 0], [0, 0, 90], [2, 2, 2]) },
      { id: 'child', parentId: 'parent', transform: t([1, 0, 0]) },
      { id: 'up', parentId: 'parent', transform: t([0, 1, 0], [0, 0, 90], [0.5, 0.5, 0.5]) },
    ]);
    // (1,0,0) ×2 → (2,0,0), turned 90° about Z → (0,2,0), + (10,0,0).
    expect(world.get('child')).toEqual(t([10, 2, 0], [0, 0, 90], [2, 2, 2]));
    // (0,1,0) ×2 → (0,2,0), turned → (-2,0,0), + (10,0,0); turns add up, scales multiply.
    expect(world.get('up')).toEqual(t([8, 0, 0], [0, 0, 180], [1, 1, 1]));
  });

  it('composes three levels', () => {
    const world = worldTransforms([
      { id: 'leaf', parentId: 'mid', transform: t([0, 0, 2], [0, 0, 0], [0.5, 1, 1]) },
      { id: 'mid', parentId: 'root', transform: t([5, 0, 0], [0, 0, 0], [3, 3, 3]) },
      { id: 'root', parentId: null, transform: t([1, 2, 3], [0, 90, 0]) },
    ]);
    // Ry(90) sends x to -z and z to x. mid: (5,0,0) → (0,0,-5), + (1,2,3) = (1,2,-2).
    expect(world.get('mid')).toEqual(t([1, 2, -2], [0, 90, 0], [3, 3, 3]));
    // leaf: (0,0,2) ×3 → (0,0,6) → turned (6,0,0), + (1,2,-2) = (7,2,-2).
    expect(world.get('leaf')).toEqual(t([7, 2, -2], [0, 90, 0], [1.5, 3, 3]));
  });

  it('gives a root (or an entity whose parent is missing) its local transform', () => {
    const local = t([1.5, -2, 3], [10, 20, 30], [1, 2, 3]);
    const world = worldTransforms([
      { id: 'root', parentId: null, transform: local },
      { id: 'orphan', parentId: 'deleted', transform: local },
    ]);
    for (const id of ['root', 'orphan']) {
      const w = world.get(id)!;
      expectVec(w.position, local.position);
      expectVec(w.rotation, local.rotation);
      expectVec(w.scale, local.scale);
    }
  });

  it('handles a chain 10,000 deep without recursion', () => {
    const entities = Array.from({ length: 10_000 }, (_, i) => ({
      id: `e${i}`,
      parentId: i === 0 ? null : `e${i - 1}`,
      transform: t([1, 0, 0]),
    }));
    const started = Date.now();
    const world = worldTransforms(entities.reverse());
    expect(world.get('e9999')!.position).toEqual([10_000, 0, 0]);
    expect(world.size).toBe(10_000);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a cycle as INTERNAL naming its ids, instead of looping', () => {
    const err = caught(() =>
      worldMatrices([
        { id: 'root', parentId: null, transform: IDENTITY },
        { id: 'c', parentId: 'a', transform: IDENTITY },
        { id: 'a', parentId: 'b', transform: IDENTITY },
        { id: 'b', parentId: 'a', transform: IDENTITY },
      ]),
    );
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toMatch(/cycle: a → b → a/);
    expect(err.details).toEqual({ cycle: ['a', 'b', 'a'] });
    const self = caught(() => worldTransforms([{ id: 'x', parentId: 'x', transform: IDENTITY }]));
    expect(self.message).toMatch(/x → x/);
    expect(caught(() => worldTransforms([{ id: 'x', parentId: null, transform: IDENTITY }, { id: 'x', parentId: null, transform: IDENTITY }])).code).toBe(
      'INTERNAL',
    );
  });
});

describe('wouldCycle', () => {
  // root ← a ← b ← c, and d beside them.
  const tree = [
    { id: 'root', parentId: null },
    { id: 'a', parentId: 'root' },
    { id: 'b', parentId: 'a' },
    { id: 'c', parentId: 'b' },
    { id: 'd', parentId: 'root' },
  ];

  it('names the chain a move under a descendant would close', () => {
    expect(wouldCycle(tree, 'a', 'c')).toEqual(['a', 'c', 'b', 'a']);
    expect(wouldCycle(tree, 'root', 'c')).toEqual(['root', 'c', 'b', 'a', 'root']);
    expect(wouldCycle(tree, 'b', 'c')).toEqual(['b', 'c', 'b']);
  });

  it('refuses an entity as its own parent', () => {
    expect(wouldCycle(tree, 'b', 'b')).toEqual(['b', 'b']);
  });

  it('allows moves that close nothing', () => {
    expect(wouldCycle(tree, 'c', 'd')).toBeNull();
    expect(wouldCycle(tree, 'a', null)).toBeNull();
    expect(wouldCycle(tree, 'd', 'c')).toBeNull();
    expect(wouldCycle(tree, 'c', 'unknown')).toBeNull();
    // An existing loop elsewhere does not hang it.
    expect(wouldCycle([...tree, { id: 'x', parentId: 'y' }, { id: 'y', parentId: 'x' }], 'a', 'x')).toBeNull();
  });
});

describe('parseVec3', () => {
  it('reads three numbers separated by commas', () => {
    expect(parseVec3('1,2,3', 'position')).toEqual([1, 2, 3]);
    expect(parseVec3(' 1, 2.5, -3 ', 'position')).toEqual([1, 2.5, -3]);
    expect(parseVec3('[0.5,-.25,1e2]', 'scale')).toEqual([0.5, -0.25, 100]);
    expect(Object.is(parseVec3('-0,0,0', 'rotation')[0], -0)).toBe(false);
  });

  it.each([
    ['', /got nothing/],
    ['1,2', /got 2 value/],
    ['1,2,3,4', /got 4 value/],
    ['1,,3', /y is empty/],
    ['a,b,c', /x is "a", not a number/],
    ['1,2,0x10', /z is "0x10"/],
    ['1,2,Infinity', /z is "Infinity"/],
    ['1e999,0,0', /not finite/],
    ['1 2 3', /got 1 value/],
  ])('refuses %j as INVALID_INPUT naming the field and showing an example', (text, why) => {
    const err = caught(() => parseVec3(text, 'position'));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/^position must be three numbers separated by commas, like 1,2\.5,-3/);
    expect(err.message).toMatch(why);
    expect(err.details).toMatchObject({ field: 'position' });
  });
});
