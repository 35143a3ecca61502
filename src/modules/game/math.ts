/**
 * Transform maths of the Game module: local transforms, 4x4 matrices, world transforms of a hierarchy.
 *
 * Conventions (the rest of the module and the world generator rely on them):
 * - Right-handed, Y up. Distances are scene units; angles are DEGREES.
 * - `rotation` is Euler angles [x, y, z] in XYZ order: intrinsic X, then Y, then Z, so the rotation
 *   matrix is R = Rx(x) · Ry(y) · Rz(z) acting on column vectors (three.js calls this order 'XYZ').
 *   With only a Y angle θ, an entity's forward axis, local +Z, points along world (sin θ, 0, cos θ).
 * - Matrices are 4x4 Float64Arrays in COLUMN-MAJOR order (element (row r, column c) at index c*4 + r,
 *   the translation in indices 12, 13, 14), as in WebGL, glTF and three.js.
 * - A transform's matrix is T · R · S: scale first, then rotate, then translate.
 * - A world transform is parentWorld · local, down the hierarchy.
 */
import { RaosError, invalidInput } from '../../kernel/errors.js';

export type Vec3 = [number, number, number];

/** A local (or world) transform. Rotation is Euler degrees in XYZ order (see the module comment). */
export interface Transform {
  position: Vec3;
  rotation: Vec3;
  scale: Vec3;
}

export const IDENTITY: Transform = Object.freeze({
  position: Object.freeze([0, 0, 0]) as unknown as Vec3,
  rotation: Object.freeze([0, 0, 0]) as unknown as Vec3,
  scale: Object.freeze([1, 1, 1]) as unknown as Vec3,
}) as Transform;

/** Outputs are rounded to this many decimals, so float noise (1e-15, -0) never reaches a user. */
const DECIMALS = 9;
const ROUND = 10 ** DECIMALS;

/** Rounds to 1e-9 and turns -0 into 0; values too large to round are returned unchanged. */
export function clean(value: number): number {
  const rounded = Math.round(value * ROUND) / ROUND;
  if (!Number.isFinite(rounded)) return value;
  return rounded + 0; // -0 + 0 === +0
}

/** An angle in degrees folded into (-180, 180]. */
export function normalizeDegrees(degrees: number): number {
  let d = degrees % 360;
  if (d <= -180) d += 360;
  else if (d > 180) d -= 360;
  return d + 0;
}

/** sin and cos of an angle in degrees, exact at multiples of 90° so hand-checked cases stay exact. */
function sinCosDeg(degrees: number): [number, number] {
  const d = ((degrees % 360) + 360) % 360;
  if (d === 0) return [0, 1];
  if (d === 90) return [1, 0];
  if (d === 180) return [0, -1];
  if (d === 270) return [-1, 0];
  const r = (d * Math.PI) / 180;
  return [Math.sin(r), Math.cos(r)];
}

/** The 4x4 matrix T · R · S of a transform (column-major). */
export function composeMatrix(t: Transform): Float64Array {
  const [sa, ca] = sinCosDeg(t.rotation[0]);
  const [sb, cb] = sinCosDeg(t.rotation[1]);
  const [sc, cc] = sinCosDeg(t.rotation[2]);
  const [sx, sy, sz] = t.scale;
  // R = Rx · Ry · Rz, written out by rows.
  const r00 = cb * cc;
  const r01 = -cb * sc;
  const r02 = sb;
  const r10 = ca * sc + sa * sb * cc;
  const r11 = ca * cc - sa * sb * sc;
  const r12 = -sa * cb;
  const r20 = sa * sc - ca * sb * cc;
  const r21 = sa * cc + ca * sb * sc;
  const r22 = ca * cb;
  const m = new Float64Array(16);
  m[0] = r00 * sx;
  m[1] = r10 * sx;
  m[2] = r20 * sx;
  m[4] = r01 * sy;
  m[5] = r11 * sy;
  m[6] = r21 * sy;
  m[8] = r02 * sz;
  m[9] = r12 * sz;
  m[10] = r22 * sz;
  m[12] = t.position[0];
  m[13] = t.position[1];
  m[14] = t.position[2];
  m[15] = 1;
  for (let i = 0; i < 16; i++) m[i] += 0; // no -0 from sin/cos products
  return m;
}

/** The matrix product a · b (apply b first, then a). */
export function multiply(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(16);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      out[c * 4 + r] =
        a[r] * b[c * 4] + a[4 + r] * b[c * 4 + 1] + a[8 + r] * b[c * 4 + 2] + a[12 + r] * b[c * 4 + 3];
    }
  }
  return out;
}

/**
 * The inverse of an affine matrix (last row 0 0 0 1), such as any composeMatrix result.
 * Throws INVALID_INPUT when it is singular (a scale axis is zero).
 */
