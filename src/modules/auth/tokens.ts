/**
 * Bearer tokens: `raos_<id>_<secret>`. The id (16 lowercase hex characters) finds the row; the
 * secret (32 random bytes, base64url, 43 characters) proves possession. Only the id and the secret's
 * SHA-256 are stored, so a copy of the database grants nothing. A plain hash suffices here (unlike
 * passwords): the secret has 256 bits of entropy, so there is nothing to brute-force.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'raos_';
const ID_CHARS = 16;
const SECRET_BYTES = 32;
/** base64url of 32 bytes, without padding. */
const SECRET_CHARS = 43;
/** `raos_` + id + `_` + secret. */
export const TOKEN_LENGTH = TOKEN_PREFIX.length + ID_CHARS + 1 + SECRET_CHARS;

const ID_RE = /^[0-9a-f]{16}$/;
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;

export interface ParsedToken {
  id: string;
  secret: string;
}

export interface NewToken extends ParsedToken {
  /** The whole token, shown to its owner once. */
  token: string;
  /** SHA-256 of the secret, hex: what is stored. */
  secretHash: string;
}

/** A fresh random token id: 16 lowercase hex characters. */
export function newTokenId(): string {
  return randomBytes(ID_CHARS / 2).toString('hex');
}

/** Makes a new token: id, secret, the text to hand out, and the hash to store. */
export function generateToken(): NewToken {
  const id = newTokenId();
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, secret, token: `${TOKEN_PREFIX}${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a token into id and secret, or null when it is not a well-formed raos token. */
export function parseToken(text: string): ParsedToken | null {
  if (typeof text !== 'string' || text.length !== TOKEN_LENGTH || !text.startsWith(TOKEN_PREFIX)) return null;
  const sep = TOKEN_PREFIX.length + ID_CHARS;
  if (text.charCodeAt(sep) !== 95 /* _ */) return null;
  const id = text.slice(TOKEN_PREFIX.length, sep);
  const secret = text.slice(sep + 1);
  if (!ID_RE.test(id) || !SECRET_RE.test(secret)) return null;
  return { id, secret };
}

/** SHA-256 of a token secret, as lowercase hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** True when `secret` hashes to `storedHashHex`; compared in constant time. */
export function secretMatches(secret: string, storedHashHex: string): boolean {
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  const expected = Buffer.from(storedHashHex, 'hex');
  // A malformed stored hash decodes to another length; timingSafeEqual needs equal lengths.
  if (expected.length !== actual.length) return false;
  return timingSafeEqual(actual, expected);
}
