import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import jwt from 'jsonwebtoken';
import type { RunningServer } from '../../src/runtime/index.js';
import { request, startProbeService, TEST_JWT } from '../../src/testing/index.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token signed with the real key, so only its claims can make it fail. */
function signed(claims: Record<string, unknown>, options: jwt.SignOptions = {}): string {
  return jwt.sign({ role: 'admin', ...claims }, TEST_JWT.secret, {
    algorithm: 'HS256',
    issuer: TEST_JWT.issuer,
    audience: TEST_JWT.audience,
    subject: 'mallory',
    ...options,
  });
}

describe('Attack: a validly signed token with an old, future or missing iat, or a far exp', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startProbeService();
  });
  afterAll(() => server.stop());

  const refused: [string, () => string][] = [
    [
      'iat 2 hours ago, exp an hour ahead',
      () => signed({ iat: nowSeconds() - 7200, exp: nowSeconds() + 3600 }),
    ],
    [
      'iat just past the maximum lifetime',
      () => signed({ iat: nowSeconds() - 900 - 6, exp: nowSeconds() + 60 }),
    ],
    ['iat 10 minutes in the future', () => signed({ iat: nowSeconds() + 600, exp: nowSeconds() + 700 })],
    ['no iat at all', () => signed({}, { noTimestamp: true, expiresIn: 600 })],
    ['a lifetime of a year', () => signed({}, { expiresIn: '365d' })],
    ['a wrong issuer', () => signed({}, { expiresIn: 600, issuer: 'someone-else' })],
    ['a wrong audience', () => signed({}, { expiresIn: 600, audience: 'another-api' })],
    ['nbf 10 minutes ahead', () => signed({}, { expiresIn: 600, notBefore: 600 })],
    ['exp 10 minutes ago', () => signed({ iat: nowSeconds() - 800, exp: nowSeconds() - 600 })],
  ];

  test.each(refused)('When the token has %s, then 401', async (_, token) => {
    const res = await request(server.url, 'GET', '/anything', { token: token() });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'unauthorized' } });
  });

  test('When iat is a few seconds ahead (within the clock skew), then it is accepted', async () => {
    const res = await request(server.url, 'GET', '/anything', {
      token: signed({ iat: nowSeconds() + 3, exp: nowSeconds() + 600 }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: 'mallory' });
  });
});
