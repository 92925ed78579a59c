import { afterEach, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import {
  PASSWORD,
  REVOCATION_DEADLINE_MS,
  startRevocationPlatform,
  untilStatus,
  type RevocationPlatform,
} from '../support/revocation-platform.js';

const NEW_PASSWORD = 'another-long-passphrase-7';
const FEED_POLL_MARGIN_MS = 1_500;

describe('Attack: a stolen access token used to change the password or the e-mail', () => {
  let platform: RevocationPlatform | undefined;
  afterEach(async () => {
    await platform?.stop();
    platform = undefined;
  });

  test('When the current password is wrong (or missing for an e-mail change), then it is 4xx, nothing changes and the session lives on', async () => {
    platform = await startRevocationPlatform();
    const { gateway, inventory } = platform;
    const { email } = await platform.register();
    const session = await platform.login(email);
    const token = session.accessToken;

    const password = await request(gateway, 'PUT', '/api/customers/me/password', {
      token,
      body: { currentPassword: 'a-wrong-guess-1234', newPassword: NEW_PASSWORD },
    });
    expect(password.status).toBe(403);
    expect(password.body).toMatchObject({ error: { code: 'invalid_current_password' } });
    const withoutPassword = await request(gateway, 'PATCH', '/api/customers/me', {
      token,
      body: { email: 'thief@example.com' },
    });
    expect(withoutPassword.status).toBe(400);
    expect(withoutPassword.body).toMatchObject({ error: { code: 'current_password_required' } });
    const wrongPassword = await request(gateway, 'PATCH', '/api/customers/me', {
      token,
      body: { email: 'thief@example.com', currentPassword: 'a-wrong-guess-1234' },
    });
    expect(wrongPassword.status).toBe(403);
    expect(wrongPassword.body).toMatchObject({ error: { code: 'invalid_current_password' } });

    // Nothing changed: after more than a poll of the feed, the token still works everywhere, the e-mail and
    // the password are the old ones, the refresh token still refreshes.
    await new Promise((resolve) => setTimeout(resolve, FEED_POLL_MARGIN_MS));
    const me = await request(gateway, 'GET', '/api/customers/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email });
    expect((await request(inventory, 'GET', '/api/products', { token })).status).toBe(200);
    const refresh = await request(gateway, 'POST', '/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refresh.status).toBe(200);
    await platform.login(email, PASSWORD);
    const thief = await request(gateway, 'POST', '/auth/login', {
      body: { email: 'thief@example.com', password: PASSWORD },
    });
    expect(thief.status).toBe(401);
  });

  test('When the current password is guessed, then each wrong guess counts against the login budget of the account: the next login waits too', async () => {
    platform = await startRevocationPlatform({ RATE_LIMIT_LOGIN_EMAIL_POINTS: '3' });
    const { gateway } = platform;
    const { email } = await platform.register();
    const token = (await platform.login(email)).accessToken;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await request(gateway, 'PUT', '/api/customers/me/password', {
        token,
        body: { currentPassword: `wrong-guess-${attempt}-abcd`, newPassword: NEW_PASSWORD },
      });
      statuses.push(res.status);
    }
    const viaEmail = await request(gateway, 'PATCH', '/api/customers/me', {
      token,
      body: { email: 'thief@example.com', currentPassword: 'wrong-guess-2-abcd' },
    });
    statuses.push(viaEmail.status);
    expect(statuses).toEqual([403, 403, 403]);
    // The budget (3 per e-mail) is spent: the right password is refused at the change and at login alike.
    const right = await request(gateway, 'PUT', '/api/customers/me/password', {
      token,
      body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    expect(right.status).toBe(429);
    expect(right.body).toMatchObject({ error: { code: 'rate_limited' } });
    const login = await request(platform.customers, 'POST', '/auth/login', {
      body: { email, password: PASSWORD },
    });
    expect(login.status).toBe(429);
    // The password did not change.
    const newLogin = await request(platform.customers, 'POST', '/auth/login', {
      body: { email, password: NEW_PASSWORD },
    });
    expect(newLogin.status).toBe(429);
  });

  test('When the password changes, then the refresh family is revoked at once and the access tokens within 5 s at the gateway and the service', async () => {
    platform = await startRevocationPlatform();
    const { gateway, inventory } = platform;
    const { email } = await platform.register();
    const session = await platform.login(email);
    const other = await platform.login(email);
    const token = session.accessToken;
    const changed = await request(gateway, 'PUT', '/api/customers/me/password', {
      token,
      body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    expect(changed.status).toBe(204);
    for (const refreshToken of [session.refreshToken, other.refreshToken]) {
      expect((await request(gateway, 'POST', '/auth/refresh', { body: { refreshToken } })).status).toBe(401);
    }
    const atGateway = await untilStatus(() => request(gateway, 'GET', '/api/products', { token }), 401);
    const atService = await untilStatus(() => request(inventory, 'GET', '/api/products', { token }), 401);
    expect(atGateway).toBeLessThanOrEqual(REVOCATION_DEADLINE_MS);
    expect(atService).toBeLessThanOrEqual(REVOCATION_DEADLINE_MS);
    expect((await request(inventory, 'GET', '/api/products', { token: other.accessToken })).status).toBe(401);
    const old = await request(gateway, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(old.status).toBe(401);
    const fresh = (await platform.login(email, NEW_PASSWORD)).accessToken;
    expect((await request(inventory, 'GET', '/api/products', { token: fresh })).status).toBe(200);
  });

  test('When the e-mail changes with the current password, then the refresh family is revoked and the access tokens within 5 s; the new e-mail signs in', async () => {
    platform = await startRevocationPlatform();
    const { gateway, inventory } = platform;
    const { email } = await platform.register();
    const session = await platform.login(email);
    const token = session.accessToken;
    const newEmail = `new-${email}`;
    const changed = await request(gateway, 'PATCH', '/api/customers/me', {
      token,
      body: { email: newEmail, currentPassword: PASSWORD },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ email: newEmail });
    const refresh = await request(gateway, 'POST', '/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refresh.status).toBe(401);
    const atGateway = await untilStatus(() => request(gateway, 'GET', '/api/customers/me', { token }), 401);
    const atService = await untilStatus(() => request(inventory, 'GET', '/api/products', { token }), 401);
    expect(atGateway).toBeLessThanOrEqual(REVOCATION_DEADLINE_MS);
    expect(atService).toBeLessThanOrEqual(REVOCATION_DEADLINE_MS);
    const fresh = (await platform.login(newEmail)).accessToken;
    expect((await request(gateway, 'GET', '/api/customers/me', { token: fresh })).body).toMatchObject({
      email: newEmail,
    });
    const old = await request(gateway, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(old.status).toBe(401);
  });
});
