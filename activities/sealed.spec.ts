import { documentKey, seal, unseal } from './sealed';

const key = documentKey(Buffer.alloc(32, 7).toString('base64'));

describe('sealed documents (issue 8: tickets are confidential, §5.2)', () => {
  test('a sealed value opens with its key and context, and hides its plaintext', () => {
    const sealed = seal(key, 'Билет: 1. Сұрақ', 'ticket-set/e1/1');
    expect(sealed.includes(Buffer.from('Сұрақ'))).toBe(false);
    expect(unseal(key, sealed, 'ticket-set/e1/1').toString('utf8')).toBe('Билет: 1. Сұрақ');
    // Sealing twice gives different bytes (a fresh nonce each time).
    expect(seal(key, 'x', 'c').equals(seal(key, 'x', 'c'))).toBe(false);
  });

  test('another key, another context or a changed byte does not open', () => {
    const sealed = seal(key, 'secret', 'ticket-set/e1/1');
    const other = documentKey(Buffer.alloc(32, 8).toString('base64'));
    expect(() => unseal(other, sealed, 'ticket-set/e1/1')).toThrow();
    expect(() => unseal(key, sealed, 'ticket-set/e1/2')).toThrow();
    const changed = Buffer.from(sealed);
    changed[changed.length - 1] ^= 1;
    expect(() => unseal(key, changed, 'ticket-set/e1/1')).toThrow();
  });

  test('the key must be 32 bytes; its id is a fingerprint, not the key', () => {
    expect(() => documentKey(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(key.key.toString('hex')).not.toContain(key.id);
  });
});
