import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import {
  login,
  registeredCustomer,
  startCustomerService,
  type ErrorResponseBody,
  type LoginBody,
  type ProfileBody,
  type RunningCustomerService,
} from './support/customer-service.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('POST /auth/login', () => {
  let service: RunningCustomerService;

  beforeAll(async () => {
    service = await startCustomerService();
  });
  afterAll(async () => {
    await service.stop();
  });

  test('When the credentials are right, then 200 with a token pair, not cacheable, and the access token works', async () => {
    const { email, password, profile } = await registeredCustomer(service.url);

    const res = await request<LoginBody>(service.url, 'POST', '/auth/login', {
      body: { email: email.toUpperCase(), password },
    });

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      accessToken: expect.any(String) as unknown,
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
    });
    expect(service.tokens.verifyAccessToken(res.body.accessToken)).toMatchObject({
      id: profile.id,
      role: 'customer',
      email,
      issuedAtMs: expect.any(Number) as unknown,
    });
    const stored = service.db.prepare('SELECT token_hash FROM refresh_tokens').all() as {
      token_hash: string;
    }[];
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.map((row) => row.token_hash)).not.toContain(res.body.refreshToken);
  });

  test('When the email is unknown or the password wrong, then the responses are identical 401 invalid_credentials', async () => {
    const { email } = await registeredCustomer(service.url);
    const headers = { 'x-correlation-id': 'login-probe-1' };

    const wrongPassword = await request<ErrorResponseBody>(service.url, 'POST', '/auth/login', {
      body: { email, password: 'wrong-password-123' },
      headers,
    });
    const unknownEmail = await request<ErrorResponseBody>(service.url, 'POST', '/auth/login', {
      body: { email: `nobody-${Date.now()}@example.com`, password: 'wrong-password-123' },
      headers,
    });

    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body.error.code).toBe('invalid_credentials');
    expect(unknownEmail.status).toBe(wrongPassword.status);
    expect(unknownEmail.body).toEqual(wrongPassword.body);
    expect(unknownEmail.headers.get('www-authenticate')).toBe(wrongPassword.headers.get('www-authenticate'));
    expect(unknownEmail.headers.get('content-length')).toBe(wrongPassword.headers.get('content-length'));
  });

  test.each([
    ['no password', { email: 'ann@example.com' }],
    ['an unknown field', { email: 'ann@example.com', password: 'x', remember: true }],
    ['a numeric email', { email: 5, password: 'x' }],
  ])('When the body has %s, then 400 validation_failed', async (_case, body) => {
    const res = await request<ErrorResponseBody>(service.url, 'POST', '/auth/login', { body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});

describe('POST /auth/refresh', () => {
  let service: RunningCustomerService;
  let now = new Date();

  beforeAll(async () => {
    // No parallel-refresh grace here: these tests present rotated tokens again from the same client at once
    // (the grace window has its own test, parallel-refresh.attack.test.ts).
    service = await startCustomerService({ clock: () => now, env: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
  });
  afterAll(async () => {
    await service.stop();
  });

  async function refresh(refreshToken: string) {
    return request<LoginBody & ErrorResponseBody>(service.url, 'POST', '/auth/refresh', {
      body: { refreshToken },
    });
  }

  test('When a valid refresh token is presented, then a new pair is issued and the old token is rotated out', async () => {
    const { session, profile } = await registeredCustomer(service.url);

    const res = await refresh(session.refreshToken);

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.tokenType).toBe('Bearer');
    expect(res.body.refreshToken).not.toBe(session.refreshToken);
    expect(service.tokens.verifyAccessToken(res.body.accessToken).id).toBe(profile.id);
    const me = await request<ProfileBody>(service.url, 'GET', '/api/customers/me', {
      token: res.body.accessToken,
    });
    expect(me.body.id).toBe(profile.id);
  });

  test('When a rotated token is presented again, then 401 refresh_token_reused and the newer token is revoked too', async () => {
    const { session } = await registeredCustomer(service.url);
    const rotated = await refresh(session.refreshToken);
    expect(rotated.status).toBe(200);

    const reuse = await refresh(session.refreshToken);
    const newer = await refresh(rotated.body.refreshToken);

    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe('refresh_token_reused');
    expect(newer.status).toBe(401);
    expect(newer.body.error.code).toBe('invalid_refresh_token');
  });

  test('When reuse is detected, then other logins of the same customer keep working', async () => {
    const { session, email, password } = await registeredCustomer(service.url);
    const otherDevice = await login(service.url, email, password);
    await refresh(session.refreshToken);
    expect((await refresh(session.refreshToken)).status).toBe(401);

    expect((await refresh(otherDevice.refreshToken)).status).toBe(200);
  });

  test('When the refresh token is unknown, then 401 invalid_refresh_token', async () => {
    const res = await refresh('A'.repeat(43));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_refresh_token');
  });

  test('When the refresh token has expired, then 401 invalid_refresh_token', async () => {
    const { session } = await registeredCustomer(service.url);
    now = new Date(Date.now() + 15 * DAY_MS);
    try {
      const res = await refresh(session.refreshToken);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_refresh_token');
    } finally {
      now = new Date();
    }
  });

  test('When the refresh token is 13 days old, then it still works', async () => {
    const { session } = await registeredCustomer(service.url);
    now = new Date(Date.now() + 13 * DAY_MS);
    try {
      expect((await refresh(session.refreshToken)).status).toBe(200);
    } finally {
      now = new Date();
    }
  });

  test('When the body is not a token, then 400 validation_failed', async () => {
    const res = await request<ErrorResponseBody>(service.url, 'POST', '/auth/refresh', {
      body: { token: 'x' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});

describe('POST /auth/logout', () => {
  let service: RunningCustomerService;

  beforeAll(async () => {
    service = await startCustomerService();
  });
  afterAll(async () => {
    await service.stop();
  });

  test('When the owner logs out, then 204 and every token of that login stops refreshing', async () => {
    const { session } = await registeredCustomer(service.url);
    const rotated = await request<LoginBody>(service.url, 'POST', '/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    });

    const res = await request(service.url, 'POST', '/auth/logout', {
      token: rotated.body.accessToken,
      body: { refreshToken: rotated.body.refreshToken },
    });

    expect(res.status).toBe(204);
    const after = await request<ErrorResponseBody>(service.url, 'POST', '/auth/refresh', {
      body: { refreshToken: rotated.body.refreshToken },
    });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('invalid_refresh_token');
  });

  test('When logging out twice with a fresh access token, then both answer 204', async () => {
    const { session, email, password } = await registeredCustomer(service.url);
    const call = (accessToken: string) =>
      request(service.url, 'POST', '/auth/logout', {
        token: accessToken,
        body: { refreshToken: session.refreshToken },
      });
    expect((await call(session.accessToken)).status).toBe(204);
    // The logout revoked the access tokens issued before it: the second one needs a new login.
    expect((await call(session.accessToken)).status).toBe(401);
    const again = await login(service.url, email, password);
    expect((await call(again.accessToken)).status).toBe(204);
  });

  test('When anonymous, then 401 and the token still works', async () => {
    const { session } = await registeredCustomer(service.url);

    const res = await request(service.url, 'POST', '/auth/logout', {
      body: { refreshToken: session.refreshToken },
    });

    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const refreshed = await request(service.url, 'POST', '/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refreshed.status).toBe(200);
  });

  test("When a customer presents another customer's refresh token, then 401 and that token still works", async () => {
    const victim = await registeredCustomer(service.url);
    const attacker = await registeredCustomer(service.url);

    const res = await request<ErrorResponseBody>(service.url, 'POST', '/auth/logout', {
      token: attacker.session.accessToken,
      body: { refreshToken: victim.session.refreshToken },
    });

    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_refresh_token');
    const refreshed = await request(service.url, 'POST', '/auth/refresh', {
      body: { refreshToken: victim.session.refreshToken },
    });
    expect(refreshed.status).toBe(200);
  });
});

describe('Logging of credentials', () => {
  test('When a customer registers, logs in, refreshes and logs out, then no log line contains a password or token', async () => {
    const service = await startCustomerService({ env: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
    try {
      const weak = 'weakpass1';
      await request(service.url, 'POST', '/auth/register', {
        body: { name: 'Log Probe', email: 'probe@example.com', password: weak },
      });
      const { session, password } = await registeredCustomer(service.url);
      await request(service.url, 'POST', '/auth/login', {
        body: { email: 'probe@example.com', password: 'wrong-pass-77' },
      });
      const rotated = await request<LoginBody>(service.url, 'POST', '/auth/refresh', {
        body: { refreshToken: session.refreshToken },
      });
      await request(service.url, 'POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } });
      await request(service.url, 'POST', '/auth/logout', {
        token: rotated.body.accessToken,
        body: { refreshToken: rotated.body.refreshToken },
      });

      const logged = JSON.stringify(service.logLines());
      expect(service.logLines().length).toBeGreaterThan(5);
      expect(logged).toContain('refresh token reuse detected');
      for (const secret of [
        weak,
        password,
        'wrong-pass-77',
        session.refreshToken,
        session.accessToken,
        rotated.body.refreshToken,
        rotated.body.accessToken,
      ]) {
        expect(logged).not.toContain(secret);
      }
    } finally {
      await service.stop();
    }
  });
});
