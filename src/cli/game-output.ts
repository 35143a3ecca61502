/**
 * How the game commands read their structured flags (vectors, components, JSON) and print scenes,
 * entity trees and chat for people. Commands return the objects themselves for --json.
 */
import { readFile } from 'node:fs/promises';
import { RaosError } from '../kernel/errors.js';
import { parseVec3, type Transform, type Vec3 } from '../modules/game/math.js';
import type { ChatMessageView, ChatRoomView, EntityView, SceneView } from '../modules/game/schema.js';
import { table } from './output.js';

// ---------------------------------------------------------------------------------------------
// Reading flags
// ---------------------------------------------------------------------------------------------

const COMPONENT_EXAMPLE = `--component '{"type":"health","current":10,"max":10}'`;

/** `--position 1,2,3` and friends; absent stays absent. */
export function vecFlag(text: string | undefined, name: 'position' | 'rotation' | 'scale'): Vec3 | undefined {
  return text === undefined ? undefined : parseVec3(text, name);
}

/**
 * Repeated `--component '{"type":"health","current":10,"max":10}'` values as the components map
 * `{ health: { current: 10, max: 10 } }`. The data itself is validated by the operation.
 */
export function parseComponentFlags(values: readonly string[] | undefined): Record<string, unknown> | undefined {
  if (!values || values.length === 0) return undefined;
  // A Map, so that a type named __proto__ stays a key (and is refused as unknown by the operation).
  const out = new Map<string, unknown>();
  for (const text of values) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new RaosError('INVALID_INPUT', `--component: '${text}' is not valid JSON (${(err as Error).message})`, {
        hint: `Give each component as a JSON object with its type, for example ${COMPONENT_EXAMPLE}`,
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof (parsed as { type?: unknown }).type !== 'string') {
      throw new RaosError('INVALID_INPUT', `--component: '${text}' must be a JSON object with a "type" field`, {
        hint: `For example ${COMPONENT_EXAMPLE}; \`raos game component list\` shows the types.`,
      });
    }
    const { type, ...data } = parsed as { type: string } & Record<string, unknown>;
    if (out.has(type)) {
      throw new RaosError('INVALID_INPUT', `--component: the type '${type}' is given twice`, { hint: 'Give each component type once, with all its fields.' });
    }
    out.set(type, data);
  }
  return Object.fromEntries(out);
}

/** A flag whose value is JSON (`--metadata '{"biome":"desert"}'`). */
export function parseJsonFlag(text: string | undefined, flag: string, example: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RaosError('INVALID_INPUT', `${flag}: not valid JSON (${(err as Error).message})`, { hint: `For example ${flag} '${example}'` });
  }
}

