/**
 * Access control: the platform's named permissions, the five built-in roles over them, custom roles,
 * and `assertCan(actor, permission)`, which every operation calls (STYLE §3) so that the CLI, tRPC,
 * REST and /ws doors cannot differ.
 *
 * An actor carries the permissions its role resolved to when it was made (per request or per
 * connection), so a check is one set lookup. The auth module supplies the custom roles; this file
 * knows no module's code, only the names of the permissions modules use.
 */
import { RaosError } from './errors.js';

export interface PermissionInfo {
  name: string;
  /** The module the permission belongs to (and whose rate limits its operations count against). */
  module: string;
  description: string;
  /** The lowest built-in role that holds it; every role above inherits it. */
  role: BuiltinRole;
}

/** The built-in roles, lowest first. Each inherits every permission of the roles below it. */
export const BUILTIN_ROLES = ['Guest', 'User', 'Moderator', 'Admin', 'SuperAdmin'] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<BuiltinRole, string> = {
  Guest: 'Read-only: public content and scenes, its own session',
  User: 'Basic features: memory, content drafts, forum posts, scenes, chat, transfers',
  Moderator: 'Content management: publishes and deletes content, moderates forum and chat, bans users',
  Admin: 'Most permissions: users, modules, databases, plugins, the audit trail',
  SuperAdmin: 'Every permission, including ones modules add later and custom roles',
};

const P = (name: string, role: BuiltinRole, description: string): PermissionInfo => ({
  name,
  module: name.startsWith('admin.') ? 'auth' : name.split('.')[0],
  description,
  role,
});

/**
 * Every permission of the platform, by module. Operations name one of these; a name not listed here
 * fails when the operation is defined, so a typo cannot become a permission nobody holds.
 */
export const PERMISSIONS: readonly PermissionInfo[] = [
  // Memory
  P('memory.read', 'Guest', 'Read global entries and entries of its own user: scope'),
  P('memory.write', 'User', 'Set and delete global entries and entries of its own user: scope'),
  P('memory.manage', 'Admin', "Read and write every user's entries"),
  // Kernel: modules, databases, events
  P('module.read', 'User', 'List modules and read their details'),
  P('module.call', 'User', 'Call commands of external modules'),
  P('module.reload', 'Admin', 'Reload external modules'),
  P('db.read', 'Admin', 'Read database status and run integrity checks'),
  P('db.maintain', 'Admin', 'Checkpoint databases and write backups'),
  P('events.subscribe', 'User', 'Receive live events of the topics it may read'),
  // Auth and audit
  P('auth.session', 'Guest', 'See who it is, log out, manage its own API tokens'),
  P('auth.role.read', 'User', 'List roles and permissions'),
  P('auth.user.read', 'Moderator', 'List and show users'),
  P('admin.user.ban', 'Moderator', 'Disable and re-enable users of a lower role'),
  P('auth.user.create', 'Admin', 'Create users with a role below its own'),
  P('auth.user.update', 'Admin', 'Change the role, email or password of users below its own role'),
  P('auth.user.delete', 'Admin', 'Delete users below its own role'),
  P('auth.token.manage', 'Admin', "List and revoke every user's tokens; issue tokens for other users"),
  P('auth.role.manage', 'SuperAdmin', 'Create and delete custom roles'),
  P('audit.read', 'Admin', 'Read the audit trail'),
  // CMS
  P('cms.content.read', 'Guest', 'Read published content'),
  P('cms.content.create', 'User', 'Create content drafts'),
  P('cms.content.update', 'User', 'Edit its own content'),
  P('cms.content.publish', 'Moderator', 'Publish, unpublish and schedule content'),
  P('cms.content.delete', 'Moderator', 'Delete content'),
  P('cms.forum.post', 'User', 'Start forum threads and reply'),
  P('cms.forum.moderate', 'Moderator', 'Lock and pin threads, manage categories'),
  P('cms.media.upload', 'User', 'Add media files'),
  P('cms.plugin.install', 'Admin', 'Install plugins'),
  P('cms.plugin.manage', 'Admin', 'Enable, disable and uninstall plugins'),
  P('cms.site.build', 'Admin', 'Build the static site'),
  // Game engine
  P('game.scene.read', 'Guest', 'See scenes and their entities, join them live'),
  P('game.scene.create', 'User', 'Create and import scenes'),
  P('game.scene.modify', 'User', 'Change and delete the scenes it owns'),
  P('game.scene.delete', 'Moderator', 'Change and delete any scene, not only its own'),
  P('game.entity.modify', 'User', 'Create, move, change and delete entities'),
  P('game.chat.send', 'User', 'Send in-game chat'),
  P('game.chat.moderate', 'Moderator', 'Make chat rooms in any scene and moderate them'),
  P('game.world.generate', 'User', 'Create worlds from a sentence'),
  // RaCoin
  P('racoin.balance.read', 'User', 'Read its own balance and history'),
  P('racoin.transfer', 'User', 'Transfer its own coins'),
  P('racoin.mint', 'Admin', 'Create and remove coins'),
  // Client builder and moderation
  P('client.build', 'User', 'Build web and desktop game clients'),
  P('moderation.review', 'Moderator', 'Review flagged content and act on it'),
];

