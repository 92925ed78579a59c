import { afterEach, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import {
  REVOCATION_DEADLINE_MS,
  startRevocationPlatform,
  untilStatus,
  type RevocationPlatform,
} from '../support/revocation-platform.js';

describe('Attack: an access token used after its owner logged out', () => {
  let platform: RevocationPlatform | undefined;
  afterEach(async () => {
    await platform?.stop();
    platform = undefined;
  });

  test('When a customer logs out, then within 5 s the old access token is 401 at the gateway and at a service called directly; a token issued after the logout works', async () => {
    platform = await startRevocationPlatform();
    const { gateway, inventory } = platform;
    const { email } = await platform.register();
    const session = await platform.login(email);
    const token = session.accessToken;
    expect((await request(gateway, 'GET', '/api/customers/me', { token })).status).toBe(200);
    expect((await request(inventory, 'GET', '/api/products', { token })).status).toBe(200);

    const out = await request(gateway, 'POST', '/auth/logout', {
      token,
      body: { refreshToken: session.refreshToken },
    });
    expect(out.status).toBe(204);

    const atGateway = await untilStatus(() => request(gateway, 'GET', '/api/products', { token }), 401);
    const atService = await untilStatus(() => request(inventory, 'GET', '/api/products', { token }), 401);
    expect(atGateway).toBeLessThanOrEqual(REVOCATION_DEADLINE_MS);
    expect(atService).toBeLessThanOrEqual(REVOCATION_DEADLINE_MS);
    const refused = await request(gateway, 'GET', '/api/customers/me', { token });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: { code: 'unauthorized' } });
    // The refresh token of the logged-out family is dead too.
    const refresh = await request(gateway, 'POST', '/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refresh.status).toBe(401);

    const fresh = (await platform.login(email)).accessToken;
    expect((await request(gateway, 'GET', '/api/customers/me', { token: fresh })).status).toBe(200);
    expect((await request(inventory, 'GET', '/api/products', { token: fresh })).status).toBe(200);
    // ...and the old one stays refused.
    expect((await request(inventory, 'GET', '/api/products', { token })).status).toBe(401);
  });

  test('When one device logs out, then the other device refreshes (its family is intact) and carries on', async () => {
    platform = await startRevocationPlatform();
    const { gateway, inventory } = platform;
    const { email } = await platform.register();
    const phone = await platform.login(email);
    const laptop = await platform.login(email);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(
      (
        await request(gateway, 'POST', '/auth/logout', {
          token: phone.accessToken,
          body: { refreshToken: phone.refreshToken },
        })
      ).status,
    ).toBe(204);
    await untilStatus(() => request(inventory, 'GET', '/api/products', { token: laptop.accessToken }), 401);
    const renewed = await request<{ accessToken: string }>(gateway, 'POST', '/auth/refresh', {
      body: { refreshToken: laptop.refreshToken },
    });
    expect(renewed.status).toBe(200);
    const token = renewed.body.accessToken;
    expect((await request(gateway, 'GET', '/api/customers/me', { token })).status).toBe(200);
    expect((await request(inventory, 'GET', '/api/products', { token })).status).toBe(200);
  });
});
