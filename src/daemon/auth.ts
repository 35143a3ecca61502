/**
 * Who is calling the daemon. The daemon makes a fresh random owner token at start and writes it to a
 * file only the owner can read (mode 0600); users present session or API tokens that the auth module
 * verifies (hashed, constant-time, with expiry and revocation). A request without a token is the
 * anonymous actor, which the operation guard lets call public operations only (logging in).
 *
 * A keep-alive connection presents the same token on every request, so the verified actor is cached
 * per connection, and dropped when the token expires or the auth module reports a change (a revoked
 * token, a disabled user, a new role) by bumping its generation.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { anonymousActor, ownerActor, type Actor, type Origin } from '../kernel/actor.js';
import { RaosError } from '../kernel/errors.js';
import { parseRequestUrl, type RequestUrl } from './url.js';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export interface TokenVerifier {
  /** The actor a token stands for, or null when it is missing or wrong. */
  verify(token: string | undefined | null, origin: Origin): Actor | null | Promise<Actor | null>;
}

export function ownerTokenVerifier(ownerToken: string): TokenVerifier & { verify(token: string | undefined | null, origin: Origin): Actor | null } {
  const expected = digest(ownerToken);
  return {
    verify(token, origin) {
      if (!token) return null;
      return timingSafeEqual(digest(token), expected) ? ownerActor(origin) : null;
    },
  };
}

/** What the daemon needs of the auth module. */
export interface UserTokens {
  verifyToken(token: string, origin: Origin): Promise<Actor | null>;
  /** The owner acting as a user (`--as NAME`). */
  actorFor(name: string, origin: Origin): Promise<Actor>;
  readonly generation: number;
}

/** The token a request carries: `Authorization: Bearer <token>`, else `?token=`. */
export function requestToken(req: IncomingMessage, url?: RequestUrl): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match) return match[1];
  }
  const query = (url ?? parseRequestUrl(req.url)).searchParams.get('token');
  return query ?? undefined;
}

export interface Doorman extends TokenVerifier {
  /**
   * The actor of an HTTP request: from its token (cached per connection), the anonymous actor when
   * it has none, or a RaosError UNAUTHORIZED when the token is wrong, expired or revoked. The owner
   * may act as another user with the `x-raos-as` header; `x-raos-origin: cli` marks calls of the CLI.
   */
  request(req: IncomingMessage, origin: Origin, url?: RequestUrl): Actor | Promise<Actor>;
}

interface Cached {
  token: string;
  as: string | undefined;
  origin: Origin;
  /** The actor as requests on this connection get it: origin and IP included. Shared, never changed. */
  actor: Actor;
  generation: number;
}

export function createDoorman(options: { ownerToken: string; users: () => Promise<UserTokens | undefined> }): Doorman {
  const owner = ownerTokenVerifier(options.ownerToken);
  const perConnection = new WeakMap<object, Cached>();
  // The auth module, once it is up (looked up again while it is not).
  let resolved: UserTokens | undefined;
  const usersNow = async () => (resolved ??= await options.users());

  const verify = async (token: string | undefined | null, origin: Origin): Promise<Actor | null> => {
    if (!token) return null;
    const actor = owner.verify(token, origin);
    if (actor) return actor;
    const users = resolved ?? (await usersNow());
    return users ? users.verifyToken(token, origin) : null;
  };

  const unauthorized = () =>
    new RaosError('UNAUTHORIZED', 'a valid token is required', {
      hint: 'Send Authorization: Bearer <token>: the owner token is in the file `raos daemon status` names; users get one from `raos auth login`.',
    });

  return {
    verify,
    request(req, origin, url) {
      if (req.headers['x-raos-origin'] === 'cli') origin = 'cli';
      const token = requestToken(req, url);
      if (!token) return anonymousActor(origin, req.socket.remoteAddress);
      const as = req.headers['x-raos-as'] as string | undefined;
      // The keep-alive fast path: the same token on the same connection, nothing changed since.
      const seen = perConnection.get(req.socket);
      if (
        seen !== undefined &&
        resolved !== undefined &&
        seen.token === token &&
        seen.as === as &&
        seen.origin === origin &&
        seen.generation === resolved.generation &&
        (seen.actor.expiresAt === undefined || seen.actor.expiresAt > Date.now())
      ) {
        return seen.actor;
      }
      return verifyRequest(req, origin, token, as);
    },
  };

  async function verifyRequest(req: IncomingMessage, origin: Origin, token: string, as: string | undefined): Promise<Actor> {
    const users = resolved ?? (await usersNow());
    const generation = users?.generation ?? 0;
    let actor = await verify(token, origin);
    if (!actor) throw unauthorized();
    if (as !== undefined) {
      if (actor.kind !== 'owner') {
        throw new RaosError('FORBIDDEN', `only the workspace owner may act as another user (x-raos-as: ${as})`);
      }
      if (!users) throw new RaosError('UNAVAILABLE', 'the auth module is not available');
      actor = await users.actorFor(as, origin);
    }
    const ip = req.socket.remoteAddress;
    const final: Actor = ip ? { ...actor, origin, ip } : { ...actor, origin };
    perConnection.set(req.socket, { token, as, origin, actor: final, generation });
    return final;
  }
}
