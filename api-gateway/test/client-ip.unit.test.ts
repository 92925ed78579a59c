import { describe, expect, test } from 'vitest';
import { clientIp } from '../src/rate-limit/client-ip.js';

describe('clientIp', () => {
  test('When no proxy is trusted, then X-Forwarded-For is ignored', () => {
    expect(clientIp('10.0.0.5', '1.2.3.4', 0)).toBe('10.0.0.5');
  });

  test('When one proxy is trusted, then the last entry is the client', () => {
    expect(clientIp('10.0.0.5', '6.6.6.6, 1.2.3.4', 1)).toBe('1.2.3.4');
  });

  test('When two proxies are trusted, then the second entry from the right is the client', () => {
    expect(clientIp('10.0.0.5', '6.6.6.6, 1.2.3.4, 10.0.0.9', 2)).toBe('1.2.3.4');
  });

  test('When the chain is shorter than the trusted hops, then its leftmost entry is used', () => {
    expect(clientIp('10.0.0.5', '1.2.3.4', 3)).toBe('1.2.3.4');
  });

  test('When the chosen entry is not an IP address, or the header is absent, then the socket address is used', () => {
    expect(clientIp('10.0.0.5', 'not-an-ip', 1)).toBe('10.0.0.5');
    expect(clientIp('10.0.0.5', '', 1)).toBe('10.0.0.5');
    expect(clientIp(undefined, undefined, 0)).toBe('unknown');
  });
});
