import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import {
  registeredCustomer,
  startCustomerService,
  type ErrorResponseBody,
  type ProfileBody,
  type RunningCustomerService,
} from './support/customer-service.js';

describe('GET /api/customers/me', () => {
  let service: RunningCustomerService;

  beforeAll(async () => {
    service = await startCustomerService();
  });
  afterAll(async () => {
    await service.stop();
  });

  test('When a customer asks, then 200 with their own profile', async () => {
    const { session, profile } = await registeredCustomer(service.url);

    const res = await request<ProfileBody>(service.url, 'GET', '/api/customers/me', {
      token: session.accessToken,
    });

    expect(res.status).toBe(200);
    expect(res.body).toEqual(profile);
  });

  test('When anonymous, then 401 with WWW-Authenticate', async () => {
    const res = await request<ErrorResponseBody>(service.url, 'GET', '/api/customers/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  test('When the access token has expired, then 401', async () => {
    const { profile } = await registeredCustomer(service.url);
    const expired = service.tokens.signAccessToken({ id: profile.id, role: 'customer' }, -60);

    const res = await request<ErrorResponseBody>(service.url, 'GET', '/api/customers/me', { token: expired });

    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  test('When the token is valid but the account does not exist, then 404', async () => {
    const token = tokenFor({ id: '6f1c1f0e-4b8e-4c39-9a53-5f1e4b1e0a11', role: 'customer' });
    const res = await request(service.url, 'GET', '/api/customers/me', { token });
    expect(res.status).toBe(404);
  });
});

describe('PATCH /api/customers/me', () => {
  let service: RunningCustomerService;

  beforeAll(async () => {
    service = await startCustomerService();
  });
  afterAll(async () => {
    await service.stop();
  });

  function storedRow(id: string) {
    return service.db.prepare('SELECT id, name, email, role FROM customers WHERE id = ?').get(id);
  }

  test('When name and email change (with the current password), then 200 with the new profile, the email normalised', async () => {
    const { session, profile, password } = await registeredCustomer(service.url);
    const newEmail = `Renamed-${Date.now()}@Example.com`;

    const res = await request<ProfileBody>(service.url, 'PATCH', '/api/customers/me', {
      token: session.accessToken,
      body: { name: 'Ann Renamed', email: newEmail, currentPassword: password },
    });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...profile, name: 'Ann Renamed', email: newEmail.toLowerCase() });
    expect(storedRow(profile.id)).toEqual({
      id: profile.id,
      name: 'Ann Renamed',
      email: newEmail.toLowerCase(),
      role: 'customer',
    });
  });

  test.each([
    ['role', { role: 'admin' }],
    ['role with a valid name', { name: 'Ann', role: 'admin' }],
    ['id', { id: '00000000-0000-4000-8000-000000000000' }],
    ['password', { password: 'new-password-123' }],
    ['createdAt', { createdAt: '2000-01-01T00:00:00.000Z' }],
    ['nothing', {}],
    ['an invalid email', { email: 'nope' }],
    ['an empty name', { name: '' }],
  ])('When the body has %s, then 400 validation_failed and the row is unchanged', async (_case, body) => {
    const { session, profile } = await registeredCustomer(service.url);
    const before = storedRow(profile.id);

    const res = await request<ErrorResponseBody>(service.url, 'PATCH', '/api/customers/me', {
      token: session.accessToken,
      body,
    });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(storedRow(profile.id)).toEqual(before);
  });

  test('When the new email belongs to another account (in another case), then 409 email_taken and nothing changes', async () => {
    const other = await registeredCustomer(service.url);
    const { session, profile, password } = await registeredCustomer(service.url);
    const before = storedRow(profile.id);

    const res = await request<ErrorResponseBody>(service.url, 'PATCH', '/api/customers/me', {
      token: session.accessToken,
      body: { email: other.email.toUpperCase(), currentPassword: password },
    });

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('email_taken');
    expect(storedRow(profile.id)).toEqual(before);
  });

  test('When the email is set to its own current value, then 200', async () => {
    const { session, email } = await registeredCustomer(service.url);
    const res = await request(service.url, 'PATCH', '/api/customers/me', {
      token: session.accessToken,
      body: { email: email.toUpperCase() },
    });
    expect(res.status).toBe(200);
  });

  test('When anonymous, then 401', async () => {
    const res = await request(service.url, 'PATCH', '/api/customers/me', { body: { name: 'x' } });
    expect(res.status).toBe(401);
  });
});

describe('Client-supplied identity headers', () => {
  test('When a customer sends X-User-Role: admin and X-User-Id, then nothing changes: still 403 and own profile', async () => {
    const service = await startCustomerService();
    try {
      const victim = await registeredCustomer(service.url);
      const { session, profile } = await registeredCustomer(service.url);
      const headers = { 'x-user-role': 'admin', 'x-user-id': victim.profile.id, 'x-role': 'admin' };

      const list = await request(service.url, 'GET', '/api/customers', {
        token: session.accessToken,
        headers,
      });
      const me = await request<ProfileBody>(service.url, 'GET', '/api/customers/me', {
        token: session.accessToken,
        headers,
      });
      const anonymous = await request(service.url, 'GET', '/api/customers', { headers });

      expect(list.status).toBe(403);
      expect(me.body.id).toBe(profile.id);
      expect(anonymous.status).toBe(401);
    } finally {
      await service.stop();
    }
  });
});
