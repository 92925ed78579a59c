import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import {
  adminSession,
  login,
  registeredCustomer,
  startCustomerService,
  type ErrorResponseBody,
  type ProfileBody,
  type RunningCustomerService,
} from './support/customer-service.js';

interface ListBody {
  data: ProfileBody[];
  pagination: { page: number; limit: number; total: number };
}

describe('GET /api/customers', () => {
  let service: RunningCustomerService;
  let adminToken: string;

  beforeAll(async () => {
    service = await startCustomerService();
    adminToken = (await adminSession(service)).accessToken;
    for (const name of ['Zoe Alpha', 'Yan Beta', 'Xia Gamma'])
      await registeredCustomer(service.url, { name });
  });
  afterAll(async () => {
    await service.stop();
  });

  test('When an admin lists, then 200 with a page of profiles and the total', async () => {
    const res = await request<ListBody>(service.url, 'GET', '/api/customers?page=1&limit=2', {
      token: adminToken,
    });

    expect(res.status).toBe(200);
    expect(res.body.pagination).toEqual({ page: 1, limit: 2, total: 4 });
    expect(res.body.data).toHaveLength(2);
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash/i);
    const second = await request<ListBody>(service.url, 'GET', '/api/customers?page=2&limit=2', {
      token: adminToken,
    });
    expect(second.body.data).toHaveLength(2);
    const ids = [...res.body.data, ...second.body.data].map((customer) => customer.id);
    expect(new Set(ids).size).toBe(4);
  });

  test('When an admin searches with q, then only matching names or emails are returned', async () => {
    const res = await request<ListBody>(service.url, 'GET', '/api/customers?q=beta', { token: adminToken });
    expect(res.status).toBe(200);
    expect(res.body.data.map((customer) => customer.name)).toEqual(['Yan Beta']);
    expect(res.body.pagination.total).toBe(1);
  });

  test('When q holds LIKE wildcards, then they match literally', async () => {
    const res = await request<ListBody>(service.url, 'GET', '/api/customers?q=%25', { token: adminToken });
    expect(res.body.data).toEqual([]);
  });

  test.each([['limit=101'], ['limit=0'], ['page=0'], ['page=abc'], ['sort=email'], ['limit=1&limit=2']])(
    'When the query is %s, then 400 validation_failed',
    async (query) => {
      const res = await request<ErrorResponseBody>(service.url, 'GET', `/api/customers?${query}`, {
        token: adminToken,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    },
  );

  test('When a customer lists, then 403', async () => {
    const { session } = await registeredCustomer(service.url);
    const res = await request<ErrorResponseBody>(service.url, 'GET', '/api/customers', {
      token: session.accessToken,
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  test('When anonymous, then 401', async () => {
    expect((await request(service.url, 'GET', '/api/customers')).status).toBe(401);
  });
});

describe('PATCH /api/customers/:id/role', () => {
  let service: RunningCustomerService;
  let admin: { accessToken: string; id: string };

  beforeAll(async () => {
    service = await startCustomerService();
    admin = await adminSession(service);
  });
  afterAll(async () => {
    await service.stop();
  });

  const roleOf = (id: string) =>
    (service.db.prepare('SELECT role FROM customers WHERE id = ?').get(id) as { role: string }).role;

  test('When an admin promotes a customer, then 200 and their next login carries the admin role', async () => {
    const { profile, email, password } = await registeredCustomer(service.url);

    const res = await request<ProfileBody>(service.url, 'PATCH', `/api/customers/${profile.id}/role`, {
      token: admin.accessToken,
      body: { role: 'admin' },
    });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...profile, role: 'admin' });
    expect(roleOf(profile.id)).toBe('admin');
    const session = await login(service.url, email, password);
    expect(service.tokens.verifyAccessToken(session.accessToken).role).toBe('admin');
    const list = await request(service.url, 'GET', '/api/customers', { token: session.accessToken });
    expect(list.status).toBe(200);
  });

  test('When an admin demotes another admin, then 200 and the refresh issues a customer token', async () => {
    const { profile, session } = await registeredCustomer(service.url);
    await request(service.url, 'PATCH', `/api/customers/${profile.id}/role`, {
      token: admin.accessToken,
      body: { role: 'admin' },
    });

    const res = await request(service.url, 'PATCH', `/api/customers/${profile.id}/role`, {
      token: admin.accessToken,
      body: { role: 'customer' },
    });

    expect(res.status).toBe(200);
    const refreshed = await request<{ accessToken: string }>(service.url, 'POST', '/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(service.tokens.verifyAccessToken(refreshed.body.accessToken).role).toBe('customer');
  });

  test('When the only admin would be demoted, then 409 last_admin and the role is unchanged', async () => {
    const solo = await startCustomerService();
    try {
      const onlyAdmin = await adminSession(solo);
      const res = await request<ErrorResponseBody>(solo.url, 'PATCH', `/api/customers/${onlyAdmin.id}/role`, {
        token: onlyAdmin.accessToken,
        body: { role: 'customer' },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('last_admin');
      const row = solo.db.prepare('SELECT role FROM customers WHERE id = ?').get(onlyAdmin.id) as {
        role: string;
      };
      expect(row.role).toBe('admin');
    } finally {
      await solo.stop();
    }
  });

  test('When a customer tries to change a role (even their own), then 403 and nothing changes', async () => {
    const { session, profile } = await registeredCustomer(service.url);

    const res = await request<ErrorResponseBody>(service.url, 'PATCH', `/api/customers/${profile.id}/role`, {
      token: session.accessToken,
      body: { role: 'admin' },
    });

    expect(res.status).toBe(403);
    expect(roleOf(profile.id)).toBe('customer');
  });

  test('When the id is not a UUID, then 400; when unknown, then 404', async () => {
    const bad = await request<ErrorResponseBody>(service.url, 'PATCH', '/api/customers/not-a-uuid/role', {
      token: admin.accessToken,
      body: { role: 'admin' },
    });
    const unknown = await request<ErrorResponseBody>(
      service.url,
      'PATCH',
      '/api/customers/6f1c1f0e-4b8e-4c39-9a53-5f1e4b1e0a11/role',
      { token: admin.accessToken, body: { role: 'admin' } },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(unknown.status).toBe(404);
  });

  test.each([[{ role: 'service' }], [{ role: 'root' }], [{}], [{ role: 'admin', name: 'x' }]])(
    'When the body is %j, then 400 and the role is unchanged',
    async (body) => {
      const { profile } = await registeredCustomer(service.url);
      const res = await request(service.url, 'PATCH', `/api/customers/${profile.id}/role`, {
        token: admin.accessToken,
        body,
      });
      expect(res.status).toBe(400);
      expect(roleOf(profile.id)).toBe('customer');
    },
  );

  test('When anonymous, then 401', async () => {
    const { profile } = await registeredCustomer(service.url);
    const res = await request(service.url, 'PATCH', `/api/customers/${profile.id}/role`, {
      body: { role: 'admin' },
    });
    expect(res.status).toBe(401);
  });
});

describe('GET /internal/customers/:id', () => {
  let service: RunningCustomerService;

  beforeAll(async () => {
    service = await startCustomerService();
  });
  afterAll(async () => {
    await service.stop();
  });

  test('When a service asks, then 200 with id, name and email only', async () => {
    const { profile } = await registeredCustomer(service.url);
    const token = service.tokens.signServiceToken('notification-service');

    const res = await request(service.url, 'GET', `/internal/customers/${profile.id}`, { token });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: profile.id, name: profile.name, email: profile.email });
  });

  test('When a customer asks, even about themselves, then 403', async () => {
    const { profile, session } = await registeredCustomer(service.url);
    const res = await request(service.url, 'GET', `/internal/customers/${profile.id}`, {
      token: session.accessToken,
    });
    expect(res.status).toBe(403);
  });

  test('When the id is malformed, then 400; unknown, then 404; anonymous, then 401', async () => {
    const token = tokenFor({ id: 'service:order-service', role: 'service' });
    const bad = await request(service.url, 'GET', '/internal/customers/123', { token });
    const unknown = await request(
      service.url,
      'GET',
      '/internal/customers/6f1c1f0e-4b8e-4c39-9a53-5f1e4b1e0a11',
      {
        token,
      },
    );
    const anonymous = await request(
      service.url,
      'GET',
      '/internal/customers/6f1c1f0e-4b8e-4c39-9a53-5f1e4b1e0a11',
    );
    expect([bad.status, unknown.status, anonymous.status]).toEqual([400, 404, 401]);
  });
});
