import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StubAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/**
 * A real HTTP server standing in for one service: records what reaches it and answers as told
 * (status, delay, custom handler), and can be closed so that connections are refused.
 */
export interface UpstreamStub {
  readonly name: string;
  readonly url: string;
  /** Every request except readiness probes, in arrival order. */
  readonly requests: RecordedRequest[];
  /** How many times /health/ready was asked. */
  readonly readinessProbes: number;
  /** Answer to every non-health request; a function decides per request. */
  answer: StubAnswer | ((request: RecordedRequest) => StubAnswer);
  /** Readiness reported on /health/ready, after `readyDelayMs`. */
  ready: boolean;
  readyDelayMs: number;
  /** Calls the stub has received whose URL starts with `prefix`. */
  callsTo(prefix: string): RecordedRequest[];
  /** Stops listening: later calls are refused. */
  close(): Promise<void>;
}

export async function startUpstreamStub(name: string): Promise<UpstreamStub> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let readinessProbes = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/health/ready') {
        readinessProbes++;
        const report = () => {
          if (res.destroyed) return;
          res.writeHead(stub.ready ? 200 : 503, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              service: name,
              status: stub.ready ? 'ready' : 'not_ready',
              checks: { db: { ok: stub.ready } },
            }),
          );
        };
        if (stub.readyDelayMs === 0) return report();
        const timer = setTimeout(() => {
          timers.delete(timer);
          report();
        }, stub.readyDelayMs);
        timers.add(timer);
        return;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const answer = typeof stub.answer === 'function' ? stub.answer(recorded) : stub.answer;
      const send = () => {
        if (res.destroyed) return;
        const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
        res.writeHead(answer.status, {
          ...(payload === '' ? {} : { 'content-type': 'application/json' }),
          'x-powered-by': 'stub',
          ...answer.headers,
        });
        res.end(payload);
      };
      if (answer.delayMs === undefined) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const stub: UpstreamStub = {
    name,
    url: `http://127.0.0.1:${port}`,
    requests,
    get readinessProbes() {
      return readinessProbes;
    },
    answer: { status: 200, body: { ok: true, service: name } },
    ready: true,
    readyDelayMs: 0,
    callsTo: (prefix) => requests.filter((request) => request.url.startsWith(prefix)),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  return stub;
}
