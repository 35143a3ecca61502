/**
 * The daemon's owner token. The daemon makes a fresh random token at start, writes it to a file only
 * the owner can read (mode 0600), and accepts requests that present it. Compared in constant time on
 * hashes, so neither the comparison nor the length leaks anything.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ownerActor, type Actor, type Origin } from '../kernel/actor.js';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export interface TokenVerifier {
  /** The actor a token stands for, or null when it is missing or wrong. */
  verify(token: string | undefined | null, origin: Origin): Actor | null;
}

export function ownerTokenVerifier(ownerToken: string): TokenVerifier {
  const expected = digest(ownerToken);
  return {
    verify(token, origin) {
      if (!token) return null;
      return timingSafeEqual(digest(token), expected) ? ownerActor(origin) : null;
    },
  };
}

/** The token a request carries: `Authorization: Bearer <token>`, else `?token=`. */
export function requestToken(req: IncomingMessage, url?: URL): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match) return match[1];
  }
  const query = (url ?? new URL(req.url ?? '/', 'http://localhost')).searchParams.get('token');
  return query ?? undefined;
}
