/**
 * Password hashing: PBKDF2-HMAC-SHA256 with a random 16-byte salt per hash, on libuv's thread pool
 * (node:crypto's async `pbkdf2`), so hashing never blocks the event loop.
 *
 * Stored form: `pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>`. The iteration count
 * travels with each hash, so raising it in config only makes new and rehashed passwords slower to
 * crack; `needsRehash` tells the login path when to upgrade one.
 */
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { invalidInput } from '../../kernel/errors.js';

const pbkdf2Async = promisify(pbkdf2);

/** OWASP's current recommendation for PBKDF2-HMAC-SHA256 (Password Storage Cheat Sheet). */
export const DEFAULT_ITERATIONS = 600_000;
/** Fewer than this is refused when hashing: too cheap to brute-force. */
export const MIN_ITERATIONS = 100_000;
/**
 * The most iterations a stored hash may claim. A hash claiming more is treated as malformed, so a
 * tampered row cannot make one login burn minutes of CPU.
 */
export const MAX_ITERATIONS = 10_000_000;

const SCHEME = 'pbkdf2-sha256';
const DIGEST = 'sha256';
const SALT_BYTES = 16;
const KEY_BYTES = 32;

interface ParsedHash {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

/** Same bytes for the same password however it was typed (composed or decomposed accents). */
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize('NFC'), 'utf8');
}

function checkIterations(iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw invalidInput(
      `passwordIterations: must be a whole number from ${MIN_ITERATIONS} to ${MAX_ITERATIONS} (got ${iterations})`,
      { hint: `OWASP recommends ${DEFAULT_ITERATIONS} for PBKDF2-HMAC-SHA256.` },
    );
  }
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 4 || parts[0] !== SCHEME || !/^[1-9]\d{0,8}$/.test(parts[1])) return null;
  const iterations = Number(parts[1]);
  if (iterations > MAX_ITERATIONS) return null;
  const salt = Buffer.from(parts[2], 'base64url');
  const hash = Buffer.from(parts[3], 'base64url');
  if (salt.length < SALT_BYTES || hash.length !== KEY_BYTES) return null;
  return { iterations, salt, hash };
}

/**
 * Hashes a password for storage. Default: 600,000 iterations.
 * Throws INVALID_INPUT for fewer than 100,000 iterations.
 */
export async function hashPassword(password: string, iterations: number = DEFAULT_ITERATIONS): Promise<string> {
  checkIterations(iterations);
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2Async(passwordBytes(password), salt, iterations, KEY_BYTES, DIGEST);
  return `${SCHEME}$${iterations}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** True when `password` matches `stored`; false for a wrong password or a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const hash = await pbkdf2Async(passwordBytes(password), parsed.salt, parsed.iterations, KEY_BYTES, DIGEST);
  return timingSafeEqual(hash, parsed.hash);
}

/** True when `stored` should be replaced: another scheme, malformed, or fewer iterations than `iterations`. */
export function needsRehash(stored: string, iterations: number): boolean {
  const parsed = parseHash(stored);
  return parsed === null || parsed.iterations < iterations;
}

const DUMMY_SALT = randomBytes(SALT_BYTES);

/**
 * Spends the time a `verifyPassword` against a hash of `iterations` would, and returns false. Login
 * runs it for unknown users and users without a password, so response times do not tell which user
 * names exist.
 */
export async function dummyVerify(password: string, iterations: number = DEFAULT_ITERATIONS): Promise<false> {
  const hash = await pbkdf2Async(passwordBytes(password), DUMMY_SALT, Math.min(Math.max(iterations, 1), MAX_ITERATIONS), KEY_BYTES, DIGEST);
  // Compare as verify does, so the work matches to the last step.
  timingSafeEqual(hash, hash);
  return false;
}
