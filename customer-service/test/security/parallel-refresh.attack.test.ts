import { afterEach, describe, expect, test } from 'vitest';
import { request, testTokens } from '@shop/platform/tools/testing';
import {
  registeredCustomer,
  startCustomerService,
  type LoginBody,
  type RunningCustomerService,
} from '../support/customer-service.js';

const TAB = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) shop-tab' };

function refresh(url: string, refreshToken: string, headers: Record<string, string> = TAB) {
  return request<LoginBody>(url, 'POST', '/auth/refresh', { body: { refreshToken }, headers });
}

describe('Attack: a refresh token presented twice (parallel tabs, or a thief)', () => {
  const running: RunningCustomerService[] = [];
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
  });
  async function start(env: Record<string, string> = {}) {
    const service = await startCustomerService({ env });
    running.push(service);
    return service;
  }

  test('When one client refreshes one token twice at once within the grace window (10 s by default), then both succeed and the family lives on', async () => {
    const service = await start();
    const { session } = await registeredCustomer(service.url);
    const [one, two] = await Promise.all([
      refresh(service.url, session.refreshToken),
      refresh(service.url, session.refreshToken),
    ]);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(one.body.refreshToken).not.toBe(two.body.refreshToken);
    // Both new pairs belong to a live family: each refreshes again, each access token works.
    for (const pair of [one.body, two.body]) {
      expect(
        (await request(service.url, 'GET', '/api/customers/me', { token: pair.accessToken })).status,
      ).toBe(200);
      expect((await refresh(service.url, pair.refreshToken)).status).toBe(200);
    }
  });

  test('When the same client presents the rotated token again after the window (1 s configured), then it is reuse: the whole family is revoked', async () => {
    const service = await start({ REFRESH_REUSE_GRACE_SECONDS: '1' });
    const { session } = await registeredCustomer(service.url);
    const first = await refresh(service.url, session.refreshToken);
    expect(first.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const late = await refresh(service.url, session.refreshToken);
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ error: { code: 'refresh_token_reused' } });
    // The newest token of the family is dead too.
    const newest = await refresh(service.url, first.body.refreshToken);
    expect(newest.status).toBe(401);
  });

  test('When the grace window has passed, then a refresh within it does not extend it: the window never slides', async () => {
    const service = await start({ REFRESH_REUSE_GRACE_SECONDS: '1' });
    const { session } = await registeredCustomer(service.url);
    expect((await refresh(service.url, session.refreshToken)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await refresh(service.url, session.refreshToken)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const late = await refresh(service.url, session.refreshToken);
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ error: { code: 'refresh_token_reused' } });
  });

  test('When another client (another User-Agent) presents the rotated token within the window, then it is reuse: the family is revoked', async () => {
    const service = await start();
    const { session } = await registeredCustomer(service.url);
    const first = await refresh(service.url, session.refreshToken);
    expect(first.status).toBe(200);
    const thief = await refresh(service.url, session.refreshToken, { 'user-agent': 'curl/8.5.0' });
    expect(thief.status).toBe(401);
    expect(thief.body).toMatchObject({ error: { code: 'refresh_token_reused' } });
    expect((await refresh(service.url, first.body.refreshToken)).status).toBe(401);
    // Once revoked, the family stays revoked for the legitimate client too.
    expect((await refresh(service.url, session.refreshToken)).status).toBe(401);
  });

  test('When another client address (vouched for by the gateway) presents the rotated token within the window, then it is reuse: the family is revoked', async () => {
    const service = await start();
    const gateway = testTokens();
    const { session } = await registeredCustomer(service.url);
    const at = (address: string) => ({ ...TAB, 'x-forwarded-client': gateway.signClientAddress(address) });
    const first = await refresh(service.url, session.refreshToken, at('198.51.100.7'));
    expect(first.status).toBe(200);
    const elsewhere = await refresh(service.url, session.refreshToken, at('203.0.113.9'));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body).toMatchObject({ error: { code: 'refresh_token_reused' } });
    expect((await refresh(service.url, first.body.refreshToken, at('198.51.100.7'))).status).toBe(401);
  });

  test('When the grace is turned off (0), then even the same client presenting a rotated token at once revokes the family', async () => {
    const service = await start({ REFRESH_REUSE_GRACE_SECONDS: '0' });
    const { session } = await registeredCustomer(service.url);
    const first = await refresh(service.url, session.refreshToken);
    expect(first.status).toBe(200);
    expect((await refresh(service.url, session.refreshToken)).status).toBe(401);
    expect((await refresh(service.url, first.body.refreshToken)).status).toBe(401);
  });
});
