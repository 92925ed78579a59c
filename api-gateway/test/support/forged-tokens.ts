import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TEST_JWT, tokenFor } from '@shop/platform/tools/testing';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = { sub: 'mallory', role: 'admin' };
const signed = (payload: object, options: jwt.SignOptions, secret: jwt.Secret = TEST_JWT.secret) =>
  jwt.sign(payload, secret, options);
const valid: jwt.SignOptions = {
  algorithm: 'HS256',
  issuer: TEST_JWT.issuer,
  audience: TEST_JWT.audience,
  expiresIn: 300,
};

/** Authorization header values that must all be refused with 401, each for its own reason. */
export function forgedAuthorizations(): [string, string][] {
  const now = Math.floor(Date.now() / 1000);
  const genuine = tokenFor({ id: 'alice', role: 'customer' });
  const [header, , signature] = genuine.split('.');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return [
    [
      'alg none',
      `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, exp: now + 300, iss: TEST_JWT.issuer, aud: TEST_JWT.audience })}.`,
    ],
    ['HS384 instead of the pinned HS256', `Bearer ${signed(claims, { ...valid, algorithm: 'HS384' })}`],
    ['RS256 with a key of its own', `Bearer ${signed(claims, { ...valid, algorithm: 'RS256' }, privateKey)}`],
    [
      'expired',
      `Bearer ${signed({ ...claims, exp: now - 120 }, { algorithm: 'HS256', issuer: TEST_JWT.issuer, audience: TEST_JWT.audience })}`,
    ],
    [
      'missing exp',
      `Bearer ${signed(claims, { algorithm: 'HS256', issuer: TEST_JWT.issuer, audience: TEST_JWT.audience })}`,
    ],
    ['wrong issuer', `Bearer ${signed(claims, { ...valid, issuer: 'someone-else' })}`],
    ['wrong audience', `Bearer ${signed(claims, { ...valid, audience: 'another-api' })}`],
    [
      'signed with another secret',
      `Bearer ${signed(claims, valid, 'another-secret-that-is-long-enough-0123456789')}`,
    ],
    [
      'tampered payload',
      `Bearer ${header}.${base64url({ sub: 'alice', role: 'admin', exp: now + 300, iss: TEST_JWT.issuer, aud: TEST_JWT.audience })}.${signature}`,
    ],
    ['malformed token', 'Bearer not-a-jwt'],
    ['malformed JWT header segment', `Bearer %%%.${genuine.split('.')[1]}.${signature}`],
    ['malformed scheme', `Token ${genuine}`],
    ['two tokens', `Bearer ${genuine} ${genuine}`],
    ['empty bearer', 'Bearer '],
    ['bare scheme', 'Bearer'],
  ];
}