export function invert(m: Float64Array): Float64Array {
  const [a, b, c] = [m[0], m[4], m[8]];
  const [d, e, f] = [m[1], m[5], m[9]];
  const [g, h, i] = [m[2], m[6], m[10]];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-300) {
    throw invalidInput('the transform cannot be inverted: one of its scale axes is zero');
  }
  const inv = new Float64Array(16);
  // Inverse of the 3x3 part (adjugate / det), stored column-major.
  inv[0] = A / det;
  inv[1] = B / det;
  inv[2] = C / det;
  inv[4] = -(b * i - c * h) / det;
  inv[5] = (a * i - c * g) / det;
  inv[6] = -(a * h - b * g) / det;
  inv[8] = (b * f - c * e) / det;
  inv[9] = -(a * f - c * d) / det;
  inv[10] = (a * e - b * d) / det;
  const [tx, ty, tz] = [m[12], m[13], m[14]];
  inv[12] = -(inv[0] * tx + inv[4] * ty + inv[8] * tz);
  inv[13] = -(inv[1] * tx + inv[5] * ty + inv[9] * tz);
  inv[14] = -(inv[2] * tx + inv[6] * ty + inv[10] * tz);
  inv[15] = 1;
  return inv;
}

/** The point v moved by m (w = 1; a projective w is divided out). */
export function transformPoint(m: Float64Array, v: Vec3): Vec3 {
  const [x, y, z] = v;
  const w = m[3] * x + m[7] * y + m[11] * z + m[15];
  const scale = w !== 0 && w !== 1 ? 1 / w : 1;
  return [
    (m[0] * x + m[4] * y + m[8] * z + m[12]) * scale,
    (m[1] * x + m[5] * y + m[9] * z + m[13]) * scale,
    (m[2] * x + m[6] * y + m[10] * z + m[14]) * scale,
  ];
}

type V = [number, number, number];
const dot = (a: V, b: V) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V, b: V): V => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const length = (a: V) => Math.hypot(a[0], a[1], a[2]);
const EPSILON = 1e-12;

function normalize(a: V): V | null {
  const len = length(a);
  return len > EPSILON && Number.isFinite(len) ? [a[0] / len, a[1] / len, a[2] / len] : null;
}

