import { describe, expect, test } from 'vitest';
import { runWithContext } from '../../src/runtime/index.js';
import { captureLogger } from '../../src/testing/index.js';

class UpstreamTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  readonly attempts = 3;
}

const ecsErrorKeys = ['code', 'message', 'stack_trace', 'type'];

describe('logger: errors in ECS shape', () => {
  test('When an Error is logged as err, then the line has error.type, error.message and error.stack_trace only', () => {
    const { logger, lines } = captureLogger('orders');

    logger.warn('payment call failed', { err: new UpstreamTimeout('no answer in 2000 ms') });

    const [line] = lines();
    expect(line?.err).toBeUndefined();
    expect(line?.error).toMatchObject({
      type: 'UpstreamTimeout',
      message: 'no answer in 2000 ms',
      code: 'ETIMEDOUT',
    });
    expect(String((line?.error as Record<string, unknown>).stack_trace)).toContain('no answer in 2000 ms');
    // the error's other own properties (attempts: a number) never leak into error.*
    expect(Object.keys(line?.error as object).sort()).toEqual(ecsErrorKeys);
  });

  test('When a string is logged as error, then it becomes error.message instead of a bare string', () => {
    const { logger, lines } = captureLogger('notifications');

    logger.error('event handler kept failing, dead-lettered', { error: 'handler threw' });

    expect(lines()[0]?.error).toEqual({ message: 'handler threw' });
  });

  test('When an Error is passed as the second argument or as the message, then both end in error.*', () => {
    const { logger, lines } = captureLogger('orders');

    logger.warn('saga step failed', new TypeError('bad input'));
    runWithContext({ correlationId: 'corr-7' }, () => logger.error(new RangeError('out of range')));

    const [splat, message] = lines();
    expect(splat?.error).toMatchObject({ type: 'TypeError', message: 'bad input' });
    expect(splat?.stack).toBeUndefined();
    expect(message?.message).toBe('out of range');
    expect(message?.error).toMatchObject({ type: 'RangeError', message: 'out of range' });
    expect(message?.correlationId).toBe('corr-7');
  });

  test('When an error has a cause, then the stack trace shows it', () => {
    const { logger, lines } = captureLogger('payments');

    logger.error('charge failed', {
      err: new Error('gateway refused', { cause: new Error('socket hang up') }),
    });

    expect(String((lines()[0]?.error as Record<string, unknown>).stack_trace)).toMatch(
      /Caused by: Error: socket hang up/,
    );
  });

  test('When a thrown non-Error is logged, then its text is the message and secrets in it are redacted', () => {
    const { logger, lines } = captureLogger('customers');
    const jwtLike = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXZhbHVl';

    logger.warn('login failed', { err: `token ${jwtLike} rejected` });
    logger.warn('odd throw', { err: { status: 502 } });

    const [secret, odd] = lines();
    expect((secret?.error as Record<string, unknown>).message).toBe('token [REDACTED] rejected');
    expect(odd?.error).toEqual({ message: '{"status":502}' });
  });
});
