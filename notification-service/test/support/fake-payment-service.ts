import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePayment {
  id: string;
  orderId: string;
  customerId: string;
  status: string;
  refundReason?: string;
}

export interface FakePaymentService {
  url: string;
  /** Payments by order id, as payment-service would hold them. */
  payments: Map<string, FakePayment>;
  /** Every path asked. */
  calls: string[];
  close(): Promise<void>;
}

/** Answers GET /internal/payments/by-order/:orderId like payment-service: 200 with the payment, else 404. */
export async function startFakePaymentService(): Promise<FakePaymentService> {
  const payments = new Map<string, FakePayment>();
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(req.url ?? '');
    const orderId = /^\/internal\/payments\/by-order\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    const payment = orderId === undefined ? undefined : payments.get(decodeURIComponent(orderId));
    res.setHeader('content-type', 'application/json');
    if (req.method !== 'GET' || payment === undefined) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'Payment not found' } }));
      return;
    }
    res.end(JSON.stringify({ ...payment, amountCents: 700, currency: 'USD' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    payments,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
