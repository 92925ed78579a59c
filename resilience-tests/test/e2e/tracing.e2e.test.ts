import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminToken, newCustomer, startPlatform, type Platform } from '../../src/index.js';
import { buildServices } from './support/build-services.js';
import { eventually } from './support/eventually.js';
import { OtlpReceiver } from './support/otlp-receiver.js';
import { rabbitMqTarget } from './support/rabbitmq.js';
import { logRecords } from './support/service-logs.js';
import { shopApi, type ShopApi } from './support/shop-api.js';

const rabbit = await rabbitMqTarget('tracing.e2e.test');

const transports: { transport: string; env: Record<string, string>; enabled: boolean }[] = [
  { transport: 'embedded', env: {}, enabled: true },
  { transport: 'RabbitMQ', env: { AMQP_URL: rabbit.url }, enabled: rabbit.available },
];

const SERVICES = [
  'api-gateway',
  'order-service',
  'inventory-service',
  'payment-service',
  'shipping-service',
  'notification-service',
];

describe.each(transports)('OpenTelemetry traces end to end ($transport transport)', ({ env, enabled }) => {
  describe.skipIf(!enabled)('one order, one trace', () => {
    let platform: Platform;
    let api: ShopApi;
    let admin: string;
    const receiver = new OtlpReceiver();

    beforeAll(async () => {
      await buildServices();
      const endpoint = await receiver.start();
      platform = await startPlatform({
        env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' },
      });
      api = shopApi(platform.gatewayUrl);
      admin = await adminToken(platform);
    }, 120_000);

    afterAll(async () => {
      await platform?.shutdown();
      await receiver.stop();
    });

    test("When a client sends a traceparent with an order, then one trace in the client's trace id spans the gateway, order, inventory, payment and, through the outbox and the broker, shipping and notification", async () => {
      const product = await api.createProduct(admin, { stock: 5, priceCents: 1500 });
      const customer = await newCustomer(platform);
      const traceId = randomBytes(16).toString('hex');
      const clientSpanId = randomBytes(8).toString('hex');

      const placed = await api.placeOrder(
        customer.token,
        { items: [{ productId: product.id, quantity: 1 }] },
        { traceparent: `00-${traceId}-${clientSpanId}-01` },
      );
      expect(placed.status).toBe(201);

      let spans = await eventually(
        'spans of every service in the trace, the consumers of shipping and notification included',
        async () => {
          await Promise.resolve();
          const trace = receiver.trace(traceId);
          const services = new Set(trace.map((span) => span.service));
          const consumed = (service: string) =>
            trace.some((span) => span.service === service && span.name.startsWith('consume '));
          return SERVICES.every((service) => services.has(service)) &&
            consumed('shipping-service') &&
            consumed('notification-service')
            ? trace
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(receiver.problems).toEqual([]);
      // Spans arrive in batches per process: wait until each span's parent has arrived too (or time out).
      const orphansOf = (trace: typeof spans) => {
        const known = new Set(trace.map((span) => span.spanId));
        return trace.filter(
          (span) => span.parentSpanId !== clientSpanId && !known.has(span.parentSpanId ?? ''),
        );
      };
      await eventually(
        'every span of the trace with its parent',
        () => Promise.resolve(orphansOf(receiver.trace(traceId)).length === 0 ? true : undefined),
        { timeoutMs: 10_000, intervalMs: 200 },
      ).catch(() => undefined);
      spans = receiver.trace(traceId);

      const names = spans.map((span) => `${span.service}: ${span.name}`);
      expect(names).toEqual(
        expect.arrayContaining([
          'api-gateway: POST /api/orders',
          'api-gateway: POST order-service',
          'order-service: POST /api/orders',
          'order-service: saga place order',
          'order-service: saga reserve stock',
          'order-service: saga charge payment',
          'order-service: POST inventory-service',
          'inventory-service: POST /internal/reservations',
          'order-service: POST payment-service',
          'order-service: publish OrderConfirmed',
          'shipping-service: consume OrderConfirmed',
          'notification-service: consume OrderConfirmed',
        ]),
      );
      // One tree: the gateway's server span is the child of the client's span, every other span has its
      // parent in the trace.
      const gatewayServer = spans.find(
        (span) => span.name === 'POST /api/orders' && span.service === 'api-gateway',
      );
      expect(gatewayServer?.parentSpanId).toBe(clientSpanId);
      expect(orphansOf(spans).map((span) => `${span.service}: ${span.name}`)).toEqual([]);

      // ECS log lines carry the trace and span ids.
      const orderLines = logRecords(platform, 'order-service').filter(
        (line) => (line.trace as { id?: string } | undefined)?.id === traceId,
      );
      expect(orderLines.length).toBeGreaterThan(0);
      // Every line's span reaches the receiver (the last batches may still be on their way).
      const unknownSpans = () => {
        const received = new Set(receiver.trace(traceId).map((span) => span.spanId));
        return orderLines.filter((line) => !received.has((line.span as { id: string }).id));
      };
      await eventually(
        'the spans of the log lines',
        () => Promise.resolve(unknownSpans().length === 0 ? true : undefined),
        { timeoutMs: 10_000, intervalMs: 200 },
      ).catch(() => undefined);
      expect(unknownSpans().map((line) => line.message)).toEqual([]);
    });

    test('When a client sends no or an invalid traceparent, then the gateway starts a new trace', async () => {
      const before = new Set(receiver.spans.map((span) => span.traceId));
      const reply = await api.call('GET', '/api/products', {
        headers: { traceparent: '00-zz-not-valid-01' },
      });
      expect(reply.status).toBe(200);
      const started = await eventually(
        'the gateway span of a new trace',
        () =>
          Promise.resolve(
            receiver.spans.find(
              (span) =>
                span.service === 'api-gateway' &&
                span.name === 'GET /api/products' &&
                !before.has(span.traceId),
            ),
          ),
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      expect(started.parentSpanId).toBeUndefined();
    });
  });
});
