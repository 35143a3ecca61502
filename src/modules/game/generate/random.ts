/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence on every machine, and it
 * never touches Math.random, so generated worlds are reproducible from their seed.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A float in [min, max). */
  range(min: number, max: number): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** One of the items (which must not be empty). */
  pick<T>(items: readonly T[]): T;
}

/** A generator for `seed`. Any number works: it is truncated to an integer and taken modulo 2^32. */
export function createRandom(seed: number): Random {
  let state = Number.isFinite(seed) ? Math.trunc(seed) >>> 0 : 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (min, max) => min + next() * (max - min),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}
