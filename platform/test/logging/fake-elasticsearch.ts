import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake answers to one POST /_bulk: a status with a body, or no answer at all (ES hanging). */
export type BulkReply = { status: number; body?: unknown } | 'hang';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A local HTTP endpoint speaking the parts of the Elasticsearch REST API the ES client and
 * winston-elasticsearch use (root info, cluster health, templates, _bulk, _search). Elasticsearch
 * itself cannot run here, so tests assert the exact wire format against this.
 */
export interface FakeElasticsearch {
  url: string;
  requests: ReceivedRequest[];
  /** Raw NDJSON bodies of every POST /_bulk, answered or not. */
  bulkBodies(): string[];
  /** Bulk requests received and not answered yet (see BulkReply 'hang'). */
  pendingBulks(): number;
  close(): Promise<void>;
}

export interface FakeElasticsearchOptions {
  /** Decides the answer to each bulk request (default: every item created). */
  bulk?: (body: string, attempt: number) => BulkReply;
  /** Answers POST /<index>/_search (default: no hits). */
  search?: (path: string, body: unknown) => { status: number; body: unknown };
}

export function acceptAllBulk(body: string): BulkReply {
  const lines = body.split('\n').filter(Boolean);
  const items: unknown[] = [];
  for (let index = 0; index < lines.length; index += 2) {
    const action = JSON.parse(lines[index] as string) as Record<string, { _index?: string; _id?: string }>;
    const [type, target] = Object.entries(action)[0] ?? ['index', {}];
    items.push({
      [type]: { _index: target._index, _id: target._id ?? 'generated', status: 201, result: 'created' },
    });
  }
  return { status: 200, body: { took: 1, errors: false, items } };
}

export async function startFakeElasticsearch(
  options: FakeElasticsearchOptions = {},
): Promise<FakeElasticsearch> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let bulkAttempt = 0;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const pathname = path.split('?')[0] ?? '/';
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      if (req.method === 'POST' && pathname.endsWith('/_bulk')) {
        bulkAttempt += 1;
        const reply = (options.bulk ?? acceptAllBulk)(body, bulkAttempt);
        if (reply === 'hang') {
          hanging.add(res);
          return;
        }
        send(res, reply.status, reply.body);
      } else if (pathname.endsWith('/_search')) {
        const answer = options.search?.(path, body === '' ? undefined : JSON.parse(body)) ?? {
          status: 200,
          body: { hits: { total: { value: 0, relation: 'eq' }, hits: [] } },
        };
        send(res, answer.status, answer.body);
      } else if (pathname === '/_cluster/health') {
        send(res, 200, { cluster_name: 'fake', status: 'green', number_of_nodes: 1 });
      } else if (pathname.startsWith('/_index_template') || pathname.startsWith('/_template')) {
        send(res, 200, req.method === 'HEAD' ? undefined : { acknowledged: true });
      } else if (pathname === '/') {
        send(res, 200, {
          name: 'fake',
          cluster_name: 'fake',
          version: { number: '8.15.3', build_flavor: 'default' },
          tagline: 'You Know, for Search',
        });
      } else {
        send(res, 404, {
          error: { type: 'not_found', reason: `no fake for ${req.method} ${path}` },
          status: 404,
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bulkBodies: () =>
      requests
        .filter((r) => r.method === 'POST' && r.path.split('?')[0]?.endsWith('/_bulk'))
        .map((r) => r.body),
    pendingBulks: () => hanging.size,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL nobody listens on (a port that was just free). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Splits a _bulk body into [action, document] pairs (index/create actions are always followed by a doc). */
export function bulkPairs(body: string): Array<[Record<string, unknown>, Record<string, unknown>]> {
  const lines = body.split('\n');
  if (lines.pop() !== '') throw new Error('a _bulk body must end with a newline');
  const pairs: Array<[Record<string, unknown>, Record<string, unknown>]> = [];
  for (let index = 0; index < lines.length; index += 2) {
    pairs.push([
      JSON.parse(lines[index] as string) as Record<string, unknown>,
      JSON.parse(lines[index + 1] as string) as Record<string, unknown>,
    ]);
  }
  return pairs;
}
