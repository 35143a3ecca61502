/**
 * The world plan: what a generator (the rules provider or a model) proposes and the Game module
 * writes as one scene. Both providers' output goes through parsePlan before anything is written.
 */
import * as z from 'zod';
import { formatIssues, invalidInput } from '../../../kernel/errors.js';

/** The most entities one plan may hold. */
export const MAX_PLAN_ENTITIES = 500;

const finite = z.number(); // zod 4 numbers refuse NaN and ±Infinity
const vec3 = (description: string) => z.tuple([finite, finite, finite]).describe(description);

export const planEntitySchema = z
  .object({
    ref: z
      .string()
      .regex(/^[a-z0-9_-]{1,64}$/, 'must be 1-64 characters of a-z, 0-9, _ and -')
      .describe('Unique id of this entity within the plan, e.g. "dragon-1"'),
    name: z.string().min(1).max(100).describe('Display name, e.g. "Red Dragon 1"'),
    kind: z
      .string()
      .max(50)
      .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be a lowercase word like dragon or treasure-chest')
      .describe('What it is: a lowercase word, e.g. "dragon", "treasure-chest", "dungeon"'),
    tags: z
      .array(z.string().min(1).max(50))
      .max(20)
      .describe('Adjectives and labels, e.g. ["red", "ancient"]'),
    parent: z
      .string()
      .nullable()
      .describe('The ref of an EARLIER entity in the list that this one belongs to, or null for the root'),
    position: vec3('Local position [x, y, z] relative to the parent; y is up; the scene spans -50..50 on x and z'),
    rotation: vec3('Local rotation as Euler angles in degrees [x, y, z], XYZ order; y turns it on the ground; it faces local +z'),
    scale: vec3('Local scale [x, y, z]; 1 is normal size'),
    components: z
      .record(z.string(), z.unknown())
      .describe('Data by component type, e.g. { "health": { "current": 300, "max": 300 } }'),
  })
  .strict();

export const worldPlanSchema = z
  .object({
    scene: z
      .object({
        name: z.string().min(1).max(100).describe('Scene name, e.g. "Dark Dungeon"'),
        description: z.string().max(1000).describe('One or two sentences about the scene'),
      })
      .strict(),
    entities: z
      .array(planEntitySchema)
      .min(1)
      .max(MAX_PLAN_ENTITIES)
      .describe('Parents before children; the first entity is usually the root place that holds the rest'),
  })
  .strict()
  .superRefine((plan, ctx) => {
    // Runs even when other fields failed (unknown keys do not stop zod), so it checks its own inputs.
    if (!Array.isArray(plan.entities)) return;
    const seen = new Map<string, number>();
    plan.entities.forEach((entity, index) => {
      if (typeof entity?.ref === 'string') {
        const first = seen.get(entity.ref);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['entities', index, 'ref'],
            message: `"${entity.ref}" is used already by entities.${first}; refs must be unique`,
          });
        }
      }
      const parent = entity?.parent;
      if (typeof parent === 'string' && !seen.has(parent)) {
        const later = plan.entities.findIndex((e, i) => i >= index && e?.ref === parent);
        const why =
          later === index
            ? 'an entity cannot be its own parent'
            : later > index
              ? `it is entities.${later}, which comes later; list parents before their children`
              : 'no entity has that ref';
        ctx.addIssue({
          code: 'custom',
          path: ['entities', index, 'parent'],
          message: `must be the ref of an earlier entity or null, not "${parent}": ${why}`,
        });
      }
      if (typeof entity?.ref === 'string' && !seen.has(entity.ref)) seen.set(entity.ref, index);
    });
  });

export type WorldPlan = z.infer<typeof worldPlanSchema>;
export type PlanEntity = z.infer<typeof planEntitySchema>;

/** At most this many problems are listed in one message. */
const SHOWN_ISSUES = 5;

/**
 * Validates a world plan. A bad one is INVALID_INPUT: "<source> was not a valid world plan: <field>:
 * <reason>; ...", naming the first bad field (also in details.field) and the source
 * (e.g. "the model's answer", "plan.json").
 */
export function parsePlan(value: unknown, source: string): WorldPlan {
  const result = worldPlanSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0];
  const firstPath = [...first.path.map(String)];
  if (first.code === 'unrecognized_keys' && first.keys.length > 0) firstPath.push(first.keys[0]);
  const field = firstPath.join('.') || '(the whole plan)';
  const more = issues.length > SHOWN_ISSUES ? `; and ${issues.length - SHOWN_ISSUES} more` : '';
  throw invalidInput(`${source} was not a valid world plan: ${formatIssues(issues.slice(0, SHOWN_ISSUES))}${more}`, {
    hint: 'A plan is { scene: { name, description }, entities: [{ ref, name, kind, tags, parent, position, rotation, scale, components }] }.',
    details: { source, field, issues: issues.length },
  });
}
