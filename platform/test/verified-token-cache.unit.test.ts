import { afterEach, describe, expect, test, vi } from 'vitest';
import type { TokenService } from '../src/auth/tokens.js';
import { createVerifiedTokenCache } from '../src/service/verified-token-cache.js';
import { testTokens } from '../src/testing/index.js';

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

describe('createVerifiedTokenCache (behind authenticate)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('When the same valid token comes again, then it is verified once and the same caller is returned', () => {
    const { tokens, verifications } = countingTokens();
    const callerOf = createVerifiedTokenCache(tokens);
    const header = `Bearer ${tokens.signAccessToken({ id: 'alice', role: 'customer' })}`;
    expect(callerOf(header)).toMatchObject({ id: 'alice', role: 'customer', email: undefined });
    expect(callerOf(header)).toMatchObject({ id: 'alice', role: 'customer', email: undefined });
    expect(verifications()).toBe(1);
  });

  test('When a caller comes from the cache, then it cannot be changed by one request for the next', () => {
    const { tokens } = countingTokens();
    const callerOf = createVerifiedTokenCache(tokens);
    const header = `Bearer ${tokens.signAccessToken({ id: 'alice', role: 'customer' })}`;
    const caller = callerOf(header) as { role: string };
    expect(() => {
      caller.role = 'admin';
    }).toThrow(TypeError);
    expect(callerOf(header)?.role).toBe('customer');
  });

  test('When a token is refused, then it is refused every time (nothing is cached)', () => {
    const { tokens, verifications } = countingTokens();
    const callerOf = createVerifiedTokenCache(tokens);
    const tampered = `Bearer ${tokens.signAccessToken({ id: 'alice', role: 'customer' })}x`;
    expect(() => callerOf(tampered)).toThrow();
    expect(() => callerOf(tampered)).toThrow();
    expect(verifications()).toBe(2);
  });

  test('When the header is not a bearer token, then it is refused with 401 every time', () => {
    const { tokens } = countingTokens();
    const callerOf = createVerifiedTokenCache(tokens);
    expect(() => callerOf('Basic dXNlcjpwYXNz')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => callerOf('Basic dXNlcjpwYXNz')).toThrow(expect.objectContaining({ status: 401 }));
  });

  test('When a cached token has expired, then it is verified again and refused', () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const { tokens } = countingTokens();
    const callerOf = createVerifiedTokenCache(tokens);
    const header = `Bearer ${tokens.signAccessToken({ id: 'alice', role: 'customer' }, 60)}`;
    expect(callerOf(header)?.id).toBe('alice');
    vi.setSystemTime(new Date('2030-01-01T00:02:00Z'));
    expect(() => callerOf(header)).toThrow(/expired/);
  });

  test('When the cache is full, then the oldest token goes first instead of the cache growing', () => {
    const { tokens, verifications } = countingTokens();
    const callerOf = createVerifiedTokenCache(tokens, 2);
    const [a, b, c] = ['a', 'b', 'c'].map(
      (id) => `Bearer ${tokens.signAccessToken({ id, role: 'customer' })}`,
    );
    for (const header of [a, b, c, c, a]) callerOf(header as string);
    // a, b, c verified; c from the cache; a was evicted by c, so verified again.
    expect(verifications()).toBe(4);
  });
});
