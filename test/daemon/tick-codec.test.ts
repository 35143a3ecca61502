import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBinaryTick, encodeBinaryTick } from '../../src/daemon/tick-codec.js';

const angle = fc.double({ min: -720, max: 720, noNaN: true });
const coord = fc.double({ min: -1e6, max: 1e6, noNaN: true });

describe('binary ticks', () => {
  it('decode what they encode: positions as float32, rotations to 1/100 degree in -180..180', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.array(fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), coord, coord, coord, angle, angle, angle), { maxLength: 50 }),
        fc.array(fc.record({ eventType: fc.constantFrom('entity:created', 'entity:deleted'), payload: fc.record({ id: fc.string() }) }), { maxLength: 3 }),
        (sceneId, tickNo, rows, deltas) => {
          const buf = encodeBinaryTick({
            sceneId,
            tick: tickNo,
            timestamp: 1764000000123,
            deltas,
            moves: rows.map(([, ...v], i) => [`e_${i}`, ...v]),
            handles: rows.map(([h]) => h),
          });
          const t = decodeBinaryTick(buf);
          expect(t).toMatchObject({ sceneId, tick: tickNo >>> 0, timestamp: 1764000000123, deltas });
          expect(t.moves).toHaveLength(rows.length);
          t.moves.forEach((m, i) => {
            const [h, x, y, z, rx, ry, rz] = rows[i];
            expect(m.handle).toBe(h);
            expect(m.position).toEqual([Math.fround(x), Math.fround(y), Math.fround(z)]);
            for (const [got, want] of [
              [m.rotation[0], rx],
              [m.rotation[1], ry],
              [m.rotation[2], rz],
            ]) {
              const diff = (((got - want) % 360) + 540) % 360 - 180;
              expect(Math.abs(diff)).toBeLessThanOrEqual(0.005 + 1e-9);
              expect(got).toBeGreaterThanOrEqual(-180);
              expect(got).toBeLessThanOrEqual(180);
            }
          });
        },
      ),
    );
  });

  it('takes 22 bytes per move', () => {
    const one = encodeBinaryTick({ sceneId: 's', tick: 1, timestamp: 0, deltas: [], moves: [['e', 1, 2, 3, 0, 270, 0]], handles: [7] });
    const two = encodeBinaryTick({ sceneId: 's', tick: 1, timestamp: 0, deltas: [], moves: [['e', 1, 2, 3, 0, 270, 0], ['f', 0, 0, 0, 0, 0, 0]], handles: [7, 8] });
    expect(two.length - one.length).toBe(22);
    expect(decodeBinaryTick(one).moves[0]).toEqual({ handle: 7, position: [1, 2, 3], rotation: [0, -90, 0] });
  });

  it('refuses what is not a binary tick, or is cut short', () => {
    expect(() => decodeBinaryTick(Buffer.from('{"type":"tick"}'.padEnd(40)))).toThrow(/magic/);
    const buf = encodeBinaryTick({ sceneId: 's', tick: 1, timestamp: 0, deltas: [], moves: [['e', 1, 2, 3, 0, 0, 0]], handles: [1] });
    expect(() => decodeBinaryTick(buf.subarray(0, buf.length - 5))).toThrow(/cut short/);
  });
});
