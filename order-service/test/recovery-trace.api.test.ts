import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTracing, stopTracing } from '@shop/platform/runtime';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KEYBOARD, startScenario, type Scenario } from './support/scenario.js';
import { afterMinAge, placeOrder } from './support/order-service-harness.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

// A local OTLP/HTTP receiver (JSON), keeping every span it is sent.
const spans: OtlpSpan[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    if (req.url === '/v1/traces' && req.headers['content-type'] === 'application/json') {
      const parsed = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const resource of parsed.resourceSpans)
        for (const scope of resource.scopeSpans) spans.push(...scope.spans);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

const attribute = (span: OtlpSpan, key: string) =>
  span.attributes?.find((entry) => entry.key === key)?.value.stringValue;

describe('Recovery with tracing on', () => {
  let s: Scenario;

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const { port } = receiver.address() as AddressInfo;
    await startTracing('order-service', { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    s = await startScenario({ timeoutMs: 200, retries: 0 });
  });
  afterAll(async () => {
    await s.stop();
    await stopTracing();
    await new Promise((resolve) => receiver.close(resolve));
  });

  test('When recovery resolves a pending order, then its pass is one root span "recover order" holding its calls, apart from the order trace', async () => {
    s.payment.chargeMode = 'slow_capture';
    const placed = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 1 }] });
    expect(placed.status).toBe(202);
    const report = await s.orders.domain.recoverPendingOrders(afterMinAge());
    expect(report).toMatchObject({ confirmed: 1 });
    await stopTracing(); // flushes the batch

    const recovery = spans.filter((span) => span.name === 'recover order');
    expect(recovery).toHaveLength(1);
    const [root] = recovery as [OtlpSpan];
    expect(attribute(root, 'order.id')).toBe(placed.body.id);
    expect(root.parentSpanId ?? '').toBe('');
    const placement = spans.find((span) => span.name === 'saga place order');
    expect(placement).toBeDefined();
    expect(placement?.traceId).not.toBe(root.traceId);
    // The payment lookup (and every other call of the pass) hangs under the recovery span.
    const children = spans.filter((span) => span.parentSpanId === root.spanId);
    expect(children.length).toBeGreaterThan(0);
    expect(children.every((span) => span.traceId === root.traceId)).toBe(true);
  });
});
