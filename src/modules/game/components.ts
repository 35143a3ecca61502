/**
 * Typed entity components: the seed's `RegisterComponent<HealthComponent>()`. Each component type has
 * a zod schema; an entity's components are a map from type to data, validated against the registry
 * on every write, so invalid data is refused naming the field (`components.health.current`).
 *
 * Built-in types are registered here; other built-in modules register theirs through
 * `GameService.components.register()`.
 */
import * as z from 'zod';
import { RaosError, formatIssues } from '../../kernel/errors.js';

const finite = z.number().finite();
const vec3 = z.tuple([finite, finite, finite]);
const label = z.string().min(1).max(100);

export interface ComponentType {
  type: string;
  description: string;
  schema: z.ZodType;
}

export class ComponentRegistry {
  readonly #types = new Map<string, ComponentType>();

  /** Adds a component type. Names are lowercase words with dashes; a name taken already is CONFLICT. */
  register(type: string, schema: z.ZodType, description: string): void {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(type)) {
      throw new RaosError('INVALID_INPUT', `component type '${type}': use 1-32 characters of a-z, 0-9 and -, starting with a letter`);
    }
    if (this.#types.has(type)) throw new RaosError('CONFLICT', `a component type named '${type}' is registered already`);
    this.#types.set(type, { type, description, schema });
  }

  has(type: string): boolean {
    return this.#types.has(type);
  }

  list(): { type: string; description: string; schema: unknown }[] {
    return [...this.#types.values()].map((t) => ({
      type: t.type,
      description: t.description,
      schema: z.toJSONSchema(t.schema, { io: 'input', unrepresentable: 'any' }),
    }));
  }

  /**
   * Validates a map of components (type → data) and returns the parsed data. An unknown type or bad
   * data is INVALID_INPUT naming `components.<type>.<field>`.
   */
  validate(components: Record<string, unknown>, field = 'components'): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [type, data] of Object.entries(components)) {
      const entry = this.#types.get(type);
      if (!entry) {
        throw new RaosError('INVALID_INPUT', `${field}.${type}: unknown component type (known: ${[...this.#types.keys()].join(', ')})`, {
          hint: '`raos game component list` shows the types and their fields.',
        });
      }
      const result = entry.schema.safeParse(data);
      if (!result.success) {
        throw new RaosError('INVALID_INPUT', formatIssues(result.error.issues, `${field}.${type}`));
      }
      out[type] = result.data;
    }
    return out;
  }
}

/** The component types every workspace has. */
export function builtinComponents(): ComponentRegistry {
  const registry = new ComponentRegistry();
  registry.register(
    'health',
    z
      .object({ current: finite.min(0), max: finite.positive() })
      .strict()
      .refine((h) => h.current <= h.max, { message: 'must not exceed max', path: ['current'] }),
    'Hit points: current (0..max) and max',
  );
  registry.register('tags', z.object({ values: z.array(z.string().min(1).max(50)).max(50) }).strict(), 'Free-form labels');
  registry.register(
    'light',
    z
      .object({
        color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #ffaa00').default('#ffffff'),
        intensity: finite.min(0).max(1000).default(1),
        range: finite.positive().max(10_000).default(10),
      })
      .strict(),
    'A light source: color (#rrggbb), intensity, range',
  );
  registry.register(
    'container',
    z.object({ items: z.array(label).max(1000).default([]), capacity: z.number().int().positive().max(100_000).optional() }).strict(),
    'Holds items: a list of item names and an optional capacity',
  );
  registry.register('mesh', z.object({ model: z.string().min(1).max(500), color: z.string().max(50).optional() }).strict(), 'What to draw: a model name or path');
  registry.register(
    'collider',
    z.object({ shape: z.enum(['box', 'sphere', 'capsule']), size: vec3.default([1, 1, 1]), trigger: z.boolean().default(false) }).strict(),
    'A physics shape: box, sphere or capsule, with a size',
  );
  registry.register(
    'npc',
    z
      .object({
        behaviour: z.enum(['idle', 'patrol', 'guard', 'wander', 'flee', 'trade']).default('idle'),
        target: z.string().max(100).optional(),
        hostile: z.boolean().default(false),
      })
      .strict(),
    'A computer-controlled character: behaviour, what it targets, whether it attacks',
  );
  return registry;
}
