import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCustomerService {
  url: string;
  /** Every request received: path and headers. */
  calls: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** Answers GET /internal/customers/:id like customer-service: 200 {id, name, email} for known ids, else 404. */
export async function startFakeCustomerService(
  customers: Record<string, { name: string; email: string }>,
): Promise<FakeCustomerService> {
  const calls: FakeCustomerService['calls'] = [];
  const server = createServer((req, res) => {
    calls.push({ path: req.url ?? '', headers: req.headers });
    const id = /^\/internal\/customers\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    const customer = id === undefined ? undefined : customers[decodeURIComponent(id)];
    res.setHeader('content-type', 'application/json');
    if (req.method !== 'GET' || !customer || id === undefined) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'Customer not found' } }));
      return;
    }
    res.end(JSON.stringify({ id: decodeURIComponent(id), ...customer }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
