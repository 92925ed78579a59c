import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An order as order-service's GET /internal/orders/:id shows it (the fields consumers verify). */
export interface FakeOrder {
  id: string;
  customerId: string;
  status: 'PENDING' | 'CONFIRMED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
}

/**
 * Stands in for order-service's internal API in component tests of its consumers: GET
 * /internal/orders/:id answers 200 with the order for known ids, 404 otherwise, or `unavailable` (e.g. 503)
 * while set, as an order-service that cannot answer would.
 */
export interface FakeOrderService {
  url: string;
  orders: Map<string, FakeOrder>;
  /** Every request received. */
  calls: { method: string; path: string; headers: IncomingHttpHeaders }[];
  /** While set, every request gets this status. */
  unavailable: number | undefined;
  close(): Promise<void>;
}

export async function startFakeOrderService(): Promise<FakeOrderService> {
  const state: Pick<FakeOrderService, 'orders' | 'calls' | 'unavailable'> = {
    orders: new Map(),
    calls: [],
    unavailable: undefined,
  };
  const server = createServer((req, res) => {
    state.calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'application/json');
    if (state.unavailable !== undefined) {
      res.statusCode = state.unavailable;
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'order-service is unavailable' } }));
      return;
    }
    const id = /^\/internal\/orders\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    const order = id === undefined ? undefined : state.orders.get(decodeURIComponent(id));
    if (req.method !== 'GET' || order === undefined) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'Order not found' } }));
      return;
    }
    res.end(JSON.stringify(order));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
