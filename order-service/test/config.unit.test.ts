import { describe, expect, test } from 'vitest';
import { refundBoundFromConfig } from '../src/service.js';
import { loadConfig } from '../src/config.js';

describe('order-service configuration: call deadlines and the refund bound (issue 8)', () => {
  test('When nothing is set, then a call may land for 10 s, clocks may differ by 1 s, and the refund bound is 24 s', () => {
    const config = loadConfig({});

    expect(config.ORDER_CALL_DEADLINE_MS).toBe(10_000);
    expect(config.ORDER_CLOCK_SKEW_MS).toBe(1000);
    expect(refundBoundFromConfig(config)).toBe(24_000);
  });

  test("When the suite's settings are used, then the bound is 7.7 s (the figure the docs quote)", () => {
    const config = loadConfig({
      UPSTREAM_TIMEOUT_MS: '800',
      UPSTREAM_RETRIES: '1',
      ORDER_RECOVERY_INTERVAL_MS: '500',
      ORDER_RECOVERY_MIN_AGE_MS: '2000',
      ORDER_CALL_DEADLINE_MS: '3000',
    });

    expect(refundBoundFromConfig(config)).toBe(7700);
  });

  test("When the call deadline is shorter than a call's whole time budget, then the configuration is refused naming it", () => {
    expect(() =>
      loadConfig({ UPSTREAM_TIMEOUT_MS: '2000', UPSTREAM_RETRIES: '1', ORDER_CALL_DEADLINE_MS: '3000' }),
    ).toThrow(/ORDER_CALL_DEADLINE_MS: must be at least UPSTREAM_CALL_BUDGET_MS/);
  });

  test('When a call budget is set, then it is the one the deadlines and the refund bound are checked against', () => {
    expect(() => loadConfig({ UPSTREAM_CALL_BUDGET_MS: '11000' })).toThrow(
      /ORDER_RECOVERY_MIN_AGE_MS: must be at least UPSTREAM_CALL_BUDGET_MS/,
    );
    const tighter = loadConfig({ UPSTREAM_CALL_BUDGET_MS: '2500' });
    expect(refundBoundFromConfig(tighter)).toBeLessThan(refundBoundFromConfig(loadConfig({})));
  });
});
