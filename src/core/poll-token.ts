// Per-check poll tokens: 256 random bits given to the client once; only a SHA-256 hash is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newPollToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashPollToken(token) };
}

export function hashPollToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented token with the stored hash (both hashed to 32 bytes first). */
export function pollTokenMatches(presented: string, storedHash: string): boolean {
  const presentedHash = Buffer.from(hashPollToken(presented), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  if (stored.length !== presentedHash.length) return false;
  return timingSafeEqual(presentedHash, stored);
}
