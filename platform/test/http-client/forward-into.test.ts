import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { runWithContext } from '../../src/context/request-context.js';
import type { CancelListener, CancelSignal, ForwardedHead } from '../../src/http-client/index.js';
import { sendJson, until, upstreamFixture } from './upstream-server.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A writable that keeps what it is given, and the head forwardInto() announced before writing to it. */
function collector(): {
  heads: ForwardedHead[];
  into: (head: ForwardedHead) => Writable;
  body: () => Buffer;
} {
  const heads: ForwardedHead[] = [];
  const chunks: Buffer[] = [];
  return {
    heads,
    into(head) {
      heads.push(head);
      return new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      });
    },
    body: () => Buffer.concat(chunks),
  };
}

/** A CancelSignal the test aborts by hand. */
function manualSignal(): CancelSignal & { abort(reason: unknown): void } {
  const listeners: CancelListener[] = [];
  const signal = {
    aborted: false,
    reason: undefined as unknown,
    addEventListener: (_type: 'abort', listener: CancelListener) => void listeners.push(listener),
    removeEventListener: (_type: 'abort', listener: CancelListener) => {
      listeners.splice(listeners.indexOf(listener), 1);
    },
    abort(reason: unknown) {
      signal.aborted = true;
      signal.reason = reason;
      for (const listener of [...listeners]) listener.handleEvent();
    },
  };
  return signal;
}

describe('UpstreamClient.forwardInto()', () => {
  const upstream = upstreamFixture();
  const { arrange } = upstream;

  test('When a large body comes back, then it is written into the writable intact, after the head without hop-by-hop headers', async () => {
    const payload = randomBytes(4 * 1024 * 1024);
    const { client } = await arrange((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        connection: 'keep-alive',
        'x-up': '1',
      });
      res.end(payload);
    });
    const sink = collector();

    const status = await runWithContext({ correlationId: 'corr-into' }, () =>
      client.forwardInto(
        { method: 'GET', path: '/blob', headers: { 'x-correlation-id': 'junk' } },
        sink.into,
      ),
    );

    expect(status).toBe(200);
    expect(sink.heads).toHaveLength(1);
    expect(sink.heads[0]?.headers['x-up']).toBe('1');
    expect(sink.heads[0]?.headers.connection).toBeUndefined();
    expect(sha256(sink.body())).toBe(sha256(payload));
    expect(upstream.server?.received[0]?.headers['x-correlation-id']).toBe('corr-into');
  });

  test('When the upstream answers 5xx, then it is written through and counts against the breaker', async () => {
    const { client } = await arrange((_req, res) => sendJson(res, 503, { error: { code: 'down' } }), {
      breaker: { volumeThreshold: 3, resetTimeoutMs: 10_000 },
    });
    const post = (sink = collector()) =>
      client.forwardInto(
        {
          method: 'POST',
          path: '/orders',
          headers: { 'content-type': 'application/json', 'content-length': '2' },
          body: Readable.from([Buffer.from('{}')]),
        },
        sink.into,
      );

    for (let i = 0; i < 3; i++) {
      const sink = collector();
      expect(await post(sink)).toBe(503);
      expect(JSON.parse(sink.body().toString())).toEqual({ error: { code: 'down' } });
    }

    expect(client.state()).toBe('open');
    const refused = collector();
    await expect(post(refused)).rejects.toMatchObject({ status: 503, reason: 'breaker_open' });
    expect(refused.heads).toHaveLength(0);
    expect(upstream.server?.received).toHaveLength(3);
  });

  test('When nothing listens, then it rejects with 503 connection_refused and never calls into', async () => {
    const subject = await upstream.arrangeUnreachable({ retries: 0 });
    const sink = collector();

    await expect(
      subject.client.forwardInto({ method: 'GET', path: '/', headers: {} }, sink.into),
    ).rejects.toMatchObject({ status: 503, reason: 'connection_refused', outcome: 'not_sent' });
    expect(sink.heads).toHaveLength(0);
  });

  test('When the headers do not come in time, then it rejects with 504 upstream_timeout', async () => {
    const { client } = await arrange(
      (_req, res) => {
        setTimeout(() => res.writeHead(200).end(), 5000).unref();
      },
      { timeoutMs: 150, retries: 0 },
    );

    await expect(
      client.forwardInto({ method: 'GET', path: '/slow', headers: {} }, collector().into),
    ).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  test('When the caller cancels before the answer, then it rejects with the reason and the breaker does not count it', async () => {
    const { client } = await arrange(
      (_req, res) => {
        setTimeout(() => res.writeHead(200).end(), 5000).unref();
      },
      { retries: 0, breaker: { volumeThreshold: 1 } },
    );
    const signal = manualSignal();
    const reason = new Error('client left');

    const call = client.forwardInto({ method: 'GET', path: '/slow', headers: {}, signal }, collector().into);
    await until(() => (upstream.server?.received.length ?? 0) === 1);
    signal.abort(reason);

    await expect(call).rejects.toBe(reason);
    expect(client.state()).toBe('closed');
  });

  test('When the writable closes mid-body, then it rejects, and the slot and the connection are freed', async () => {
    const { client } = await arrange(
      (req, res) => {
        if (req.url === '/endless') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first chunk');
          return;
        }
        res.writeHead(200).end('fine');
      },
      { maxConcurrent: 1, retries: 0 },
    );
    let written = 0;
    const target = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        done();
      },
    });
    const errors: unknown[] = [];
    target.on('error', (error) => errors.push(error));

    const call = client.forwardInto({ method: 'GET', path: '/endless', headers: {} }, () => target);
    await until(() => written > 0);
    target.destroy();

    await expect(call).rejects.toBeDefined();
    const sink = collector();
    expect(await client.forwardInto({ method: 'GET', path: '/next', headers: {} }, sink.into)).toBe(200);
    expect(sink.body().toString()).toBe('fine');
  });

  test('When a body is still being written, then it holds its bulkhead slot until it is through', async () => {
    let release: (() => void) | undefined;
    const { client } = await arrange(
      (req, res) => {
        res.writeHead(200);
        res.write('part one, ');
        if (req.url === '/slow') release = () => res.end('part two');
        else res.end('part two');
      },
      { maxConcurrent: 1 },
    );
    const first = collector();

    const firstCall = client.forwardInto({ method: 'GET', path: '/slow', headers: {} }, first.into);
    await until(() => release !== undefined && first.heads.length === 1);
    await expect(
      client.forwardInto({ method: 'GET', path: '/b', headers: {} }, collector().into),
    ).rejects.toMatchObject({ reason: 'bulkhead_full' });
    release?.();

    expect(await firstCall).toBe(200);
    expect(first.body().toString()).toBe('part one, part two');
    expect(await client.forwardInto({ method: 'GET', path: '/c', headers: {} }, collector().into)).toBe(200);
  });

  test('When a retryable GET meets 502 first, then only the successful answer reaches the writable', async () => {
    const { client } = await arrange((_req, res, index) =>
      index === 0 ? sendJson(res, 502, { error: 'flaky' }) : sendJson(res, 200, { ok: true }),
    );
    const sink = collector();

    expect(await client.forwardInto({ method: 'GET', path: '/products', headers: {} }, sink.into)).toBe(200);

    expect(sink.heads.map((head) => head.status)).toEqual([200]);
    expect(JSON.parse(sink.body().toString())).toEqual({ ok: true });
    expect(upstream.server?.received).toHaveLength(2);
  });
});
