import { describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import { stubsWithGatewayPerTest, METRICS_READER } from './support/gateway.js';

describe('Rate limits', () => {
  const lane = stubsWithGatewayPerTest();

  const rotatingForwardedFor = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i + 1}` });

  describe('GET /api/products (anonymous, per IP)', () => {
    test('When the budget is spent, then 429 rate_limited with Retry-After, and X-Forwarded-For rotation does not help', async () => {
      const gateway = await lane.start({
        RATE_LIMIT_ANONYMOUS_POINTS: '3',
        RATE_LIMIT_ANONYMOUS_DURATION_SECONDS: '60',
      });
      const before = lane.stubs['inventory-service'].requests.length;
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await request(gateway.url, 'GET', '/api/products', { headers: rotatingForwardedFor(i) });
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-limit')).toBe('3');
        expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
        remaining.push(res.headers.get('ratelimit-remaining'));
      }
      expect(remaining).toEqual(['2', '1', '0']);

      for (let i = 3; i < 6; i++) {
        const res = await request(gateway.url, 'GET', '/api/products', { headers: rotatingForwardedFor(i) });
        expect(res.status).toBe(429);
        expect(res.body).toMatchObject({ error: { code: 'rate_limited' } });
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(res.headers.get('ratelimit-remaining')).toBe('0');
      }
      expect(lane.stubs['inventory-service'].requests.length - before).toBe(3);

      const metrics = await request<string>(gateway.url, 'GET', '/metrics', { token: METRICS_READER });
      expect(metrics.body).toMatch(/rate_limit_rejections_total\{[^}]*limiter="anonymous"[^}]*\} 3/);
    });
  });

  describe('GET /api/orders (authenticated, per user)', () => {
    test('When one user spends their budget, then they get 429 and another user is unaffected', async () => {
      const gateway = await lane.start({ RATE_LIMIT_API_POINTS: '2' });
      const alice = tokenFor({ id: 'alice', role: 'customer' });
      const bob = tokenFor({ id: 'bob', role: 'customer' });
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await request(gateway.url, 'GET', '/api/orders', { token: alice })).status);
      expect(statuses).toEqual([200, 200, 429]);
      const other = await request(gateway.url, 'GET', '/api/orders', { token: bob });
      expect(other.status).toBe(200);
      expect(other.headers.get('ratelimit-remaining')).toBe('1');
    });
  });

  describe('POST /auth/register (per IP)', () => {
    test('When the auth budget is spent, then 429', async () => {
      const gateway = await lane.start({ RATE_LIMIT_AUTH_POINTS: '2' });
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const res = await request(gateway.url, 'POST', '/auth/register', {
          body: { name: 'N', email: `n${i}@example.com`, password: 'correct horse battery' },
          headers: rotatingForwardedFor(i),
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    });
  });

  describe('TRUST_PROXY_HOPS', () => {
    test('When one proxy is trusted, then the client is the last X-Forwarded-For entry and what it prepends is ignored', async () => {
      const gateway = await lane.start({ RATE_LIMIT_ANONYMOUS_POINTS: '1', TRUST_PROXY_HOPS: '1' });
      const first = await request(gateway.url, 'GET', '/api/products', {
        headers: { 'x-forwarded-for': '203.0.113.1' },
      });
      const second = await request(gateway.url, 'GET', '/api/products', {
        headers: { 'x-forwarded-for': '203.0.113.2' },
      });
      const spoofed = await request(gateway.url, 'GET', '/api/products', {
        headers: { 'x-forwarded-for': '10.9.9.9, 203.0.113.1' },
      });
      expect([first.status, second.status, spoofed.status]).toEqual([200, 200, 429]);
      expect(lane.stubs['inventory-service'].requests.at(-1)?.headers['x-forwarded-for']).toBe('203.0.113.2');
    });
  });

  describe('POST /auth/login brute force', () => {
    const wrongPassword = () => {
      lane.stubs['customer-service'].answer = (req) => {
        const body = JSON.parse(req.body) as { password?: string };
        return body.password === 'right-password'
          ? { status: 200, body: { accessToken: 'token', tokenType: 'Bearer' } }
          : {
              status: 401,
              body: { error: { code: 'invalid_credentials', message: 'Invalid email or password' } },
            };
      };
    };

    test('When one e-mail fails repeatedly (any letter case, rotating X-Forwarded-For), then 429 with Retry-After', async () => {
      const gateway = await lane.start({
        RATE_LIMIT_LOGIN_EMAIL_POINTS: '3',
        RATE_LIMIT_LOGIN_IP_POINTS: '100',
      });
      wrongPassword();
      const before = lane.stubs['customer-service'].callsTo('/auth/login').length;
      const emails = [
        'victim@example.com',
        'Victim@Example.com',
        ' VICTIM@example.com ',
        'victim@EXAMPLE.com',
        'victim@example.com',
      ];
      const statuses: number[] = [];
      let lastRetryAfter: string | null = null;
      for (const [i, email] of emails.entries()) {
        const res = await request(gateway.url, 'POST', '/auth/login', {
          body: { email, password: `guess-${i}` },
          headers: rotatingForwardedFor(i),
        });
        statuses.push(res.status);
        lastRetryAfter = res.headers.get('retry-after');
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(Number(lastRetryAfter)).toBeGreaterThanOrEqual(1);
      const forwarded = lane.stubs['customer-service'].callsTo('/auth/login').slice(before);
      expect(forwarded).toHaveLength(3);
      expect(JSON.parse(forwarded[0]?.body ?? '')).toEqual({
        email: 'victim@example.com',
        password: 'guess-0',
      });
    });

    test('When one IP tries many e-mails (rotating X-Forwarded-For), then 429 after the per-IP budget', async () => {
      const gateway = await lane.start({
        RATE_LIMIT_LOGIN_EMAIL_POINTS: '100',
        RATE_LIMIT_LOGIN_IP_POINTS: '4',
      });
      wrongPassword();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await request(gateway.url, 'POST', '/auth/login', {
          body: { email: `user${i}@example.com`, password: 'guess' },
          headers: rotatingForwardedFor(i),
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    });

    test('When a login succeeds, then the e-mail’s earlier failures are forgiven', async () => {
      const gateway = await lane.start({
        RATE_LIMIT_LOGIN_EMAIL_POINTS: '3',
        RATE_LIMIT_LOGIN_IP_POINTS: '100',
      });
      wrongPassword();
      const attempt = async (password: string) =>
        (
          await request(gateway.url, 'POST', '/auth/login', {
            body: { email: 'carol@example.com', password },
          })
        ).status;
      const statuses = [await attempt('a'), await attempt('b'), await attempt('right-password')];
      for (let i = 0; i < 4; i++) statuses.push(await attempt(`c${i}`));
      expect(statuses).toEqual([401, 401, 200, 401, 401, 401, 429]);
    });
  });
});
