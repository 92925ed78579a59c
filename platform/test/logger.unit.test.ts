import { describe, expect, test } from 'vitest';
import { runWithContext } from '../src/runtime/index.js';
import { captureLogger } from '../src/testing/index.js';

describe('createLogger', () => {
  test('When logging inside a request context, then the line is ECS JSON with correlationId and userId', () => {
    const { logger, lines } = captureLogger('orders');
    runWithContext({ correlationId: 'corr-123', userId: 'user-9' }, () =>
      logger.info('order placed', { orderId: 'o1' }),
    );
    const [line] = lines();
    expect(line).toMatchObject({
      message: 'order placed',
      'log.level': 'info',
      correlationId: 'corr-123',
      userId: 'user-9',
      orderId: 'o1',
    });
    expect(line?.['service.name']).toBe('orders');
    expect(typeof line?.['@timestamp']).toBe('string');
  });

  test('When secrets are logged by mistake, then they never reach the output', () => {
    const { logger, lines } = captureLogger('customers');
    const jwtLike = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXZhbHVl';
    logger.info(`login with Bearer ${jwtLike}`, {
      password: 'Sup3r-secret-pass',
      headers: { authorization: `Bearer ${jwtLike}` },
      refreshToken: 'refresh-abc-123',
      card: { number: '4242424242424242' },
    });
    const text = JSON.stringify(lines());
    expect(text).not.toContain('Sup3r-secret-pass');
    expect(text).not.toContain(jwtLike);
    expect(text).not.toContain('refresh-abc-123');
    expect(text).not.toContain('4242424242424242');
    expect(text).toContain('[REDACTED]');
  });

  test('When a key names a card number (PAN) as a word, then it is redacted; words merely ending in "pan" are not', () => {
    const { logger, lines } = captureLogger('payments');
    logger.info('keys ending in pan', {
      pan: '4000-0001',
      PAN: '4000-0002',
      card_pan: '4000-0003',
      accountPan: '4000-0004',
      span: { id: 'span-id-1' },
      timespan: 'timespan-1',
      lifespan: 'lifespan-1',
    });
    const text = JSON.stringify(lines());
    for (const secret of ['4000-0001', '4000-0002', '4000-0003', '4000-0004'])
      expect(text).not.toContain(secret);
    for (const kept of ['span-id-1', 'timespan-1', 'lifespan-1']) expect(text).toContain(kept);
  });
});
