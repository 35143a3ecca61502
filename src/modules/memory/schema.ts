/**
 * Inputs of the Memory module's operations. The same schemas validate the CLI, tRPC, REST and
 * WebSocket doors, so every door refuses the same inputs with the same messages.
 */
import * as z from 'zod';

export const DEFAULT_NAMESPACE = 'default';
/** The longest expiry a key may have: ten years. */
export const MAX_TTL_MS = 10 * 365 * 24 * 3600 * 1000;
export const GLOBAL_SCOPE = 'global';

/** Keys: printable, no whitespace, no glob characters (`* ? [ ]` are for --pattern). Length is checked against config. */
export const keySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .regex(/^[^\s*?[\]\p{Cc}]+$/u, 'must not contain whitespace, control characters or the glob characters * ? [ ]');

export const namespaceSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be 1-64 characters of a-z, 0-9, _ . - starting with a letter or digit');

export const scopeSchema = z
  .string()
  .regex(
    /^(global|user:[A-Za-z0-9_.@-]{1,128}|session:[A-Za-z0-9_.-]{1,128})$/,
    "must be 'global', 'user:<id>' or 'session:<id>'",
  );

const address = {
  key: keySchema,
  namespace: namespaceSchema.default(DEFAULT_NAMESPACE),
  scope: scopeSchema.default(GLOBAL_SCOPE),
};

export const getInput = z.object(address).strict();
export const deleteInput = z.object({ ...address, force: z.boolean().default(false) }).strict();
export const setInput = z
  .object({
    ...address,
    /** Any JSON value. */
    value: z.json(),
    /** Expire after this many milliseconds. */
    ttlMs: z.number().int().positive().max(MAX_TTL_MS, 'must be at most 10 years').optional(),
    /** Refuse with CONFLICT when the key exists (and has not expired). */
    ifAbsent: z.boolean().default(false),
  })
  .strict();

export const listInput = z
  .object({
    namespace: namespaceSchema.optional(),
    scope: scopeSchema.optional(),
    prefix: z.string().max(1024).optional(),
    /** Glob over keys: `*` any run, `?` one character, `[abc]` a set. */
    pattern: z.string().min(1).max(1024).optional(),
    limit: z.number().int().min(1).max(10_000).default(1000),
  })
  .strict()
  .refine((v) => !(v.prefix !== undefined && v.pattern !== undefined), {
    message: 'give --prefix or --pattern, not both',
    path: ['pattern'],
  });

export type GetInput = z.input<typeof getInput>;
export type SetInput = z.input<typeof setInput>;
export type ListInput = z.input<typeof listInput>;
export type DeleteInput = z.input<typeof deleteInput>;

export interface MemoryEntry {
  key: string;
  namespace: string;
  scope: string;
  value: unknown;
  createdAt: string;
  updatedAt: string;
  /** ISO time the entry stops existing, or null for never. */
  expiresAt: string | null;
}
