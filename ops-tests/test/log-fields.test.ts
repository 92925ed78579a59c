import { LIBRARY_WORKSPACES, SERVICE_NAMES } from '@shop/platform/contracts';
import { describe, expect, test } from 'vitest';
import { captureLogger } from '@shop/platform/tools/testing';
import { fieldsOfDocument, mappingConflicts, type EmittedField } from '../src/es-mapping.js';
import { logCallSites } from '../src/log-call-sites.js';
import { readRepoJson, repoRoot } from '../src/repo-files.js';
import { recordAt } from '../src/shape.js';

const WORKSPACES = [...LIBRARY_WORKSPACES, ...SERVICE_NAMES];

const mappings = recordAt(readRepoJson('elasticsearch/ecommerce-logs-template.json'), 'template.mappings');

/** The fields the platform logger puts on every line, whatever the call site passes. */
const EVERY_LINE: EmittedField[] = [
  '@timestamp',
  'message',
  'log.level',
  'ecs.version',
  'service.name',
  'event.dataset',
  'correlationId',
  'userId',
].map((path) => ({ path, kind: 'string', site: 'platform logger format' }));

/**
 * What the log shippers add to a line on their way in: Fluent Bit's CRI parser and Kubernetes filter
 * (k8s/logging), and Logstash's tags (logstash/pipeline).
 */
const SHIPPERS: EmittedField[] = [
  ...['stream', 'time', '_p'].map((path) => ({
    path,
    kind: 'string' as const,
    site: 'fluent-bit cri parser',
  })),
  ...[
    'kubernetes.pod_name',
    'kubernetes.namespace_name',
    'kubernetes.pod_id',
    'kubernetes.host',
    'kubernetes.container_name',
    'kubernetes.docker_id',
    'kubernetes.container_hash',
    'kubernetes.container_image',
  ].map((path) => ({ path, kind: 'string' as const, site: 'fluent-bit kubernetes filter' })),
  { path: 'tags', kind: 'string', site: 'logstash pipeline' },
];

// One TypeScript program over every service: built once for the file.
const sites = logCallSites({ root: repoRoot, workspaces: WORKSPACES });

describe('log lines against the Elasticsearch index template', () => {
  test('When every logger call site is read, then the checker found them across platform and services', () => {
    const files = new Set(sites.map((entry) => entry.site.split('/')[0]));

    expect(sites.length).toBeGreaterThan(60);
    expect([...files].sort()).toEqual(expect.arrayContaining(['api-gateway', 'order-service', 'platform']));
  });

  test('When each call site is typed, then every field has one shape the mapping can be checked against', () => {
    expect(sites.flatMap((entry) => entry.problems)).toEqual([]);
  });

  test("When every call site's fields are put against the template, then Elasticsearch would accept every line", () => {
    const fields = [...EVERY_LINE, ...SHIPPERS, ...sites.flatMap((entry) => entry.fields)];

    expect(mappingConflicts(mappings, fields)).toEqual([]);
  });

  test('When real lines are written (access line, each way of logging an error), then they fit the template', () => {
    const { logger, lines } = captureLogger('order-service');
    // the access line's fields (platform/src/logging/access-log.ts writes the same object on its fast path)
    logger.info('GET /orders/:id 200', {
      http: { request: { method: 'GET' }, response: { status_code: 200 } },
      url: { path: '/orders/1' },
      event: { duration: 1200 },
    });
    logger.error('event handler kept failing, dead-lettered', { err: new Error('boom'), attempts: 3 });
    logger.warn('event handler failed, will retry', { error: 'a string error' });
    logger.error(new TypeError('thrown'));

    const fields = lines().flatMap((line, index) => fieldsOfDocument(line, `line ${index + 1}`));
    expect(fields.some((field) => field.path === 'error.stack_trace')).toBe(true);
    expect(mappingConflicts(mappings, [...fields, ...sites.flatMap((entry) => entry.fields)])).toEqual([]);
  });

  test('When a call site logs a bare-string error shape into mapped fields, then the check fails naming it', () => {
    const fixture = logCallSites({
      root: repoRoot,
      workspaces: [],
      extraFiles: {
        'platform/src/conflict-fixture.ts': [
          "import { createLogger } from './logging/logger.js';",
          "const logger = createLogger({ service: 'fixture', console: false });",
          "logger.warn('slow', { http: 'GET', 'event.duration': 'slow', reason: 'timeout' });",
          "logger.info('odd', { reason: { code: 7 }, detail: JSON.parse('{}') as unknown });",
        ].join('\n'),
      },
    });
    const fields = fixture.flatMap((entry) => entry.fields);

    expect(mappingConflicts(mappings, fields)).toEqual([
      'platform/src/conflict-fixture.ts:3: event.duration is a string, but the template maps it as long',
      'platform/src/conflict-fixture.ts:3: http is a string, but the template maps it as object',
      'reason is not in the template and has more than one shape: string at platform/src/conflict-fixture.ts:3, object at platform/src/conflict-fixture.ts:4',
    ]);
    expect(fixture.flatMap((entry) => entry.problems)).toEqual([
      'platform/src/conflict-fixture.ts:4: detail is unknown: give it a type the mapping can be checked against',
    ]);
  });
});