const BY_NAME = new Map(PERMISSIONS.map((p) => [p.name, p]));

export function isPermission(name: string): boolean {
  return BY_NAME.has(name);
}

export function permissionInfo(name: string): PermissionInfo | undefined {
  return BY_NAME.get(name);
}

export function rankOf(role: BuiltinRole): number {
  return BUILTIN_ROLES.indexOf(role);
}

/** A custom role as the auth module stores it. */
export interface CustomRole {
  name: string;
  inherits: string;
  grants: string[];
  description?: string;
}

export interface ResolvedRole {
  name: string;
  builtin: boolean;
  /** The built-in role it stands at in the hierarchy (itself for built-ins). */
  base: BuiltinRole;
  rank: number;
  inherits: string | null;
  /** Every permission it holds, inherited ones included. */
  permissions: ReadonlySet<string>;
  /** SuperAdmin: holds every permission, including ones added later. */
  all: boolean;
  description: string;
}

/**
 * The roles in force: the built-in ones and the custom ones the auth module stores. A custom role
 * inherits a built-in or an earlier custom role and grants more permissions; it ranks with the
 * built-in role at the root of its chain (for "may only manage users below its own role").
 */
export class RoleTable {
  readonly #roles = new Map<string, ResolvedRole>();

  constructor(custom: readonly CustomRole[] = []) {
    let below = new Set<string>();
    BUILTIN_ROLES.forEach((name, rank) => {
      const own = PERMISSIONS.filter((p) => p.role === name).map((p) => p.name);
      below = new Set([...below, ...own]);
      this.#roles.set(name.toLowerCase(), {
        name,
        builtin: true,
        base: name,
        rank,
        inherits: rank === 0 ? null : BUILTIN_ROLES[rank - 1],
        permissions: name === 'SuperAdmin' ? new Set(PERMISSIONS.map((p) => p.name)) : below,
        all: name === 'SuperAdmin',
        description: ROLE_DESCRIPTIONS[name],
      });
    });
    for (const role of custom) {
      const parent = this.#roles.get(role.inherits.toLowerCase());
      // Stored roles were checked when made; a parent deleted since leaves the role without it.
      if (!parent) continue;
      this.#roles.set(role.name.toLowerCase(), {
        name: role.name,
        builtin: false,
        base: parent.base,
        rank: parent.rank,
        inherits: parent.name,
        permissions: new Set([...parent.permissions, ...role.grants.filter(isPermission)]),
        all: parent.all,
        description: role.description ?? `${parent.name} and ${role.grants.join(', ')}`,
      });
    }
  }

  /** The role by name (case-insensitive), or undefined. */
  get(name: string): ResolvedRole | undefined {
    return this.#roles.get(name.toLowerCase());
  }

  /** The role by name, or INVALID_INPUT naming the roles there are. */
  require(name: string, field = 'role'): ResolvedRole {
    const role = this.get(name);
    if (!role) {
      throw new RaosError('INVALID_INPUT', `${field}: no role named '${name}' (roles: ${this.list().map((r) => r.name).join(', ')})`, {
        hint: '`raos auth roles` lists the roles; `raos auth role create` makes a custom one.',
      });
    }
    return role;
  }

  list(): ResolvedRole[] {
    return [...this.#roles.values()];
  }
}

/** The role table of the built-in roles alone (the workspace owner and tests use it). */
export const BUILTIN_ROLE_TABLE = new RoleTable();

/** The permission set of an actor: its role's, or the intersection with a token's narrower role. */
export interface Grants {
  readonly all: boolean;
  readonly permissions: ReadonlySet<string>;
}

export function grantsOf(...roles: ResolvedRole[]): Grants {
  const all = roles.every((r) => r.all);
  if (all) return { all, permissions: roles[0].permissions };
  const limiting = roles.filter((r) => !r.all);
  const permissions = new Set([...limiting[0].permissions].filter((p) => limiting.every((r) => r.permissions.has(p))));
  return { all: false, permissions };
}

/** The smallest facts `assertCan` needs about an actor. */
export interface Subject {
  name: string;
  role: string;
  grants: Grants;
}

export function can(actor: Subject, permission: string): boolean {
  return actor.grants.all || actor.grants.permissions.has(permission);
}

/** Throws FORBIDDEN unless the actor holds `permission`. */
export function assertCan(actor: Subject, permission: string): void {
  if (can(actor, permission)) return;
  const info = BY_NAME.get(permission);
  throw new RaosError('FORBIDDEN', `${actor.name} (role ${actor.role}) lacks the permission '${permission}'`, {
    hint: info
      ? `'${permission}' (${info.description.toLowerCase()}) is held by ${info.role} and above; an admin can change the role with \`raos auth user update\` or grant it with a custom role.`
      : undefined,
    details: { permission },
  });
}
