import { randomBytes } from 'node:crypto';

// Lowercase, no look-alikes (i, l, o, u): ids read aloud or typed from a terminal survive.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A random id `<prefix>-<10 chars>` (50 bits), e.g. `recommender-7f3kq2m9xa`.
 * @example newId('recommender')
 */
export function newId(prefix: string): string {
  const bytes = randomBytes(10);
  let s = '';
  for (const b of bytes) s += ALPHABET[b & 31];
  return `${prefix}-${s}`;
}
