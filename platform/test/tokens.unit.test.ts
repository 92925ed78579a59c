import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, test } from 'vitest';
import { bearerToken, createTokenService } from '../src/runtime/index.js';
import { TEST_JWT } from '../src/testing/index.js';

const tokens = createTokenService(TEST_JWT);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const validClaims = () => ({
  sub: 'user-1',
  role: 'customer',
  iss: TEST_JWT.issuer,
  aud: TEST_JWT.audience,
  iat: now(),
  exp: now() + 600,
});
function hs256(header: object, claims: object, secret: string = TEST_JWT.secret): string {
  const unsigned = `${base64url(header)}.${base64url(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('createTokenService', () => {
  test('When a token is signed and verified, then the user round-trips', () => {
    const token = tokens.signAccessToken({ id: 'u1', role: 'admin', email: 'a@b.c' });
    const user = tokens.verifyAccessToken(token);
    expect(user).toMatchObject({ id: 'u1', role: 'admin', email: 'a@b.c' });
    expect(Math.abs((user.issuedAtMs ?? 0) - Date.now())).toBeLessThan(5_000);
  });

  const forged: [string, () => string][] = [
    ['alg none', () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(validClaims())}.`],
    [
      'HS384 instead of the pinned HS256',
      () => jwt.sign(validClaims(), TEST_JWT.secret, { algorithm: 'HS384' }),
    ],
    [
      'RS256 with an attacker key',
      () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        return jwt.sign(validClaims(), privateKey, { algorithm: 'RS256' });
      },
    ],
    ['expired', () => hs256({ alg: 'HS256', typ: 'JWT' }, { ...validClaims(), exp: now() - 60 })],
    [
      'missing exp',
      () => {
        const { exp: _exp, ...claims } = validClaims();
        return hs256({ alg: 'HS256', typ: 'JWT' }, claims);
      },
    ],
    ['wrong issuer', () => hs256({ alg: 'HS256', typ: 'JWT' }, { ...validClaims(), iss: 'evil' })],
    ['wrong audience', () => hs256({ alg: 'HS256', typ: 'JWT' }, { ...validClaims(), aud: 'other-api' })],
    [
      'tampered payload',
      () => {
        const [header, , signature] = hs256({ alg: 'HS256', typ: 'JWT' }, validClaims()).split('.');
        return `${header}.${base64url({ ...validClaims(), role: 'admin' })}.${signature}`;
      },
    ],
    ['signed with another secret', () => hs256({ alg: 'HS256', typ: 'JWT' }, validClaims(), 'x'.repeat(48))],
    ['unknown role', () => hs256({ alg: 'HS256', typ: 'JWT' }, { ...validClaims(), role: 'root' })],
    ['garbage', () => 'not.a.jwt'],
  ];
  test.each(forged)('When the token is forged (%s), then it is rejected with 401', (_name, make) => {
    expect(() => tokens.verifyAccessToken(make())).toThrowError(
      expect.objectContaining({ status: 401 }) as Error,
    );
  });

  test('When the Authorization header is malformed or an empty bearer, then 401; absent is anonymous', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    for (const header of ['Bearer ', 'Bearer', 'Basic abc', 'bearer x y', 'Bearer a\r\nb']) {
      expect(() => bearerToken(header)).toThrowError(expect.objectContaining({ status: 401 }) as Error);
    }
  });
});

describe('signClientAddress', () => {
  const expected = (address: string, secret = TEST_JWT.secret) =>
    `${address};${createHmac('sha256', secret).update(`client-address:${address}`).digest('base64url')}`;

  test('When an address is vouched for again, then the value is the same HMAC under the key, and verifies', () => {
    const first = tokens.signClientAddress('198.51.100.7');
    const again = tokens.signClientAddress('198.51.100.7');

    expect(first).toBe(expected('198.51.100.7'));
    expect(again).toBe(first);
    expect(tokens.clientAddressFrom(again)).toBe('198.51.100.7');
    const otherKey = createTokenService({ ...TEST_JWT, secret: `${TEST_JWT.secret}-other` });
    expect(otherKey.signClientAddress('198.51.100.7')).not.toBe(first);
    expect(otherKey.clientAddressFrom(first)).toBeUndefined();
  });

  test('When more addresses were vouched for than are remembered, then each still gets its own value', () => {
    const service = createTokenService(TEST_JWT);
    const addresses = Array.from(
      { length: 10_050 },
      (_, index) => `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`,
    );
    for (const address of addresses) service.signClientAddress(address);

    for (const address of [addresses[0] as string, addresses[5000] as string, addresses[10_049] as string]) {
      expect(service.signClientAddress(address)).toBe(expected(address));
    }
  });
});
