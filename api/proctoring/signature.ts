import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The proctoring webhook's signature (README "Proctoring webhook"):
 * `X-Emtihan-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with
 * PROCTORING_WEBHOOK_SECRET. Several `v1=` are allowed (a secret being rotated); one must match.
 * The timestamp must be within ±5 minutes of the receiver's clock, so a captured request cannot be
 * replayed later; within the window the event id, stored once, refuses a replay.
 */
export const SIGNATURE_HEADER = 'x-emtihan-signature';
/** ±5 minutes. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface ParsedSignature {
  timestamp: number;
  signatures: string[];
}

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch'; detail: string };

/** `t=…,v1=…[,v1=…]` → its parts; undefined when it is not of that shape. */
export function parseSignature(header: string | undefined): ParsedSignature | undefined {
  if (header === undefined || header.length > 1024) return undefined;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (value === undefined || rest.length > 0) return undefined;
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return undefined;
      signatures.push(value.toLowerCase());
    }
    // Other schemes (v0, v2 …) are ignored: a sender may add one before receivers know it.
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/** The hex HMAC-SHA256 of `<t>.<raw body>`: what the sender puts after `v1=`. */
export function signPayload(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The header a sender writes (the tests and the README's example use it). */
export function signatureHeader(
  secret: string,
  rawBody: Buffer | string,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${signPayload(secret, timestamp, rawBody)}`;
}

/** Checks a request's signature header against its raw body at `now` (ms). */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer,
  secret: string,
  now: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (header === undefined || header.trim() === '')
    return {
      ok: false,
      reason: 'missing',
      detail: 'the X-Emtihan-Signature header is missing',
    };
  const parsed = parseSignature(header);
  if (parsed === undefined)
    return {
      ok: false,
      reason: 'malformed',
      detail: 'the X-Emtihan-Signature header must be t=<unix seconds>,v1=<64 hex digits>',
    };
  const skew = Math.abs(now / 1000 - parsed.timestamp);
  if (skew > toleranceSeconds)
    return {
      ok: false,
      reason: 'stale',
      detail: `the signature's timestamp t=${parsed.timestamp} is ${Math.round(skew)} s from the receiver's clock; at most ${toleranceSeconds} s are accepted`,
    };
  const expected = Buffer.from(signPayload(secret, parsed.timestamp, rawBody), 'hex');
  // Constant time: every candidate is compared in full, whatever the first one gave.
  let matched = false;
  for (const candidate of parsed.signatures)
    matched = timingSafeEqual(expected, Buffer.from(candidate, 'hex')) || matched;
  if (!matched)
    return {
      ok: false,
      reason: 'mismatch',
      detail: 'the signature does not match the body (HMAC-SHA256 of "<t>.<raw body>")',
    };
  return { ok: true, timestamp: parsed.timestamp };
}
