/**
 * Inputs of the Game Engine's operations. The same schemas validate every door (CLI, tRPC, REST, /ws).
 */
import * as z from 'zod';

const finite = z.number().finite('must be a finite number');
export const vec3Schema = z.tuple([finite, finite, finite]);
const scale = z.tuple([finite, finite, finite]).refine((v) => v.every((n) => n !== 0), 'a scale of 0 would flatten the entity');

/** A scene by id (`s_…`) or by name (case-insensitive). */
export const sceneRef = z.string().min(1).max(100);
export const entityId = z.string().regex(/^e_[0-9a-z]{12}$/, 'must be an entity id like e_0123456789ab');
/** A chat room by id (`r_…`) or as `SCENE/ROOM`. */
export const roomRef = z.string().min(1).max(201);
const sceneName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((s) => !/[\p{Cc}/]/u.test(s), 'must not contain control characters or /');
const entityName = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').refine((s) => !/\p{Cc}/u.test(s), 'must not contain control characters');
const description = z.string().max(1000, 'must be at most 1000 characters');
const metadata = z.record(z.string().max(64), z.json()).refine((m) => JSON.stringify(m).length <= 16_384, 'must be at most 16 KiB as JSON');
/** Components as a map from type to data: `{ "health": { "current": 10, "max": 10 } }`. */
export const componentsSchema = z
  .record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a component type is 1-32 characters of a-z, 0-9 and -'), z.unknown())
  .refine((c) => Object.keys(c).length <= 32, 'at most 32 components');

export const sceneCreateInput = z.object({ name: sceneName, description: description.default(''), metadata: metadata.default({}) }).strict();
export const sceneRefInput = z.object({ scene: sceneRef }).strict();
export const sceneListInput = z.object({ owner: z.string().min(1).max(64).optional() }).strict();
export const sceneUpdateInput = z
  .object({ scene: sceneRef, name: sceneName.optional(), description: description.optional(), metadata: metadata.optional() })
  .strict()
  .refine((v) => v.name !== undefined || v.description !== undefined || v.metadata !== undefined, 'give at least one of name, description, metadata');

export const entityCreateInput = z
  .object({
    scene: sceneRef,
    name: entityName,
    parent: entityId.nullable().default(null),
    position: vec3Schema.default([0, 0, 0]),
    rotation: vec3Schema.default([0, 0, 0]),
    scale: scale.default([1, 1, 1]),
    components: componentsSchema.default({}),
  })
  .strict();
export const entityListInput = z.object({ scene: sceneRef }).strict();
export const entityRefInput = z.object({ id: entityId }).strict();
export const entityUpdateInput = z
  .object({
    id: entityId,
    name: entityName.optional(),
    position: vec3Schema.optional(),
    rotation: vec3Schema.optional(),
    scale: scale.optional(),
    /** Added or replaced, by type. */
    components: componentsSchema.optional(),
    /** Removed, by type. */
    removeComponents: z.array(z.string().min(1).max(32)).max(32).optional(),
    /** The version the caller last saw; a different current version is CONFLICT. */
    ifVersion: z.number().int().min(1).optional(),
  })
  .strict()
  .refine(
    (v) => [v.name, v.position, v.rotation, v.scale, v.components, v.removeComponents].some((x) => x !== undefined),
    'give at least one of name, position, rotation, scale, components, removeComponents',
  )
  .refine((v) => !(v.removeComponents ?? []).some((t) => v.components && t in v.components), {
    message: 'a component type cannot be both set and removed',
    path: ['removeComponents'],
  });
export const entityMoveInput = z
  .object({
    id: entityId,
    /** A new parent, or null for the scene's root level; absent keeps the parent. */
    parent: entityId.nullable().optional(),
    position: vec3Schema.optional(),
    rotation: vec3Schema.optional(),
  })
  .strict()
  .refine((v) => v.parent !== undefined || v.position !== undefined || v.rotation !== undefined, 'give a parent (or null for the root), a position or a rotation');

export const liveMoveInput = z
  .object({ id: entityId, position: vec3Schema.optional(), rotation: vec3Schema.optional(), sceneId: z.string().min(1).max(100).optional() })
  .strict()
  .refine((v) => v.position !== undefined || v.rotation !== undefined, 'give a position, a rotation or both');

/** A scene's portable JSON: `scene export` writes it, `scene import` reads it. */
export const sceneExportSchema = z
  .object({
    format: z.literal('raos-scene/1'),
    scene: z.object({ name: sceneName, description: description.default(''), metadata: metadata.default({}) }).strict(),
    entities: z
      .array(
        z
          .object({
            id: z.string().min(1).max(64),
            parent: z.string().min(1).max(64).nullable(),
            name: entityName,
            position: vec3Schema,
            rotation: vec3Schema,
            scale,
            components: componentsSchema.default({}),
          })
          .strict(),
      )
      .max(100_000),
    chatRooms: z
      .array(z.object({ name: entityName, kind: z.enum(['party', 'guild', 'zone']) }).strict())
      .max(1000)
      .default([]),
  })
  .strict();
export type SceneExport = z.output<typeof sceneExportSchema>;
export const sceneImportInput = z.object({ data: z.unknown(), name: sceneName.optional() }).strict();

export const CHAT_KINDS = ['party', 'guild', 'zone'] as const;
export const MAX_CHAT_TEXT = 500;
export const CHAT_HISTORY = 200;
export const chatCreateInput = z.object({ scene: sceneRef, name: entityName, kind: z.enum(CHAT_KINDS).default('zone') }).strict();
export const chatListInput = z.object({ scene: sceneRef }).strict();
export const chatSendInput = z
  .object({
    room: roomRef,
    text: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(MAX_CHAT_TEXT, `must be at most ${MAX_CHAT_TEXT} characters`)
      .refine((s) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(s), 'must be text: no control characters other than newline and tab'),
  })
  .strict();
export const chatHistoryInput = z.object({ room: roomRef, limit: z.number().int().min(1).max(CHAT_HISTORY).default(50) }).strict();

export const generateInput = z
  .object({
    prompt: z.string().trim().min(3, 'must describe a world').max(1000, 'must be at most 1000 characters'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    provider: z.enum(['rules', 'openai']).optional(),
    dryRun: z.boolean().default(false),
    /** Name of the scene to create; default: the plan's. */
    name: sceneName.optional(),
  })
  .strict();

export interface SceneView {
  id: string;
  name: string;
  description: string;
  owner: { id: string; name: string };
  metadata: Record<string, unknown>;
  entityCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface EntityView {
  id: string;
  sceneId: string;
  parent: string | null;
  name: string;
  position: [number, number, number];
  rotation: [number, number, number];
  scale: [number, number, number];
  components: Record<string, unknown>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ChatRoomView {
  id: string;
  sceneId: string;
  name: string;
  kind: (typeof CHAT_KINDS)[number];
  createdAt: string;
}

export interface ChatMessageView {
  room: string;
  seq: number;
  author: { id: string; name: string };
  text: string;
  at: string;
}
