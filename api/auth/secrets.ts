import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets of sign-in and email links. A token is 256 random bits, base64url, with a prefix that
 * says what it is (so a leaked one is recognisable and secret scanners can match it); only its
 * SHA-256 is stored.
 */
export type TokenKind = 'access' | 'refresh' | 'apiKey';
const PREFIX: Record<TokenKind, string> = {
  access: 'emt_at_',
  refresh: 'emt_rt_',
  apiKey: 'emt_key_',
};

export function newToken(kind: TokenKind): string {
  return PREFIX[kind] + randomBytes(32).toString('base64url');
}

export function tokenKind(token: string): TokenKind | undefined {
  return (Object.keys(PREFIX) as TokenKind[]).find((k) => token.startsWith(PREFIX[k]));
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * An email link's token: HMAC-SHA256 of its id under LINK_SECRET (256 bits). The sender derives it
 * at send time, so neither the outbox nor the link table ever holds it — only its SHA-256 — and a
 * retried send puts the same link in the same email.
 */
export function linkToken(secret: string, linkId: string): string {
  return createHmac('sha256', secret).update(`email-link/${linkId}`).digest('base64url');
}

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
