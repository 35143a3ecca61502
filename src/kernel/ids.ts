import { randomBytes } from 'node:crypto';

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A record id: `<prefix>_` and 12 random characters of a-z and 0-9 (`s_0123456789ab`). */
export function newId(prefix: string): string {
  const bytes = randomBytes(12);
  let out = `${prefix}_`;
  for (const b of bytes) out += ID_ALPHABET[b % 36];
  return out;
}
