/**
 * Inputs and outputs of the Auth module's operations. The same schemas validate the CLI, tRPC, REST
 * and WebSocket doors, so every door refuses the same inputs with the same messages.
 */
import * as z from 'zod';
import type { Origin } from '../../kernel/actor.js';

/** User names: stored lower-case, looked up case-insensitively. */
export const userNameSchema = z
  .string()
  .trim()
  .max(32, 'must be at most 32 characters')
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_.-]{1,31}$/, 'must be 2-32 characters of a-z, 0-9, _ . - starting with a letter or digit');

export const emailSchema = z.email('must be an email address').max(254, 'must be at most 254 characters');

export const passwordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(1024, 'must be at most 1024 characters');

/** A role by name (case-insensitive); whether it exists is checked against the role table. */
export const roleRefSchema = z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

export const roleNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{1,31}$/, 'must be 2-32 characters of A-Z, a-z, 0-9, _ - starting with a letter');

export const tokenNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9 _.-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, space, _ . -');

export const tokenIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'must be a token id: 16 characters of 0-9, a-f');

/** A duration such as `30d` or `12h`; parsed by the service (parseDuration names the field). */
export const durationSchema = z.string().min(1, 'must not be empty').max(32, 'must be at most 32 characters');

export const createUserInput = z
  .object({
    name: userNameSchema,
    role: roleRefSchema,
    email: emailSchema.optional(),
    /** Without one the user can only use API tokens. */
    password: passwordSchema.optional(),
  })
  .strict();

export const listUsersInput = z
  .object({
    role: roleRefSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .strict();

export const userRefInput = z.object({ name: userNameSchema }).strict();

export const updateUserInput = z
  .object({
    name: userNameSchema,
    role: roleRefSchema.optional(),
    /** null clears the email. */
    email: emailSchema.nullable().optional(),
    password: passwordSchema.optional(),
  })
  .strict()
  .refine((v) => v.role !== undefined || v.email !== undefined || v.password !== undefined, {
    message: 'give at least one of role, email, password',
  });

export const disableUserInput = z
  .object({
    name: userNameSchema,
    reason: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional(),
  })
  .strict();

export const loginInput = z
  .object({
    /** Not checked against the name pattern: a malformed name fails like an unknown one. */
    name: z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters').toLowerCase(),
    /** Not checked against the password policy: a policy may tighten after a password was set. */
    password: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
  })
  .strict();

export const logoutInput = z
  .object({
    /** A whole token (`raos_<id>_<secret>`); default: the token the actor authenticated with. */
    token: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters').optional(),
  })
  .strict();

export const createTokenInput = z
  .object({
    name: tokenNameSchema,
    /** How long the token lives (`30d`, `12h`); default: until revoked. */
    expires: durationSchema.optional(),
    /** A role no higher than the owning user's; default: the user's own role. */
    role: roleRefSchema.optional(),
    /** Issue the token for this user (needs auth.token.manage). */
    user: userNameSchema.optional(),
  })
  .strict();

export const listTokensInput = z
  .object({
    /** Every user's tokens (needs auth.token.manage). */
    all: z.boolean().optional(),
  })
  .strict();

export const revokeTokenInput = z.object({ id: tokenIdSchema }).strict();

export const createRoleInput = z
  .object({
    name: roleNameSchema,
    inherits: roleRefSchema,
    grant: z.array(z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters')).max(200, 'must list at most 200 permissions'),
    description: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  })
  .strict();

export const roleRefInput = z.object({ name: roleRefSchema }).strict();

export type CreateUserInput = z.input<typeof createUserInput>;
export type ListUsersInput = z.input<typeof listUsersInput>;
export type UserRefInput = z.input<typeof userRefInput>;
export type GetUserInput = UserRefInput;
export type EnableUserInput = UserRefInput;
export type DeleteUserInput = UserRefInput;
export type UpdateUserInput = z.input<typeof updateUserInput>;
export type DisableUserInput = z.input<typeof disableUserInput>;
export type LoginInput = z.input<typeof loginInput>;
export type LogoutInput = z.input<typeof logoutInput>;
export type CreateTokenInput = z.input<typeof createTokenInput>;
export type ListTokensInput = z.input<typeof listTokensInput>;
export type RevokeTokenInput = z.input<typeof revokeTokenInput>;
export type CreateRoleInput = z.input<typeof createRoleInput>;
export type RoleRefInput = z.input<typeof roleRefInput>;
export type DeleteRoleInput = RoleRefInput;

/** A user as every operation returns it: never a password hash. */
export interface UserView {
  id: string;
  name: string;
  email: string | null;
  role: string;
  disabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
  /** While set and in the future, logins fail with RATE_LIMITED. */
  lockedUntil: string | null;
}

/** Where a login came from, for the log. */
export interface LoginContext {
  origin: Origin;
  ip?: string;
}

export interface LoginResult {
  /** The session token; shown once, never stored. */
  token: string;
  expiresAt: string;
  user: UserView;
}

export interface LogoutResult {
  revoked: string;
}

export interface CreatedToken {
  id: string;
  /** The whole token; shown once, never stored. */
  token: string;
  name: string;
  kind: 'api';
  /** The role the token acts with. */
  role: string;
  /** The owning user's name, or null for a token the workspace owner issued. */
  user: string | null;
  expiresAt: string | null;
}

export interface TokenView {
  id: string;
  name: string;
  kind: 'session' | 'api';
  user: string | null;
  /** The token's own role, or the user's current role when the token follows it. */
  role: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface RoleView {
  name: string;
  builtin: boolean;
  inherits: string | null;
  base: string;
  description: string;
  /** Every permission the role holds, inherited ones included, sorted. */
  permissions: string[];
}

export interface PermissionView {
  name: string;
  module: string;
  description: string;
  /** The lowest built-in role holding it. */
  role: string;
}