/** All of standard input as text (for `-` arguments); refuses a terminal rather than wait. */
export async function readStdinText(what: string, example: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw new RaosError('INVALID_INPUT', `${what}: "-" reads standard input, but standard input is a terminal`, { hint: `Pipe it in: ${example}` });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON file (or `-` for standard input), parsed. */
export async function readJsonFile(file: string, example: string): Promise<unknown> {
  let text: string;
  if (file === '-') text = await readStdinText('FILE', example);
  else {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new RaosError('NOT_FOUND', `no file '${file}'`, { hint: 'Give the path of a file written by `raos game scene export`.' });
      throw new RaosError('INVALID_INPUT', `${file}: cannot be read (${(err as Error).message})`, { cause: err });
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RaosError('INVALID_INPUT', `${file === '-' ? 'standard input' : file}: not valid JSON (${(err as Error).message})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

/** A number as people read it: at most 4 decimals, never -0. */
export function num(n: number): string {
  const r = Math.round(n * 1e4) / 1e4;
  return String(Number.isFinite(r) ? r + 0 : n);
}

/** `1 entity`, `3 entities`. */
export function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function vec(v: readonly number[]): string {
  return `(${v.map(num).join(', ')})`;
}

function transformLine(t: Pick<Transform, 'position' | 'rotation' | 'scale'>): string {
  return `position ${vec(t.position)}  rotation ${vec(t.rotation)}  scale ${vec(t.scale)}`;
}

const componentTypes = (c: Record<string, unknown>) => Object.keys(c).join(', ');

export function sceneTable(scenes: SceneView[]): string {
  if (scenes.length === 0) return '(no scenes)';
  return table(
    scenes.map((s) => ({ id: s.id, name: s.name, owner: s.owner.name, entities: String(s.entityCount), description: s.description })),
    [
      { key: 'id', label: 'id' },
      { key: 'name', label: 'name', max: 40 },
      { key: 'owner', label: 'owner' },
      { key: 'entities', label: 'entities' },
      { key: 'description', label: 'description', max: 60 },
    ],
  );
}

export function sceneDetails(s: SceneView & { rooms?: ChatRoomView[] }): string {
  const lines = [
    `name:         ${s.name}`,
    `id:           ${s.id}`,
    `description:  ${s.description || '(none)'}`,
    `owner:        ${s.owner.name}`,
    `entities:     ${s.entityCount}`,
    `metadata:     ${Object.keys(s.metadata).length === 0 ? '(none)' : JSON.stringify(s.metadata)}`,
    `created:      ${s.createdAt}`,
    `updated:      ${s.updatedAt}`,
  ];
  if (s.rooms) {
    lines.push(`chat rooms:   ${s.rooms.length === 0 ? '(none)' : ''}`.trimEnd());
    for (const r of s.rooms) lines.push(`  ${r.name} (${r.kind}, ${r.id})`);
  }
  return lines.join('\n');
}

type ListedEntity = EntityView & { world: Transform; depth: number };

export function entityTable(entities: ListedEntity[]): string {
  if (entities.length === 0) return '(no entities)';
  return table(
    entities.map((e) => ({ id: e.id, name: e.name, parent: e.parent ?? '', world: vec(e.world.position), components: componentTypes(e.components) })),
    [
      { key: 'id', label: 'id' },
      { key: 'name', label: 'name', max: 40 },
      { key: 'parent', label: 'parent' },
      { key: 'world', label: 'world position', max: 40 },
      { key: 'components', label: 'components', max: 60 },
    ],
  );
}

/** One line per entity, indented two spaces per level under its parent (the list comes parents first). */
export function entityTree(entities: ListedEntity[]): string {
  if (entities.length === 0) return '(no entities)';
  return entities
    .map((e) => {
      const types = componentTypes(e.components);
      return `${'  '.repeat(e.depth)}${e.name} (${e.id})  local ${vec(e.position)}  world ${vec(e.world.position)}${types ? `  [${types}]` : ''}`;
    })
    .join('\n');
}

export function entityDetails(e: EntityView & { world: Transform; children?: string[] }): string {
  const lines = [
    `name:        ${e.name}`,
    `id:          ${e.id}`,
    `scene:       ${e.sceneId}`,
    `parent:      ${e.parent ?? '(none: at the root)'}`,
    `local:       ${transformLine(e)}`,
    `world:       ${transformLine(e.world)}`,
  ];
  const components = Object.entries(e.components);
  if (components.length === 0) lines.push('components:  (none)');
  else components.forEach(([type, data], i) => lines.push(`${i === 0 ? 'components:  ' : '             '}${type} ${JSON.stringify(data)}`));
  if (e.children) lines.push(`children:    ${e.children.length === 0 ? '(none)' : e.children.join(', ')}`);
  lines.push(`version:     ${e.version}`, `updated:     ${e.updatedAt}`);
  return lines.join('\n');
}

export function roomTable(rooms: ChatRoomView[]): string {
  if (rooms.length === 0) return '(no chat rooms)';
  return table(
    rooms.map((r) => ({ id: r.id, name: r.name, kind: r.kind, created: r.createdAt })),
    [
      { key: 'id', label: 'id' },
      { key: 'name', label: 'name', max: 40 },
      { key: 'kind', label: 'kind' },
      { key: 'created', label: 'created' },
    ],
  );
}

/** `[2025-01-15 10:30:00] alice: text`, oldest first; later lines of a message are indented. */
export function chatLines(messages: ChatMessageView[]): string {
  if (messages.length === 0) return '(no messages)';
  return messages.map((m) => `[${m.at.slice(0, 19).replace('T', ' ')}] ${m.author.name}: ${m.text.replace(/\n/g, '\n    ')}`).join('\n');
}
