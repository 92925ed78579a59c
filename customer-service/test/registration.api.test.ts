import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import type { Customer } from '../src/domain/customer.js';
import {
  countRows,
  newRegistration,
  startCustomerService,
  type ErrorResponseBody,
  type ProfileBody,
  type RunningCustomerService,
} from './support/customer-service.js';

describe('POST /auth/register', () => {
  let service: RunningCustomerService;
  const registeredEvents: Customer[] = [];

  beforeAll(async () => {
    service = await startCustomerService({ onRegistered: (customer) => registeredEvents.push(customer) });
  });
  afterAll(async () => {
    await service.stop();
  });

  async function expectRejected(body: unknown, status: number, code: string): Promise<ErrorResponseBody> {
    const before = countRows(service.db, 'customers');
    const eventsBefore = registeredEvents.length;
    const res = await request<ErrorResponseBody>(service.url, 'POST', '/auth/register', { body });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(countRows(service.db, 'customers')).toBe(before);
    expect(registeredEvents.length).toBe(eventsBefore);
    return res.body;
  }

  test('When the input is valid, then 201 with the customer, stored with a hashed password and a lower-case email', async () => {
    const input = newRegistration({ email: `Mixed.Case-${Date.now()}@Example.COM` });

    const res = await request<ProfileBody>(service.url, 'POST', '/auth/register', { body: input });

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      name: input.name,
      email: input.email.toLowerCase(),
      role: 'customer',
      createdAt: expect.any(String) as unknown,
    });
    expect(JSON.stringify(res.body)).not.toContain('password');
    const row = service.db
      .prepare('SELECT email, password_hash, role FROM customers WHERE id = ?')
      .get(res.body.id) as {
      email: string;
      password_hash: string;
      role: string;
    };
    expect(row.email).toBe(input.email.toLowerCase());
    expect(row.role).toBe('customer');
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(row.password_hash).not.toContain(input.password);
  });

  test('When a customer registers, then the onRegistered hook receives them inside the transaction', async () => {
    const input = newRegistration();
    let rowVisibleInHook = false;
    const hooked = await startCustomerService({
      onRegistered: (customer) => {
        rowVisibleInHook = countRows(hooked.db, 'customers') === 1 && customer.email === input.email;
      },
    });
    try {
      const res = await request(hooked.url, 'POST', '/auth/register', { body: input });
      expect(res.status).toBe(201);
      expect(rowVisibleInHook).toBe(true);
    } finally {
      await hooked.stop();
    }
  });

  test('When the onRegistered hook throws, then the account is rolled back and 500 is returned', async () => {
    const failing = await startCustomerService({
      onRegistered: () => {
        throw new Error('outbox unavailable');
      },
    });
    try {
      const res = await request<ErrorResponseBody>(failing.url, 'POST', '/auth/register', {
        body: newRegistration(),
      });
      expect(res.status).toBe(500);
      expect(countRows(failing.db, 'customers')).toBe(0);
    } finally {
      await failing.stop();
    }
  });

  test("When the role 'customer' is requested explicitly, then 201", async () => {
    const res = await request<ProfileBody>(service.url, 'POST', '/auth/register', {
      body: newRegistration({ role: 'customer' }),
    });
    expect(res.status).toBe(201);
    expect(res.body.role).toBe('customer');
  });

  test.each([['admin'], ['service'], ['ADMIN'], [''], [null], [['admin']], [{ name: 'admin' }]])(
    'When role %j is requested, then 403 role_not_allowed and no account is created',
    async (role) => {
      await expectRejected(newRegistration({ role }), 403, 'role_not_allowed');
    },
  );

  test('When role admin is requested with other invalid fields too, then the role decides: 403', async () => {
    await expectRejected({ role: 'admin', email: 'not-an-email', password: 'x' }, 403, 'role_not_allowed');
  });

  test.each([
    ['shorter than 10 characters', 'abc12345'],
    ['without a digit', 'onlyletterspassword'],
    ['without a letter', '12345678901234'],
    ['a common password', 'Password123'],
  ])('When the password is %s, then 400 weak_password explaining the rule', async (_case, password) => {
    const body = await expectRejected(newRegistration({ password }), 400, 'weak_password');
    expect(body.error.message).toMatch(/at least 10 characters/);
    expect(body.error.message).toMatch(/letter and one digit/);
  });

  test('When the password equals the email, then 400 weak_password', async () => {
    const email = `user1-${Date.now()}@example.com`;
    const body = await expectRejected(
      newRegistration({ email, password: email.toUpperCase() }),
      400,
      'weak_password',
    );
    expect(body.error.details).toEqual({ violations: ['equals_email'] });
  });

  test.each([
    ['a malformed email', { email: 'not-an-email' }],
    ['an email without domain', { email: 'ann@' }],
    ['a too long email', { email: `${'a'.repeat(250)}@example.com` }],
    ['an empty name', { name: '   ' }],
    ['a too long name', { name: 'n'.repeat(101) }],
    ['a name with control characters', { name: 'Ann\u0000Example' }],
    ['a numeric name', { name: 42 }],
    ['a missing password', { password: undefined }],
    ['a non-string password', { password: 1234567890 }],
    ['an unknown field', { isAdmin: true }],
    ['an id chosen by the client', { id: '00000000-0000-4000-8000-000000000000' }],
  ])(
    'When the body has %s, then 400 validation_failed and no account is created',
    async (_case, overrides) => {
      await expectRejected(newRegistration(overrides), 400, 'validation_failed');
    },
  );

  test('When there is no body, then 400 validation_failed', async () => {
    const res = await request<ErrorResponseBody>(service.url, 'POST', '/auth/register');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  test('When the email is already registered in another case, then 409 email_taken and nothing changes', async () => {
    const input = newRegistration();
    expect((await request(service.url, 'POST', '/auth/register', { body: input })).status).toBe(201);
    const hashBefore = service.db
      .prepare('SELECT password_hash FROM customers WHERE email = ?')
      .get(input.email);

    await expectRejected(
      {
        ...input,
        name: 'Someone Else',
        email: `  ${input.email.toUpperCase()} `,
        password: 'another-secret-99',
      },
      409,
      'email_taken',
    );

    expect(
      service.db.prepare('SELECT password_hash FROM customers WHERE email = ?').get(input.email),
    ).toEqual(hashBefore);
  });
});
