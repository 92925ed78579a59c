import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { request, startServiceForTest, tempDir, type TestService } from '../../src/testing/index.js';
import { demoService, type DemoJournal } from '../fixtures/demo-service/demo-service.js';

let running: TestService<unknown, { countNotes(): number }> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('defineService started with startServiceForTest', () => {
  test('When a definition is started, then its routes answer on a migrated database in a temp dir, with the env applied', async () => {
    running = await startServiceForTest(demoService, { env: { DEMO_GREETING: 'hi there' } });
    const created = await request(running.url, 'POST', '/notes');
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ text: 'hi there' });
    expect(running.exposed.countNotes()).toBe(1);
    expect(existsSync(join(running.dataDir, 'demo-service.db'))).toBe(true);
  });

  test('When readiness is asked, then the db and broker checks come with the composition’s own', async () => {
    running = await startServiceForTest(demoService);
    const ready = await request<{ checks: Record<string, { ok: boolean }> }>(
      running.url,
      'GET',
      '/health/ready',
    );
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.checks).sort()).toEqual(['broker', 'db', 'demo']);
  });

  test('When edge middleware answers or throws, then it runs inside the correlation ID and the error handler', async () => {
    running = await startServiceForTest(demoService);
    const edge = await request(running.url, 'GET', '/edge', {
      headers: { 'x-correlation-id': 'edge-corr-1' },
    });
    expect(edge.body).toEqual({ edge: true });
    expect(edge.headers.get('x-correlation-id')).toBe('edge-corr-1');
    const boom = await request<{ error: { code: string } }>(running.url, 'GET', '/edge-boom');
    expect(boom.status).toBe(500);
    expect(boom.body.error.code).toBe('internal_error');
    const failed = running.logLines().find((line) => line.message === 'request failed');
    expect(failed?.correlationId).toBe(boom.headers.get('x-correlation-id'));
    const metrics = await request<string>(running.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/http_requests_total\{[^}]*status="500"/);
  });

  test('When the service stops, then the workers stop before the close hooks, and the temp dir is removed', async () => {
    const journal: DemoJournal = { steps: [] };
    running = await startServiceForTest(demoService, { seams: { journal } });
    expect(journal.steps).toEqual(['compose', 'worker started']);
    const { dataDir } = running;
    await running.stop();
    running = undefined;
    expect(journal.steps).toEqual(['compose', 'worker started', 'worker stopped', 'close hook']);
    expect(existsSync(dataDir)).toBe(false);
  });

  test('When the data dir is given, then it is kept after stop and the next start finds the data', async () => {
    const dir = tempDir('demo-kept-');
    const first = await startServiceForTest(demoService, { dataDir: dir.path });
    await request(first.url, 'POST', '/notes');
    await first.stop();
    running = await startServiceForTest(demoService, { dataDir: first.dataDir });
    expect(running.exposed.countNotes()).toBe(1);
    await running.stop();
    running = undefined;
    expect(existsSync(dir.path)).toBe(true);
    dir.cleanup();
  });

  test('When the config is invalid, then starting fails with the config error and leaves no temp dir open', async () => {
    await expect(startServiceForTest(demoService, { env: { PORT: 'not-a-port' } })).rejects.toThrow(/PORT/);
  });
});
