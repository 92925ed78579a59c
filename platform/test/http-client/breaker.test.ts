import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { UpstreamError } from '../../src/http-client/index.js';
import {
  UPSTREAM,
  metricValue,
  sendJson,
  startUpstreamServer,
  testClient,
  until,
  type TestClient,
  type UpstreamServer,
} from './upstream-server.js';

const breakerSettings = { errorThresholdPercentage: 50, volumeThreshold: 4, resetTimeoutMs: 300 };

describe('Upstream client circuit breaker', () => {
  let upstream: UpstreamServer;
  let subject: TestClient;

  beforeEach(async () => {
    upstream = await startUpstreamServer((_req, res) => sendJson(res, 500, { error: 'boom' }));
    subject = testClient(upstream.url, { retries: 0, breaker: breakerSettings });
  });

  afterEach(async () => {
    await subject.client.close();
    await upstream.close();
  });

  const breakerState = () => metricValue(subject.registry, 'circuit_breaker_state', { upstream: UPSTREAM });

  async function tripBreaker(): Promise<void> {
    for (let i = 0; i < breakerSettings.volumeThreshold; i++) {
      const response = await subject.client.request({ method: 'GET', path: '/stock' });
      expect(response.status).toBe(500);
    }
  }

  test('When the upstream keeps answering 500, then the breaker opens at the threshold and fails fast without calling it', async () => {
    await tripBreaker();
    expect(subject.client.state()).toBe('open');
    expect(await breakerState()).toBe(2);
    const seenWhenOpened = upstream.received.length;

    const rejections = await Promise.allSettled(
      Array.from({ length: 5 }, () => subject.client.request({ method: 'GET', path: '/stock' })),
    );

    expect(upstream.received).toHaveLength(seenWhenOpened);
    for (const rejection of rejections) {
      expect(rejection.status).toBe('rejected');
      const error = (rejection as PromiseRejectedResult).reason as UpstreamError;
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        status: 503,
        code: 'upstream_unavailable',
        reason: 'breaker_open',
        outcome: 'not_sent',
        expose: true,
      });
      expect(Number(error.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    }
    const opened = subject.lines().find((line) => line.upstream === UPSTREAM);
    expect(opened?.['log.level']).toBe('warn');
    expect(String(opened?.message)).toContain('opened');
  });

  test('When the reset timeout passes, then exactly one of several concurrent calls probes the upstream and its success closes the breaker', async () => {
    await tripBreaker();
    await until(() => subject.client.state() === 'half-open');
    expect(await breakerState()).toBe(1);
    // A slow healthy answer keeps the probe in flight while the other calls arrive.
    upstream.handle((_req, res) => {
      setTimeout(() => sendJson(res, 200, { ok: true }), 100);
    });
    const seenBeforeProbe = upstream.received.length;

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => subject.client.request({ method: 'GET', path: '/stock' })),
    );

    expect(upstream.received.length - seenBeforeProbe).toBe(1);
    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(fulfilled[0]?.value.status).toBe(200);
    expect(rejected).toHaveLength(4);
    for (const rejection of rejected)
      expect(rejection.reason).toMatchObject({ reason: 'breaker_open', status: 503 });
    expect(subject.client.state()).toBe('closed');
    expect(await breakerState()).toBe(0);
    const transitions = subject
      .lines()
      .filter((line) => line.upstream === UPSTREAM)
      .map((line) => [line['log.level'], line.message]);
    expect(transitions).toEqual([
      ['warn', expect.stringContaining('opened')],
      ['warn', expect.stringContaining('half-open')],
      ['info', expect.stringContaining('closed')],
    ]);
  });

  test('When the half-open probe fails, then the breaker opens again', async () => {
    await tripBreaker();
    await until(() => subject.client.state() === 'half-open');

    const probe = await subject.client.request({ method: 'GET', path: '/stock' });

    expect(probe.status).toBe(500);
    expect(subject.client.state()).toBe('open');
    expect(await breakerState()).toBe(2);
  });

  test('When the breaker closes after turning many calls away, then the next failures open it again at the ratio of calls made', async () => {
    await tripBreaker();
    // Callers keep coming while it is open: each is refused without reaching the upstream.
    for (let i = 0; i < 20; i++) {
      await expect(subject.client.request({ method: 'GET', path: '/stock' })).rejects.toMatchObject({
        reason: 'breaker_open',
      });
    }
    await until(() => subject.client.state() === 'half-open');
    upstream.handle((_req, res) => sendJson(res, 200, { ok: true }));
    expect((await subject.client.request({ method: 'GET', path: '/stock' })).status).toBe(200);
    expect(subject.client.state()).toBe('closed');
    upstream.handle((_req, res) => sendJson(res, 500, { error: 'down again' }));
    const seen = upstream.received.length;

    // The refused calls do not dilute the new failures, and the window started afresh at the close.
    for (let i = 0; i < breakerSettings.volumeThreshold; i++) {
      expect((await subject.client.request({ method: 'GET', path: '/stock' })).status).toBe(500);
    }

    expect(subject.client.state()).toBe('open');
    expect(upstream.received.length - seen).toBe(breakerSettings.volumeThreshold);
  });

  test('When the upstream answers 404 and 400 many times, then the breaker stays closed', async () => {
    upstream.handle((_req, res, index) => sendJson(res, index % 2 === 0 ? 404 : 400, { error: 'client' }));

    for (let i = 0; i < 20; i++) {
      const response = await subject.client.request({ method: 'GET', path: `/products/${i}` });
      expect(response.status).toBe(i % 2 === 0 ? 404 : 400);
    }

    expect(subject.client.state()).toBe('closed');
    expect(await breakerState()).toBe(0);
    const events = (event: string) =>
      metricValue(subject.registry, 'circuit_breaker_events_total', { upstream: UPSTREAM, event });
    expect(await events('success')).toBe(20);
    expect(await events('failure')).toBeUndefined();
  });

  test('When the caller aborts a slow call, then it rejects with the abort reason and the breaker counts no failure', async () => {
    upstream.handle((_req, res) => {
      setTimeout(() => sendJson(res, 200, { ok: true }), 2000).unref();
    });
    const controller = new AbortController();
    const reason = new Error('client went away');

    const call = subject.client.request({ method: 'GET', path: '/stock', signal: controller.signal });
    await until(() => upstream.received.length === 1);
    controller.abort(reason);

    await expect(call).rejects.toBe(reason);
    await sleep(10);
    expect(subject.client.state()).toBe('closed');
    expect(
      await metricValue(subject.registry, 'circuit_breaker_events_total', {
        upstream: UPSTREAM,
        event: 'failure',
      }),
    ).toBeUndefined();
  });
});
