import { describe, expect, test } from 'vitest';
import { BreakerWindow } from '../../src/http-client/breaker-window.js';

describe('BreakerWindow', () => {
  const start = 1_000_000;

  test('When fewer calls than the volume were made, then it never exceeds, whatever failed', () => {
    const window = new BreakerWindow(10_000);
    for (let i = 0; i < 4; i++) window.recordFailure(start);

    expect(window.exceeds(50, 5, start)).toBe(false);
    window.recordFailure(start);
    expect(window.exceeds(50, 5, start)).toBe(true);
  });

  test('When failures are exactly the threshold share, then it does not exceed; one more does', () => {
    const window = new BreakerWindow(10_000);
    for (let i = 0; i < 5; i++) {
      window.recordFailure(start);
      window.recordSuccess(start);
    }

    expect(window.exceeds(50, 5, start)).toBe(false);
    window.recordFailure(start);
    expect(window.exceeds(50, 5, start)).toBe(true);
  });

  test('When the window passes, then old calls drop out bucket by bucket', () => {
    const window = new BreakerWindow(10_000);
    for (let i = 0; i < 10; i++) window.recordFailure(start);
    window.recordSuccess(start + 5_000);

    expect(window.exceeds(50, 5, start + 9_999)).toBe(true);
    // The failures' bucket has left the window; the one success remains, below the volume.
    expect(window.exceeds(50, 1, start + 10_000)).toBe(false);
    expect(window.exceeds(0, 1, start + 10_000)).toBe(false);
  });

  test('When it is reset, then it starts empty', () => {
    const window = new BreakerWindow(10_000);
    for (let i = 0; i < 10; i++) window.recordFailure(start);

    window.reset();

    expect(window.exceeds(0, 1, start)).toBe(false);
  });
});
