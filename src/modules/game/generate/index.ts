/**
 * World generation from a sentence: `raos game generate "a dark dungeon with three dragons guarding a
 * treasure chest"`. Two providers make a WorldPlan: the built-in rules (rules.ts) and an
 * OpenAI-compatible model (openai.ts); both plans pass parsePlan before anything is written.
 */
import { RaosError, invalidInput } from '../../../kernel/errors.js';
import { openaiProvider, type OpenAIProviderOptions } from './openai.js';
import type { WorldPlan } from './plan.js';
import { rulesProvider } from './rules.js';

export { MAX_PLAN_ENTITIES, parsePlan, planEntitySchema, worldPlanSchema, type PlanEntity, type WorldPlan } from './plan.js';
export { rulesProvider } from './rules.js';
export { openaiProvider, type OpenAIProviderOptions } from './openai.js';

export type PlanProvider = 'rules' | 'openai';

export interface GeneratePlanOptions {
  /** The sentence describing the world. */
  prompt: string;
  /** Same prompt and seed, same plan (rules); passed on to the model as its seed (openai). */
  seed: number;
  provider: PlanProvider;
  /** Endpoint settings (config game.openai.*); needed when provider is 'openai'. */
  openai?: OpenAIProviderOptions;
}

/** A validated world plan for the prompt, from the chosen provider. */
export async function generatePlan(options: GeneratePlanOptions): Promise<WorldPlan> {
  const { prompt, seed, provider } = options;
  if (!Number.isSafeInteger(seed)) {
    throw invalidInput(`seed: must be a whole number, not ${String(seed)}`, { details: { field: 'seed' } });
  }
  if (provider === 'rules') return rulesProvider(prompt, seed);
  if (provider === 'openai') {
    if (!options.openai) {
      throw new RaosError('CONFIG_INVALID', 'game.openai: the model endpoint is not configured', {
        hint: 'Set game.openai.baseUrl and game.openai.model, or use --provider rules.',
      });
    }
    return openaiProvider(prompt, seed, options.openai);
  }
  throw invalidInput(`provider: must be rules or openai, not "${String(provider)}"`, { details: { field: 'provider' } });
}

const num = (v: number) => String(Number(v.toFixed(2)) + 0);
const vec = (v: readonly number[]) => `(${v.map(num).join(', ')})`;

/** One line of the tree: ref, name, kind, local position, and rotation, scale and tags when they say something. */
function entityLine(e: WorldPlan['entities'][number]): string {
  const parts = [`${e.ref}  ${e.name} (${e.kind}) at ${vec(e.position)}`];
  if (e.rotation.some((a) => Math.abs(a) >= 0.005)) parts.push(`turned ${vec(e.rotation)}`);
  if (e.scale.some((s) => Math.abs(s - 1) >= 0.005)) {
    parts.push(e.scale.every((s) => s === e.scale[0]) ? `scale ${num(e.scale[0])}` : `scale ${vec(e.scale)}`);
  }
  if (e.tags.length > 0) parts.push(`[${e.tags.join(', ')}]`);
  return parts.join(' ');
}

/**
 * A readable summary for --dry-run: the scene, the number of entities by kind (most first), then the
 * tree with each entity's position relative to its parent.
 */
export function describePlan(plan: WorldPlan): string {
  const lines: string[] = [];
  lines.push(`Scene: ${plan.scene.name}${plan.scene.description ? `: ${plan.scene.description}` : ''}`);
  const byKind = new Map<string, number>();
  for (const e of plan.entities) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
  const counts = [...byKind].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  lines.push(`${plan.entities.length} ${plan.entities.length === 1 ? 'entity' : 'entities'}: ${counts.map(([k, n]) => `${n} ${k}`).join(', ')}`);
  lines.push('Tree (positions relative to the parent):');

  const refs = new Set(plan.entities.map((e) => e.ref));
  const children = new Map<string, WorldPlan['entities']>();
  const roots: WorldPlan['entities'] = [];
  for (const e of plan.entities) {
    if (e.parent === null || !refs.has(e.parent)) roots.push(e);
    else children.set(e.parent, [...(children.get(e.parent) ?? []), e]);
  }
  // Depth-first with an explicit stack: deep trees cannot overflow the call stack.
  const stack: { entity: WorldPlan['entities'][number]; prefix: string; connector: string; childPrefix: string }[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ entity: roots[i], prefix: '', connector: '', childPrefix: '' });
  const shown = new Set<string>();
  while (stack.length > 0) {
    const { entity, prefix, connector, childPrefix } = stack.pop()!;
    if (shown.has(entity.ref)) continue;
    shown.add(entity.ref);
    lines.push(`${prefix}${connector}${entityLine(entity)}`);
    const kids = children.get(entity.ref) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) {
      const last = i === kids.length - 1;
      stack.push({
        entity: kids[i],
        prefix: prefix + childPrefix,
        connector: last ? '└─ ' : '├─ ',
        childPrefix: last ? '   ' : '│  ',
      });
    }
  }
  return lines.join('\n');
}
