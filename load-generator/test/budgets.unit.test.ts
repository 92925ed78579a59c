import { describe, expect, test } from 'vitest';
import { BudgetMirror } from '../src/budgets.js';
import type { Reply } from '../src/gateway-client.js';

function reply(fields: Partial<Reply>): Reply {
  return {
    status: 201,
    body: undefined,
    ms: 1,
    correlationId: undefined,
    quota: undefined,
    retryAfterSeconds: undefined,
    errorCode: undefined,
    transportError: undefined,
    ...fields,
  };
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('BudgetMirror', () => {
  test('When nothing has been answered yet, then every flow may start', () => {
    const mirror = new BudgetMirror();
    expect(mirror.take('auth', 5)).toBe(true);
    expect(mirror.available('anonymous', 100)).toBe(true);
  });

  test('When the gateway reports 2 left, then two points can be taken and a third waits for a release or the reset', () => {
    const time = clock();
    const mirror = new BudgetMirror(time.now);
    mirror.observe('auth', reply({ quota: { limit: 30, remaining: 2, resetSeconds: 40 } }));

    expect(mirror.take('auth', 2)).toBe(true);
    expect(mirror.take('auth', 1)).toBe(false);
    mirror.release('auth', 1);
    expect(mirror.take('auth', 1)).toBe(true);
    expect(mirror.msUntilReset('auth')).toBe(40_000);

    time.advance(40_000);
    expect(mirror.take('auth', 10)).toBe(true);
    expect(mirror.state('auth')).toEqual({ limit: 30, remaining: 30, resetInMs: 0 });
  });

  test('When answers of one window arrive out of order, then the lowest remaining count wins', () => {
    const time = clock();
    const mirror = new BudgetMirror(time.now);
    mirror.observe('anonymous', reply({ quota: { limit: 300, remaining: 5, resetSeconds: 30 } }));
    mirror.observe('anonymous', reply({ quota: { limit: 300, remaining: 9, resetSeconds: 30 } }));

    expect(mirror.state('anonymous')?.remaining).toBe(5);
  });

  test('When a new window starts, then its count replaces the old one', () => {
    const time = clock();
    const mirror = new BudgetMirror(time.now);
    mirror.observe('anonymous', reply({ quota: { limit: 300, remaining: 0, resetSeconds: 2 } }));
    time.advance(3000);
    mirror.observe('anonymous', reply({ quota: { limit: 300, remaining: 299, resetSeconds: 60 } }));

    expect(mirror.state('anonymous')?.remaining).toBe(299);
  });

  test('When a 429 carries only Retry-After, then the budget counts as spent until then', () => {
    const time = clock();
    const mirror = new BudgetMirror(time.now);
    mirror.observe('auth', reply({ status: 429, retryAfterSeconds: 12, errorCode: 'rate_limited' }));

    expect(mirror.available('auth', 1)).toBe(false);
    time.advance(12_000);
    expect(mirror.available('auth', 1)).toBe(true);
  });

  test('When a login is charged, then the known window loses a point without its mixed headers', () => {
    const time = clock();
    const mirror = new BudgetMirror(time.now);
    mirror.observe('auth', reply({ quota: { limit: 30, remaining: 1, resetSeconds: 50 } }));
    mirror.charge('auth');

    expect(mirror.available('auth', 1)).toBe(false);
  });
});
