import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { API_OPERATIONS, openApiPath } from '@shop/platform/api-contract';
import { renderPage, requireChromium } from './support/chromium.js';
import { startGateway, startStubs, type RunningGateway } from './support/gateway.js';

describe('The API reference page in a real browser (headless chromium)', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  let gateway: RunningGateway;
  const scratch = mkdtempSync(join(tmpdir(), 'docs-page-'));

  beforeAll(async () => {
    stubs = await startStubs();
    gateway = await startGateway(stubs);
  });
  afterAll(async () => {
    await gateway.stop();
    await stubs.closeAll();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('When /docs is rendered, then Swagger UI lists every operation of the document with its method and path', async (context) => {
    requireChromium(context);

    const dom = await renderPage(`${gateway.url}/docs`);

    expect(dom).toContain('shop-platform API');
    const shown = new Set(
      [
        ...dom.matchAll(
          /class="opblock opblock-(get|post|put|patch|delete)[^"]*"[\s\S]*?data-path="([^"]+)"/g,
        ),
      ].map((match) => `${(match[1] ?? '').toUpperCase()} ${match[2] ?? ''}`),
    );
    const expected = API_OPERATIONS.map((operation) => `${operation.method} ${openApiPath(operation.path)}`);
    expect([...shown].sort()).toEqual([...expected].sort());
    // Rendered by the page's script from /openapi.json, not present in the HTML the gateway sent.
    expect(await (await fetch(`${gateway.url}/docs`)).text()).not.toContain('opblock');
  }, 120_000);

  test('When /docs is captured as a screenshot, then chromium writes a full-size PNG of the rendered page', async (context) => {
    requireChromium(context);
    const file = join(scratch, 'docs.png');

    await renderPage(`${gateway.url}/docs`, { screenshot: file });

    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(png.length).toBeGreaterThan(20_000);
  }, 120_000);
});
