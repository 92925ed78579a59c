import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { testTokens } from '@shop/platform/tools/testing';

export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export type Route = (call: RecordedCall, res: ServerResponse) => void | Promise<void>;

/**
 * A small real HTTP server on 127.0.0.1 standing in for another service in component tests. It records every
 * call, answers 401 unless the caller presents a valid service token (as the real services do via CASL), and
 * can be stopped and started again on the same port to play an outage.
 */
export class FakeHttpService {
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private port = 0;
  private readonly tokens = testTokens();

  constructor(private readonly route: Route) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  callsTo(method: string, pathPattern: RegExp): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && pathPattern.test(call.path));
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Closes the port: callers now get "connection refused". In-flight requests are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const call: RecordedCall = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
    this.calls.push(call);
    const header = req.headers.authorization ?? '';
    let role: string | undefined;
    try {
      role = this.tokens.verifyAccessToken(header.replace(/^Bearer /, '')).role;
    } catch {
      role = undefined;
    }
    if (role !== 'service' && role !== 'admin') {
      sendJson(res, 401, { error: { code: 'unauthorized', message: 'service token required' } });
      return;
    }
    try {
      await this.route(call, res);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal_error', message: String(error) } });
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
