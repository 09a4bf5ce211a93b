// SenseID "Photo and Video Encryption" (contract: README.md beside this file): AES-256-GCM over the raw file bytes,
// output = ciphertext ‖ 16-byte tag, no AAD. Key (32 chars) and IV (12 chars) are ASCII strings
// used as their bytes, not hex-decoded. The IV is static by the vendor's contract: reusing it
// under one key is a known GCM weakness the server imposes, not something a client can fix.
import { createCipheriv, createDecipheriv } from 'node:crypto';

export const SENSEID_KEY_CHARS = 32;
export const SENSEID_IV_CHARS = 12;
export const SENSEID_TAG_BYTES = 16;

// Printable ASCII only: any other character would not be one byte, and the server reads chars as bytes.
export const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Throws a RangeError naming the rule (never the value) when the key or IV has the wrong shape. */
export function assertSenseIdKeyAndIv(key: string, iv: string): void {
  keyBytes(key, iv);
}

function keyBytes(key: string, iv: string): { key: Buffer; iv: Buffer } {
  if (key.length !== SENSEID_KEY_CHARS || !PRINTABLE_ASCII.test(key)) {
    throw new RangeError(`the SenseID AES key must be ${SENSEID_KEY_CHARS} ASCII characters`);
  }
  if (iv.length !== SENSEID_IV_CHARS || !PRINTABLE_ASCII.test(iv)) {
    throw new RangeError(`the SenseID AES IV must be ${SENSEID_IV_CHARS} ASCII characters`);
  }
  return { key: Buffer.from(key, 'latin1'), iv: Buffer.from(iv, 'latin1') };
}

/** ciphertext ‖ tag, as the server expects before Base64. */
export function senseIdEncrypt(plain: Uint8Array, key: string, iv: string): Buffer {
  const bytes = keyBytes(key, iv);
  const cipher = createCipheriv('aes-256-gcm', bytes.key, bytes.iv, { authTagLength: SENSEID_TAG_BYTES });
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** The server side: throws when the tag does not verify (another key or IV, or altered bytes). */
export function senseIdDecrypt(sealed: Uint8Array, key: string, iv: string): Buffer {
  const bytes = keyBytes(key, iv);
  if (sealed.byteLength < SENSEID_TAG_BYTES) throw new RangeError('shorter than the GCM tag');
  const body = sealed.subarray(0, sealed.byteLength - SENSEID_TAG_BYTES);
  const tag = sealed.subarray(sealed.byteLength - SENSEID_TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', bytes.key, bytes.iv, { authTagLength: SENSEID_TAG_BYTES });
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}
