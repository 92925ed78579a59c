import { afterEach, describe, expect, test } from 'vitest';
import { connect, type Socket } from 'node:net';
import type { RunningServer } from '../../src/runtime/index.js';
import { startProbeService } from '../../src/testing/index.js';

/** Opens a connection and dribbles a request head that never ends; resolves with when it was closed. */
function slowClient(url: string, startedAt: number): { socket: Socket; closedAfterMs: Promise<number> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const drip = setInterval(() => {
    if (!socket.destroyed) socket.write('X-Slow: a\r\n');
  }, 200);
  socket.on('connect', () => socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n'));
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const closedAfterMs = new Promise<number>((resolve) =>
    socket.on('close', () => {
      clearInterval(drip);
      resolve(Date.now() - startedAt);
    }),
  );
  return { socket, closedAfterMs };
}

describe('Attack: slowloris, a few connections that send their headers forever', () => {
  let server: RunningServer | undefined;
  let clients: Socket[] = [];
  afterEach(async () => {
    for (const socket of clients) socket.destroy();
    clients = [];
    await server?.stop();
    server = undefined;
  });

  /** Starts a server with `limits`, holds `count` slow connections open, then opens one more past them. */
  async function oneMoreThan(count: number, limits: Parameters<typeof startProbeService>[0]) {
    const running = await startProbeService(limits);
    server = running;
    const startedAt = Date.now();
    const held = Array.from({ length: count }, () => slowClient(running.url, startedAt));
    clients = held.map((client) => client.socket);
    await Promise.all(held.map((client) => new Promise((resolve) => client.socket.once('connect', resolve))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const extra = slowClient(running.url, Date.now());
    clients.push(extra.socket);
    return { url: running.url, held, extra };
  }

  test('When 4 clients dribble headers, then each is cut off within a few seconds of the header timeout, and others are served meanwhile', async () => {
    server = await startProbeService({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const startedAt = Date.now();
    const slow = Array.from({ length: 4 }, () => slowClient(server!.url, startedAt));
    clients = slow.map((client) => client.socket);
    const served = await fetch(`${server.url}/health/live`);
    expect(served.status).toBe(200);
    const closedAfter = await Promise.all(slow.map((client) => client.closedAfterMs));
    for (const ms of closedAfter) {
      expect(ms).toBeGreaterThanOrEqual(900);
      // The default would be 5 minutes (node's requestTimeout) checked every 30 s.
      expect(ms).toBeLessThan(4_000);
    }
  });

  test('When one address opens more connections than its cap, then the extra one is closed at once, and once one of its connections leaves a new one is served', async () => {
    const { url, held, extra } = await oneMoreThan(3, { maxConnectionsPerIp: 3, headersTimeoutMs: 5_000 });
    expect(await extra.closedAfterMs).toBeLessThan(1_000);
    held[0]!.socket.destroy();
    await held[0]!.closedAfterMs;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const afterOneLeft = await fetch(`${url}/health/live`);
    expect(afterOneLeft.status).toBe(200);
  });

  test('When the server holds its maximum of connections, then a new one is refused', async () => {
    const { extra } = await oneMoreThan(2, { maxConnections: 2, headersTimeoutMs: 5_000 });
    expect(await extra.closedAfterMs).toBeLessThan(1_000);
  });
});
