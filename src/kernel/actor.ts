/**
 * Who performs an operation. Operations take the actor explicitly (STYLE §3). The local operator on
 * the CLI without a daemon is the workspace owner, and says so: `ownerActor()` is the only place that
 * makes one. Users and tokens become actors in the auth module; a request without a token is the
 * anonymous actor, which may call only public operations (logging in).
 */
import { userInfo } from 'node:os';
import { BUILTIN_ROLE_TABLE, type Grants } from './access.js';

export type Origin = 'cli' | 'trpc' | 'rest' | 'ws' | 'internal';

export interface Actor {
  /** owner: the workspace owner (SuperAdmin); user: a logged-in user; token: an API token; anonymous: no credentials. */
  kind: 'owner' | 'user' | 'token' | 'anonymous';
  /** The user's id (or `owner`, or `anonymous`). */
  id: string;
  name: string;
  role: string;
  /** What the role (narrowed by the token's role, if any) permits; resolved when the actor was made. */
  grants: Grants;
  origin: Origin;
  ip?: string;
  /** The token that authenticated this actor, for logout and the audit trail (never the secret). */
  tokenId?: string;
  /** Set when the owner acts as this user with `--as`. */
  actingOwner?: boolean;
  /** When the token that made this actor expires (epoch ms); caches must not outlive it. */
  expiresAt?: number;
}

let ownerName: string | undefined;
const SUPERADMIN = BUILTIN_ROLE_TABLE.get('SuperAdmin')!;
const OWNER_GRANTS: Grants = { all: true, permissions: SUPERADMIN.permissions };
const NO_GRANTS: Grants = { all: false, permissions: new Set() };

export function ownerActor(origin: Origin = 'cli'): Actor {
  if (ownerName === undefined) {
    // Read once: os.userInfo() reads the passwd database on every call.
    ownerName = 'owner';
    try {
      ownerName = userInfo().username || ownerName;
    } catch {
      /* no passwd entry (containers): keep the generic name */
    }
  }
  return { kind: 'owner', id: 'owner', name: ownerName, role: 'SuperAdmin', grants: OWNER_GRANTS, origin };
}

/** A request that presented no token: it may only call public operations. */
export function anonymousActor(origin: Origin, ip?: string): Actor {
  return { kind: 'anonymous', id: 'anonymous', name: 'anonymous', role: 'none', grants: NO_GRANTS, origin, ...(ip ? { ip } : {}) };
}

/** The actor's facts for output (`whoami`, `/ws` ready): no grants object, no secrets. */
export function describeActor(actor: Actor): { kind: Actor['kind']; id: string; name: string; role: string } {
  return { kind: actor.kind, id: actor.id, name: actor.name, role: actor.role };
}
