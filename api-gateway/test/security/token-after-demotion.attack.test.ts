import { afterEach, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import {
  newProduct,
  REVOCATION_DEADLINE_MS,
  startRevocationPlatform,
  untilStatus,
  type RevocationPlatform,
} from '../support/revocation-platform.js';

describe('Attack: an admin token used after its owner was demoted', () => {
  let platform: RevocationPlatform | undefined;
  afterEach(async () => {
    await platform?.stop();
    platform = undefined;
  });

  test('When an admin demotes another admin through the API, then within 5 s the old token is refused on admin routes at the gateway and at the service; a new token is a customer', async () => {
    platform = await startRevocationPlatform();
    const { gateway, inventory } = platform;
    const first = await platform.createAdmin();
    const firstToken = (await platform.login(first.email)).accessToken;
    // The second admin is promoted by the first, through the API (PATCH /api/customers/:id/role).
    const second = await platform.register();
    const promoted = await request(gateway, 'PATCH', `/api/customers/${second.id}/role`, {
      token: firstToken,
      body: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ role: 'admin' });
    const token = (await platform.login(second.email)).accessToken;
    expect((await request(gateway, 'POST', '/api/products', { token, body: newProduct() })).status).toBe(201);
    expect((await request(inventory, 'POST', '/api/products', { token, body: newProduct() })).status).toBe(
      201,
    );
    expect((await request(gateway, 'GET', '/api/customers', { token })).status).toBe(200);

    const demoted = await request(gateway, 'PATCH', `/api/customers/${second.id}/role`, {
      token: firstToken,
      body: { role: 'customer' },
    });
    expect(demoted.status).toBe(200);
    expect(demoted.body).toMatchObject({ role: 'customer' });

    const atGateway = await untilStatus(
      () => request(gateway, 'POST', '/api/products', { token, body: newProduct() }),
      401,
    );
    const atService = await untilStatus(
      () => request(inventory, 'POST', '/api/products', { token, body: newProduct() }),
      401,
    );
    expect(atGateway).toBeLessThanOrEqual(REVOCATION_DEADLINE_MS);
    expect(atService).toBeLessThanOrEqual(REVOCATION_DEADLINE_MS);
    expect((await request(gateway, 'GET', '/api/customers', { token })).status).toBe(401);
    expect((await request(platform.customers, 'GET', '/api/customers', { token })).status).toBe(401);

    // A token issued after the demotion carries the new role: a customer, refused on admin routes.
    const after = (await platform.login(second.email)).accessToken;
    expect((await request(gateway, 'GET', '/api/customers/me', { token: after })).body).toMatchObject({
      role: 'customer',
    });
    expect(
      (await request(gateway, 'POST', '/api/products', { token: after, body: newProduct() })).status,
    ).toBe(403);
    expect(
      (await request(inventory, 'POST', '/api/products', { token: after, body: newProduct() })).status,
    ).toBe(403);
    // The admin who demoted is untouched.
    expect(
      (await request(inventory, 'POST', '/api/products', { token: firstToken, body: newProduct() })).status,
    ).toBe(201);
  });

  test('When a customer (or a demoted admin) tries to change a role, then it is 403 and nothing changes', async () => {
    platform = await startRevocationPlatform();
    const { gateway } = platform;
    await platform.createAdmin();
    const customer = await platform.register();
    const token = (await platform.login(customer.email)).accessToken;
    const attempt = await request(gateway, 'PATCH', `/api/customers/${customer.id}/role`, {
      token,
      body: { role: 'admin' },
    });
    expect(attempt.status).toBe(403);
    expect((await request(gateway, 'GET', '/api/customers/me', { token })).body).toMatchObject({
      role: 'customer',
    });
  });
});
