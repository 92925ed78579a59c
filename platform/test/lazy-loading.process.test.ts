import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildForProcessTest, packagesLoadedAfter } from '../src/testing/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = `${root}platform/dist/src/runtime/index.js`;

/**
 * Which of `packages` a fresh Node process has loaded after running `script` (an ES module body with
 * `platform` bound to @shop/platform/runtime, compiled).
 */
function loadedAfter(script: string, packages: string[]): string[] {
  const program = `
    const platform = await import(${JSON.stringify(entry)});
    ${script}
  `;
  return packagesLoadedAfter(program, packages, root);
}

const OPTIONAL = [
  'winston-elasticsearch',
  '@elastic/elasticsearch',
  'amqplib',
  'elastic-apm-node',
  'ioredis',
  'rate-limiter-flexible',
];

describe('What a configuration does not use is not loaded', () => {
  beforeAll(() => {
    buildForProcessTest(root, 'platform', entry);
  });

  test('When @shop/platform/runtime is imported and a logger writes a line, then neither Elasticsearch, amqplib, the APM agent nor Redis is loaded', () => {
    const loaded = loadedAfter(
      `const logger = platform.createLogger({ service: 'probe', console: false });
       logger.info('hello');`,
      [...OPTIONAL, 'winston'],
    );
    // winston is the control: the check sees CommonJS packages loaded through ESM imports.
    expect(loaded).toEqual(['winston']);
  });

  test('When a logger ships to Elasticsearch, then its transport is loaded (and still not amqplib)', () => {
    const loaded = loadedAfter(
      `const logger = platform.createLogger({ service: 'probe', console: false, elasticsearchUrl: 'http://127.0.0.1:9' });
       logger.info('hello');
       await new Promise((resolve) => setTimeout(resolve, 200));`,
      ['winston-elasticsearch', 'amqplib'],
    );
    expect(loaded).toEqual(['winston-elasticsearch']);
  });

  test('When the RabbitMQ transport connects, then amqplib is loaded', () => {
    const loaded = loadedAfter(
      `const { createLogger, createMetricsRegistry, RabbitTransport } = platform;
       await RabbitTransport.connect({
         url: 'amqp://guest:guest@127.0.0.1:9',
         logger: createLogger({ service: 'probe', console: false }),
         registry: createMetricsRegistry('probe'),
         reconnect: { initialMs: 10, maxMs: 10 },
       }).catch(() => undefined);`,
      ['amqplib'],
    );
    expect(loaded).toEqual(['amqplib']);
  });
});
