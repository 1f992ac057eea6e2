import { createHmac } from 'node:crypto';
import { parseSignature, signatureHeader, signPayload, verifySignature } from './signature';

const SECRET = 'a proctoring webhook secret of 32+ chars';
const BODY = Buffer.from('{"id":"evt-1","type":"session.started"}');
const T = 1_790_000_000;
const NOW = T * 1000;

describe('§5.4, §5.9: the proctoring webhook signature (X-Emtihan-Signature)', () => {
  test('v1 is the hex HMAC-SHA256 of "<t>.<raw body>" with the shared secret', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY.toString()}`).digest('hex');
    expect(signPayload(SECRET, T, BODY)).toBe(expected);
    expect(signatureHeader(SECRET, BODY, T)).toBe(`t=${T},v1=${expected}`);
  });

  test('parse: t and one or more v1; unknown schemes are ignored; anything else is malformed', () => {
    const v1 = 'ab'.repeat(32);
    expect(parseSignature(`t=${T},v1=${v1}`)).toEqual({ timestamp: T, signatures: [v1] });
    expect(
      parseSignature(` t=${T} , v0=xyz, v1=${v1.toUpperCase()},v1=${'cd'.repeat(32)}`),
    ).toEqual({ timestamp: T, signatures: [v1, 'cd'.repeat(32)] });
    for (const bad of [
      undefined,
      '',
      `v1=${v1}`,
      `t=${T}`,
      `t=${T},v1=abc`,
      `t=soon,v1=${v1}`,
      `t=${T},t=${T},v1=${v1}`,
      `t=${T},v1=${v1}=x`,
      `t=${T};v1=${v1}`,
    ])
      expect([bad, parseSignature(bad)]).toEqual([bad, undefined]);
  });

  test('a good signature within ±5 minutes passes, at either edge of the window', () => {
    const header = signatureHeader(SECRET, BODY, T);
    expect(verifySignature(header, BODY, SECRET, NOW)).toEqual({ ok: true, timestamp: T });
    expect(verifySignature(header, BODY, SECRET, NOW + 300_000).ok).toBe(true);
    expect(verifySignature(header, BODY, SECRET, NOW - 300_000).ok).toBe(true);
  });

  test('a rotated secret: one of several v1 matching is enough', () => {
    const header = `t=${T},v1=${signPayload('an old secret that is no longer used', T, BODY)},v1=${signPayload(SECRET, T, BODY)}`;
    expect(verifySignature(header, BODY, SECRET, NOW).ok).toBe(true);
  });

  test('refusals name their reason: missing, malformed, stale (older or newer than 5 minutes), mismatch', () => {
    const header = signatureHeader(SECRET, BODY, T);
    expect(verifySignature(undefined, BODY, SECRET, NOW)).toMatchObject({
      ok: false,
      reason: 'missing',
    });
    expect(verifySignature('sha256=abc', BODY, SECRET, NOW)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(verifySignature(header, BODY, SECRET, NOW + 301_000)).toMatchObject({
      ok: false,
      reason: 'stale',
      detail: expect.stringContaining('301 s') as string,
    });
    expect(verifySignature(header, BODY, SECRET, NOW - 301_000)).toMatchObject({
      ok: false,
      reason: 'stale',
    });
    // Another body, another secret, another timestamp under the same MAC: all mismatch.
    expect(verifySignature(header, Buffer.from(`${BODY.toString()} `), SECRET, NOW)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifySignature(header, BODY, `${SECRET}!`, NOW)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(verifySignature(moved, BODY, SECRET, NOW)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });
});
