import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Confidential documents at rest (issue 8: ticket sets, assignment seeds, the code → student
 * mapping): AES-256-GCM with a 256-bit key from configuration (DOCUMENT_KEY). A sealed value is
 * nonce (12 bytes) | tag (16 bytes) | ciphertext; `context` (e.g. `ticket-set/<exam>/<day>`) is
 * bound as additional data, so a sealed value moved to another row does not open.
 */
export interface DocumentKey {
  /** A short fingerprint stored beside each sealed value (which key sealed it). */
  id: string;
  key: Buffer;
}

export function documentKey(base64: string): DocumentKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error('DOCUMENT_KEY must be 32 bytes, base64-encoded');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

export function seal(key: DocumentKey, plaintext: Buffer | string, context: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

/** Opens a sealed value; throws when the key, the context or a byte of it is wrong. */
export function unseal(key: DocumentKey, sealed: Buffer, context: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}