/** Any unit vector perpendicular to the unit vector a. */
function perpendicular(a: V): V {
  const helper: V = Math.abs(a[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  return normalize(cross(a, helper)) ?? [0, 0, 1];
}

/** Second axis orthonormal to `first`, from `candidate` when it is not parallel. */
function orthogonalTo(first: V, candidate: V | null): V {
  if (candidate) {
    const d = dot(candidate, first);
    const o = normalize([candidate[0] - d * first[0], candidate[1] - d * first[1], candidate[2] - d * first[2]]);
    if (o) return o;
  }
  return perpendicular(first);
}

/**
 * A right-handed orthonormal basis (the rotation's columns) from possibly missing, non-orthogonal
 * axis directions: Gram-Schmidt from the first usable pair, cross product for the third.
 */
function rotationColumns(u: [V | null, V | null, V | null]): [V, V, V] {
  for (let k = 0; k < 3; k++) {
    const first = u[k];
    if (!first) continue;
    const next = (k + 1) % 3;
    const last = (k + 2) % 3;
    const columns: V[] = [];
    if (u[next] || !u[last]) {
      columns[k] = first;
      columns[next] = orthogonalTo(first, u[next]);
      columns[last] = cross(columns[k], columns[next]);
    } else {
      // Only u[k] and u[last]: build from the pair (last, k) in cyclic order.
      columns[k] = first;
      columns[last] = orthogonalTo(first, u[last]);
      columns[next] = cross(columns[last], columns[k]);
    }
    return columns as [V, V, V];
  }
  return [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
}

/**
 * The transform whose composeMatrix is m (as near as a TRS can be): position from the translation,
 * scale from the column lengths (one axis, x, negated when the determinant is negative, i.e. the
 * matrix mirrors), rotation in degrees in the XYZ convention with y in [-90, 90] and x, z in
 * (-180, 180]; at gimbal lock (y = ±90) z is 0. A matrix with shear (a parent scaled non-uniformly
 * above a rotated child) has no exact TRS; the result is the closest rotation by Gram-Schmidt.
 * Every number is rounded to 1e-9 so that float noise never prints.
 */
export function decompose(m: Float64Array): Transform {
  const c0: V = [m[0], m[1], m[2]];
  const c1: V = [m[4], m[5], m[6]];
  const c2: V = [m[8], m[9], m[10]];
  let sx = length(c0);
  const sy = length(c1);
  const sz = length(c2);
  if (dot(cross(c0, c1), c2) < 0) sx = -sx;
  const unit = (c: V, s: number): V | null =>
    Math.abs(s) > EPSILON && Number.isFinite(s) ? [c[0] / s, c[1] / s, c[2] / s] : null;
  const [r0, r1, r2] = rotationColumns([unit(c0, sx), unit(c1, sy), unit(c2, sz)]);
  // Rotation matrix element (row, column) is r<column>[row].
  const cosY = Math.hypot(r0[0], r1[0]);
  const y = Math.atan2(r2[0], cosY);
  let x: number;
  let z: number;
  if (cosY > 1e-9) {
    x = Math.atan2(-r2[1], r2[2]);
    z = Math.atan2(-r1[0], r0[0]);
  } else {
    // Gimbal lock: only x ± z is defined; put it all in x.
    x = Math.atan2(r1[2], r1[1]);
    z = 0;
  }
  const deg = (radians: number) => {
    const d = normalizeDegrees(clean((radians * 180) / Math.PI));
    return d === -180 ? 180 : clean(d);
  };
  return {
    position: [clean(m[12]), clean(m[13]), clean(m[14])],
    rotation: [deg(x), deg(y), deg(z)],
    scale: [clean(sx), clean(sy), clean(sz)],
  };
}

/** What worldTransforms and worldMatrices read from each entity. */
export interface HierarchyEntity {
  id: string;
  parentId: string | null;
  transform: Transform;
}

/**
 * The world matrix of every entity: parentWorld · local, computed iteratively (a chain of any depth
 * is fine). An entity whose parent is not in the list is a root. Throws INTERNAL on a duplicate id
 * or a parent cycle, naming the ids (the module refuses cycles before they are stored).
 */
export function worldMatrices(entities: readonly HierarchyEntity[]): Map<string, Float64Array> {
  const byId = new Map<string, HierarchyEntity>();
  for (const entity of entities) {
    if (byId.has(entity.id)) {
      throw new RaosError('INTERNAL', `entity id ${entity.id} appears twice in the hierarchy`, {
        details: { id: entity.id },
      });
    }
    byId.set(entity.id, entity);
  }
  const world = new Map<string, Float64Array>();
  for (const start of entities) {
    if (world.has(start.id)) continue;
    // Walk up to a root or to an ancestor already computed, then compute back down.
    const path: HierarchyEntity[] = [];
    const indexOnPath = new Map<string, number>();
    let current = start;
    for (;;) {
      indexOnPath.set(current.id, path.length);
      path.push(current);
      const parentId = current.parentId;
      if (parentId === null || world.has(parentId) || !byId.has(parentId)) break;
      const seenAt = indexOnPath.get(parentId);
      if (seenAt !== undefined) {
        const cycle = [...path.slice(seenAt).map((e) => e.id), parentId];
        throw new RaosError('INTERNAL', `the entity hierarchy has a cycle: ${cycle.join(' → ')}`, {
          details: { cycle },
        });
      }
      current = byId.get(parentId)!;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const entity = path[i];
      const local = composeMatrix(entity.transform);
      const parent = entity.parentId === null ? undefined : world.get(entity.parentId);
      world.set(entity.id, parent ? multiply(parent, local) : local);
    }
  }
  return world;
}

/** The world transform of every entity (decomposed worldMatrices; see decompose about shear). */
export function worldTransforms(entities: readonly HierarchyEntity[]): Map<string, Transform> {
  const result = new Map<string, Transform>();
  for (const [id, matrix] of worldMatrices(entities)) result.set(id, decompose(matrix));
  return result;
}

/**
 * The cycle that making `newParentId` the parent of `id` would close, or null when it closes none.
 * The chain follows parent links and starts and ends with `id`: reparenting a under c where c's
 * parent is b and b's parent is a gives ['a', 'c', 'b', 'a']; a parent of itself gives ['a', 'a'].
 */
export function wouldCycle(
  entities: readonly { id: string; parentId: string | null }[],
  id: string,
  newParentId: string | null,
): string[] | null {
  if (newParentId === null) return null;
  if (newParentId === id) return [id, id];
  const parentOf = new Map<string, string | null>();
  for (const entity of entities) parentOf.set(entity.id, entity.parentId);
  const chain = [id, newParentId];
  const seen = new Set<string>([newParentId]);
  let current = parentOf.get(newParentId) ?? null;
  while (current !== null) {
    chain.push(current);
    if (current === id) return chain;
    // An existing cycle that does not pass through `id` is not closed by this move.
    if (seen.has(current)) return null;
    seen.add(current);
    current = parentOf.get(current) ?? null;
  }
  return null;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * A vector from CLI text: three finite numbers separated by commas (`1,2,3`, `1, 2.5, -3`,
 * optionally in brackets). Anything else is INVALID_INPUT naming `field`.
 */
export function parseVec3(text: string, field: string): Vec3 {
  const fail = (why: string) =>
    invalidInput(`${field} must be three numbers separated by commas, like 1,2.5,-3 (${why})`, {
      hint: `Write ${field} as x,y,z, for example --${field} 0,1.5,-2`,
      details: { field, value: text },
    });
  const inner = text.trim().replace(/^\[(.*)\]$/s, '$1');
  const parts = inner.split(',').map((part) => part.trim());
  if (parts.length !== 3) {
    throw fail(parts.length === 1 && parts[0] === '' ? 'got nothing' : `got ${parts.length} value(s) in "${text}"`);
  }
  const values = parts.map((part, i) => {
    if (!NUMBER.test(part)) throw fail(`${'xyz'[i]} is ${part === '' ? 'empty' : `"${part}", not a number`}`);
    const value = Number(part);
    if (!Number.isFinite(value)) throw fail(`${'xyz'[i]} is "${part}", which is not finite`);
    return value + 0;
  });
  return [values[0], values[1], values[2]];
}
