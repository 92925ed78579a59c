import { describe, expect, test } from 'vitest';
import {
  activeSpan,
  createEnvelope,
  parseEnvelope,
  runWithContext,
  startSpan,
  startSpanFrom,
  startTracing,
  traceparentOf,
  tracingEnabled,
  tracingEndpoint,
  withSpan,
} from '../../src/runtime/index.js';
import { captureLogger } from '../../src/testing/fixtures.js';

describe('Tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  test('When no endpoint is configured, then tracing stays off and every helper is a no-op', async () => {
    expect(tracingEndpoint({})).toBeUndefined();
    expect(tracingEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBeUndefined();
    expect(await startTracing('probe', {})).toBe(false);
    expect(tracingEnabled()).toBe(false);
    expect(startSpan('x')).toBeUndefined();
    expect(
      startSpanFrom({ traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` }, 'x', 1),
    ).toBeUndefined();
    expect(traceparentOf()).toBeUndefined();
    await expect(withSpan('work', () => Promise.resolve(42))).resolves.toBe(42);
    expect(activeSpan()).toBeUndefined();
  });

  test('When an event is created, then its envelope has no traceparent, and log lines no trace fields', () => {
    const envelope = runWithContext({ correlationId: 'probe-1' }, () =>
      createEnvelope(
        'CustomerRegistered',
        { customerId: 'c1', email: 'a@b.test', name: 'A' },
        { source: 'probe' },
      ),
    );
    expect(envelope).not.toHaveProperty('traceparent');
    const { logger, lines } = captureLogger('probe');
    runWithContext({ correlationId: 'probe-1' }, () => logger.info('hello'));
    expect(lines()[0]).toMatchObject({ correlationId: 'probe-1' });
    expect(lines()[0]).not.toHaveProperty('trace');
  });

  test('When an envelope carries a valid traceparent, then it is kept; a malformed one is dropped, never refused', () => {
    const base = runWithContext({ correlationId: 'probe-2' }, () =>
      createEnvelope(
        'CustomerRegistered',
        { customerId: 'c1', email: 'a@b.test', name: 'A' },
        { source: 'probe' },
      ),
    );
    const valid = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    const kept = parseEnvelope(JSON.stringify({ ...base, traceparent: valid }));
    expect(kept.ok && kept.envelope.traceparent).toBe(valid);
    const dropped = parseEnvelope(JSON.stringify({ ...base, traceparent: 'junk\r\n' }));
    expect(dropped.ok).toBe(true);
    expect(dropped.ok && 'traceparent' in dropped.envelope).toBe(false);
  });
});
