import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach } from 'vitest';
import { createMetricsRegistry, type Registry } from '../../src/metrics/registry.js';
import {
  createUpstreamClient,
  type UpstreamClient,
  type UpstreamOptions,
} from '../../src/http-client/index.js';
import { captureLogger } from '../../src/testing/index.js';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** Handles the `index`-th request (0-based) the server received. */
export type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

/** A real HTTP server on 127.0.0.1, port 0, that records every request it receives. */
export interface UpstreamServer {
  readonly url: string;
  readonly received: ReceivedRequest[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startUpstreamServer(handler: Handler): Promise<UpstreamServer> {
  const received: ReceivedRequest[] = [];
  let current = handler;
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    current(req, res, received.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    handle(next) {
      current = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TestClient {
  client: UpstreamClient;
  registry: Registry;
  lines: () => Record<string, unknown>[];
}

export const UPSTREAM = 'inventory-service';

/** A client for `baseUrl` with its own registry and an in-memory logger; fast retries unless overridden. */
export function testClient(baseUrl: string, overrides: Partial<UpstreamOptions> = {}): TestClient {
  const registry = createMetricsRegistry('test-service', { collectDefault: false });
  const { logger, lines } = captureLogger('test-service');
  const client = createUpstreamClient({
    name: UPSTREAM,
    baseUrl,
    logger,
    registry,
    retryBaseMs: 1,
    ...overrides,
  });
  return { client, registry, lines };
}

/** One upstream server and one client of it per test, both closed after each test. */
export interface UpstreamFixture {
  /** The current test's server, once arranged. */
  readonly server: UpstreamServer | undefined;
  /** The current test's client, once arranged. */
  readonly subject: TestClient | undefined;
  /** Starts a server answering with `handler` and a client of it: the fixture's defaults, then `options`. */
  arrange: (handler: Handler, options?: Partial<UpstreamOptions>) => Promise<TestClient>;
  /** A client of a port nothing listens on (the fixture's defaults, then `options`). */
  arrangeUnreachable: (options?: Partial<UpstreamOptions>) => Promise<TestClient>;
}

/** Registers the fixture's afterEach in the calling describe block: call it there, once. */
export function upstreamFixture(defaults: Partial<UpstreamOptions> = {}): UpstreamFixture {
  let server: UpstreamServer | undefined;
  let subject: TestClient | undefined;
  afterEach(async () => {
    await subject?.client.close();
    await server?.close();
    server = undefined;
    subject = undefined;
  });
  return {
    get server() {
      return server;
    },
    get subject() {
      return subject;
    },
    async arrange(handler, options = {}) {
      server = await startUpstreamServer(handler);
      subject = testClient(server.url, { ...defaults, ...options });
      return subject;
    },
    async arrangeUnreachable(options = {}) {
      subject = testClient(`http://127.0.0.1:${await closedPort()}`, { ...defaults, ...options });
      return subject;
    },
  };
}

/** Polls until `condition` holds; fails after `limitMs` so a broken feature cannot hang the file. */
export async function until(condition: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${limitMs} ms`);
    await sleep(5);
  }
}

/** The value of one series of a metric, read through the registry. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  const { values } = await metric.get();
  const series = values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  );
  return series?.value;
}
