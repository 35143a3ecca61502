/**
 * The world plan schema: what both providers' plans must satisfy before anything is written, and
 * how a bad plan is reported (INVALID_INPUT naming the source and the first bad field).
 */
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { RaosError } from '../../../../src/kernel/errors.js';
import { parsePlan, worldPlanSchema, type WorldPlan } from '../../../../src/modules/game/generate/plan.js';

const entity = (ref: string, parent: string | null, extra: Record<string, unknown> = {}) => ({
  ref,
  name: ref,
  kind: 'rock',
  tags: [],
  parent,
  position: [0, 0, 0],
  rotation: [0, 0, 0],
  scale: [1, 1, 1],
  components: {},
  ...extra,
});

const valid = (): WorldPlan =>
  ({
    scene: { name: 'Dark Dungeon', description: 'A dark dungeon.' },
    entities: [
      entity('dungeon-1', null, { kind: 'dungeon', tags: ['dark'] }),
      entity('treasure-chest-1', 'dungeon-1', { kind: 'treasure-chest', components: { container: { items: [] } } }),
      entity('dragon-1', 'dungeon-1', { kind: 'dragon', position: [3, 0, -2.5], rotation: [0, 45, 0], components: { health: { current: 300, max: 300 } } }),
    ],
  }) as unknown as WorldPlan;

function refusal(value: unknown, source = 'plan.json'): RaosError {
  try {
    parsePlan(value, source);
  } catch (err) {
    expect(err).toBeInstanceOf(RaosError);
    expect((err as RaosError).code).toBe('INVALID_INPUT');
    expect((err as RaosError).message).toContain(`${source} was not a valid world plan: `);
    return err as RaosError;
  }
  throw new Error('expected the plan to be refused');
}

const withEntity = (index: number, change: Record<string, unknown>) => {
  const plan = valid() as unknown as { entities: Record<string, unknown>[] };
  plan.entities[index] = { ...plan.entities[index], ...change };
  return plan;
};

describe('parsePlan', () => {
  it('accepts a valid plan unchanged', () => {
    expect(parsePlan(valid(), 'plan.json')).toEqual(valid());
  });

  it.each([
    ['an unknown key', withEntity(1, { colour: 'red' }), 'entities.1.colour', /entities\.1: Unrecognized key: "colour"/],
    ['a ref with capitals', withEntity(2, { ref: 'Dragon 1' }), 'entities.2.ref', /entities\.2\.ref: must be 1-64 characters/],
    ['a kind that is not a lowercase word', withEntity(2, { kind: 'Dragon!' }), 'entities.2.kind', /entities\.2\.kind: must be a lowercase word/],
    ['an empty name', withEntity(0, { name: '' }), 'entities.0.name', /entities\.0\.name/],
    ['a name over 100 characters', withEntity(0, { name: 'x'.repeat(101) }), 'entities.0.name', /entities\.0\.name/],
    ['a tag over 50 characters', withEntity(0, { tags: ['y'.repeat(51)] }), 'entities.0.tags.0', /entities\.0\.tags\.0/],
    ['21 tags', withEntity(0, { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }), 'entities.0.tags', /entities\.0\.tags/],
    ['a vector of two numbers', withEntity(2, { position: [1, 2] }), 'entities.2.position', /entities\.2\.position/],
    ['a NaN coordinate', withEntity(2, { rotation: [0, Number.NaN, 0] }), 'entities.2.rotation.1', /entities\.2\.rotation\.1/],
    ['an infinite scale', withEntity(2, { scale: [1, Infinity, 1] }), 'entities.2.scale.1', /entities\.2\.scale\.1/],
    ['components that are not an object', withEntity(2, { components: [] }), 'entities.2.components', /entities\.2\.components/],
    ['a parent that comes later', withEntity(1, { parent: 'dragon-1' }), 'entities.1.parent', /entities\.1\.parent: .*"dragon-1".*comes later/],
    ['a parent of itself', withEntity(1, { parent: 'treasure-chest-1' }), 'entities.1.parent', /its own parent/],
    ['an unknown parent', withEntity(1, { parent: 'nowhere' }), 'entities.1.parent', /no entity has that ref/],
    ['a duplicate ref', withEntity(2, { ref: 'dungeon-1' }), 'entities.2.ref', /entities\.2\.ref: "dungeon-1" is used already by entities\.0/],
  ])('refuses %s, naming %s', (_, plan, field, message) => {
    const err = refusal(plan);
    expect(err.details).toMatchObject({ source: 'plan.json', field });
    expect(err.message).toMatch(message);
  });

  it('refuses plans without entities, with too many, or with the wrong shape', () => {
    expect(refusal({ ...valid(), entities: [] }).details).toMatchObject({ field: 'entities' });
    const many = { ...valid(), entities: Array.from({ length: 501 }, (_, i) => entity(`e${i}`, null)) };
    expect(refusal(many).details).toMatchObject({ field: 'entities' });
    expect(refusal({ ...valid(), scene: { name: 'x', description: 'd'.repeat(1001) } }).details).toMatchObject({ field: 'scene.description' });
    expect(refusal('a dungeon', "the model's answer").message).toMatch(/^the model's answer was not a valid world plan/);
    expect(refusal(null).details).toMatchObject({ field: '(the whole plan)' });
  });

  it('lists at most five problems', () => {
    const plan = valid() as unknown as { entities: Record<string, unknown>[] };
    plan.entities = plan.entities.map((e) => ({ ...e, name: '', kind: 'X', ref: 'A' }));
    const err = refusal(plan);
    expect(err.message).toMatch(/; and \d+ more$/);
    expect(err.message.split('; ')).toHaveLength(6);
  });

  it('turns into a JSON Schema for the model', () => {
    const schema = z.toJSONSchema(worldPlanSchema, { unrepresentable: 'any' }) as unknown as {
      properties: { entities: { items: { required: string[]; additionalProperties: boolean } } };
    };
    expect(schema.properties.entities.items.required).toEqual(
      expect.arrayContaining(['ref', 'name', 'kind', 'tags', 'parent', 'position', 'rotation', 'scale', 'components']),
    );
    expect(schema.properties.entities.items.additionalProperties).toBe(false);
  });
});
