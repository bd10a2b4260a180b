import { randomBytes } from 'node:crypto';
import { TokenCipher } from './token-cipher';

describe('TokenCipher', () => {
  const cipher = new TokenCipher(randomBytes(32));

  it('round-trips a token and never stores it in the clear', () => {
    const sealed = cipher.encrypt('secret-token-123');
    expect(sealed).not.toContain('secret-token-123');
    expect(cipher.decrypt(sealed)).toBe('secret-token-123');
    expect(cipher.encrypt('secret-token-123')).not.toBe(sealed);
  });

  it('refuses a tampered ciphertext or another key', () => {
    const sealed = cipher.encrypt('abc');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('xyz').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'))).toThrow();
    expect(() => new TokenCipher(randomBytes(32)).decrypt(sealed)).toThrow();
  });
});
