import type { ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import { sendJson, until, UPSTREAM, upstreamFixture } from './upstream-server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition into samples (label order in the text is not fixed). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1] ?? ''] = pair[2] ?? '';
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

function find(samples: Sample[], name: string, labels: Record<string, string>): Sample | undefined {
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

describe('UpstreamClient metrics', () => {
  const upstream = upstreamFixture();

  test('When calls succeed, fail, time out, overflow the bulkhead and hit an open breaker, then every series of the metric catalogue is exposed with its labels', async () => {
    const held: ServerResponse[] = [];
    const { client, registry } = await upstream.arrange(
      (req, res) => {
        if (req.url === '/ok') sendJson(res, 200, {});
        else if (req.url === '/missing') sendJson(res, 404, {});
        else if (req.url === '/broken') sendJson(res, 500, {});
        else held.push(res);
      },
      {
        retries: 0,
        // Long enough that only the held request times out, even on a busy machine.
        timeoutMs: 1000,
        maxConcurrent: 1,
        breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 10_000 },
      },
    );

    await client.request({ method: 'GET', path: '/ok' });
    await client.request({ method: 'GET', path: '/missing' });
    const slow = client.request({ method: 'GET', path: '/hang' }).catch((error: unknown) => error);
    await until(() => held.length === 1);
    await expect(client.request({ method: 'GET', path: '/ok' })).rejects.toMatchObject({
      reason: 'bulkhead_full',
    });
    await expect(slow).resolves.toMatchObject({ reason: 'timeout' });
    await client.request({ method: 'POST', path: '/broken' });
    await client.request({ method: 'POST', path: '/broken' });
    await expect(client.request({ method: 'GET', path: '/ok' })).rejects.toMatchObject({
      reason: 'breaker_open',
    });

    const samples = parseExposition(await registry.metrics());
    const service = 'test-service';
    expect(find(samples, 'circuit_breaker_state', { service, upstream: UPSTREAM })?.value).toBe(2);
    const events = (event: string) =>
      find(samples, 'circuit_breaker_events_total', { service, upstream: UPSTREAM, event })?.value;
    expect(events('success')).toBe(2);
    expect(events('failure')).toBe(3);
    expect(events('timeout')).toBe(1);
    expect(events('open')).toBe(1);
    expect(events('reject')).toBe(1);
    expect(events('bulkheadRejected')).toBe(1);
    const attempts = (method: string, status: string) =>
      find(samples, 'upstream_request_duration_seconds_count', {
        service,
        upstream: UPSTREAM,
        method,
        status,
      })?.value;
    expect(attempts('GET', '200')).toBe(1);
    expect(attempts('GET', '404')).toBe(1);
    expect(attempts('GET', 'timeout')).toBe(1);
    expect(attempts('POST', '500')).toBe(2);
    expect(
      find(samples, 'upstream_request_duration_seconds_bucket', { le: '+Inf', method: 'GET', status: '200' }),
    ).toBeDefined();
    // Every series names the breaker's lane; a client with one breaker for every call is `all`.
    for (const sample of samples) expect(sample.labels.route_class, sample.name).toBe('all');
    const outcome = (name: string, breaker: string) =>
      find(samples, 'upstream_outcomes_total', { service, upstream: UPSTREAM, outcome: name, breaker })
        ?.value;
    expect(outcome('ok', 'success')).toBe(1);
    expect(outcome('client_error', 'success')).toBe(1);
    expect(outcome('timeout', 'failure')).toBe(1);
    expect(outcome('server_error', 'failure')).toBe(2);
    expect(outcome('bulkhead_full', 'not_sent')).toBe(1);
    expect(outcome('breaker_open', 'not_sent')).toBe(1);
  });
});
