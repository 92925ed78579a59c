import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { readRepoJson, repoPath } from '../src/repo-files.js';
import { at } from '../src/shape.js';

interface Received {
  method: string;
  url: string;
  body: unknown;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A local endpoint answering like Elasticsearch's PUT APIs, recording what it received. */
async function fakeElasticsearch(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body: JSON.parse(text) as unknown });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"acknowledged":true}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function runSetup(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [repoPath('elasticsearch/setup.sh')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('elasticsearch/setup.sh (compose elasticsearch-setup job, k8s logging Job)', () => {
  test('When it runs, then it installs the retention policy first, with LOG_RETENTION_DAYS, then the template', async () => {
    const es = await fakeElasticsearch();

    const result = await runSetup({ ELASTICSEARCH_URL: es.url, LOG_RETENTION_DAYS: '30' });

    expect(result.code, result.output).toBe(0);
    expect(es.received.map((request) => `${request.method} ${request.url}`)).toEqual([
      'PUT /_ilm/policy/ecommerce-logs',
      'PUT /_index_template/ecommerce-logs',
    ]);
    expect(at(es.received[0]?.body, 'policy.phases.delete.min_age')).toBe('30d');
    expect(at(es.received[0]?.body, 'policy.phases.delete.actions.delete')).toEqual({});
    expect(es.received[1]?.body).toEqual(readRepoJson('elasticsearch/ecommerce-logs-template.json'));
    // the template attaches every new daily index to the policy just installed
    expect(at(es.received[1]?.body, 'template.settings')).toMatchObject({
      'index.lifecycle.name': 'ecommerce-logs',
    });
  });

  test('When LOG_RETENTION_DAYS is not a number of days, then it stops before touching Elasticsearch', async () => {
    const es = await fakeElasticsearch();

    const result = await runSetup({ ELASTICSEARCH_URL: es.url, LOG_RETENTION_DAYS: '2w' });

    expect(result.code).toBe(2);
    expect(result.output).toContain(
      "LOG_RETENTION_DAYS must be a whole number of days (1 or more), got '2w'",
    );
    expect(es.received).toEqual([]);
  });

  test('When no retention is set, then indices are kept 14 days', async () => {
    const es = await fakeElasticsearch();

    const result = await runSetup({ ELASTICSEARCH_URL: es.url });

    expect(result.code, result.output).toBe(0);
    expect(at(es.received[0]?.body, 'policy.phases.delete.min_age')).toBe('14d');
  });
});
