import { describe, expect, test } from 'vitest';
import { gatewayWorkerCount } from '../src/cluster/workers.js';

describe('gatewayWorkerCount', () => {
  test('When GATEWAY_WORKERS is unset, then production uses every core and development one process', () => {
    expect(gatewayWorkerCount({ NODE_ENV: 'production' }, 8)).toBe(8);
    expect(gatewayWorkerCount({ NODE_ENV: 'development' }, 8)).toBe(1);
    expect(gatewayWorkerCount({}, 8)).toBe(1);
    expect(gatewayWorkerCount({ NODE_ENV: 'production', GATEWAY_WORKERS: '' }, 2)).toBe(2);
  });

  test('When GATEWAY_WORKERS is set, then it wins in every environment', () => {
    expect(gatewayWorkerCount({ NODE_ENV: 'production', GATEWAY_WORKERS: '1' }, 8)).toBe(1);
    expect(gatewayWorkerCount({ NODE_ENV: 'development', GATEWAY_WORKERS: '3' }, 8)).toBe(3);
  });

  test.each(['0', '-1', '1.5', 'two', '65'])(
    'When GATEWAY_WORKERS is %s, then it is refused by name',
    (value) => {
      expect(() => gatewayWorkerCount({ GATEWAY_WORKERS: value }, 2)).toThrowError(/GATEWAY_WORKERS/);
    },
  );
});
