import { afterEach, describe, expect, test, vi } from 'vitest';
import type { TokenService } from '@shop/platform';
import { testTokens } from '@shop/platform/testing';
import { withVerifiedTokenCache } from '../src/auth/verified-token-cache.js';

function countingTokens(): { tokens: TokenService; verifications: () => number } {
  const real = testTokens();
  let count = 0;
  return {
    tokens: {
      ...real,
      verifyAccessToken(token) {
        count++;
        return real.verifyAccessToken(token);
      },
    },
    verifications: () => count,
  };
}

describe('withVerifiedTokenCache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('When the same valid token comes again, then it is verified once and the same user is returned', () => {
    const { tokens, verifications } = countingTokens();
    const cached = withVerifiedTokenCache(tokens);
    const token = tokens.signAccessToken({ id: 'alice', role: 'customer' });
    expect(cached.verifyAccessToken(token)).toEqual({ id: 'alice', role: 'customer', email: undefined });
    expect(cached.verifyAccessToken(token)).toEqual({ id: 'alice', role: 'customer', email: undefined });
    expect(verifications()).toBe(1);
  });

  test('When a token is refused, then it is refused every time (nothing is cached)', () => {
    const { tokens, verifications } = countingTokens();
    const cached = withVerifiedTokenCache(tokens);
    const tampered = `${tokens.signAccessToken({ id: 'alice', role: 'customer' })}x`;
    expect(() => cached.verifyAccessToken(tampered)).toThrow();
    expect(() => cached.verifyAccessToken(tampered)).toThrow();
    expect(verifications()).toBe(2);
  });

  test('When a cached token has expired, then it is verified again and refused', () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const { tokens } = countingTokens();
    const cached = withVerifiedTokenCache(tokens);
    const token = tokens.signAccessToken({ id: 'alice', role: 'customer' }, 60);
    expect(cached.verifyAccessToken(token).id).toBe('alice');
    vi.setSystemTime(new Date('2030-01-01T00:02:00Z'));
    expect(() => cached.verifyAccessToken(token)).toThrow(/expired/);
  });

  test('When the cache is full, then it starts over instead of growing', () => {
    const { tokens, verifications } = countingTokens();
    const cached = withVerifiedTokenCache(tokens, 2);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => tokens.signAccessToken({ id, role: 'customer' }));
    for (const token of [a, b, c, a]) cached.verifyAccessToken(token as string);
    expect(verifications()).toBe(4);
  });
});
