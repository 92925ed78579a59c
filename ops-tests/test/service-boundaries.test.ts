import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The repo's own eslint.config.js, without the type-aware rules: the sources below are not files on disk.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
});

/** The boundary findings ESLint reports for `code` as if it were the file at `path`. */
async function boundaryFindings(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('Service boundaries: http -> domain <- data, enforced by ESLint', () => {
  test('When a domain module imports a repository from data/ (the drift inventory and payment had), then lint fails', async () => {
    const findings = await boundaryFindings(
      'inventory-service/src/domain/catalog.ts',
      "import type { ProductRepository } from '../data/product-repository.js';\nexport type P = ProductRepository;\n",
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toContain('domain/ports.ts');
  });

  test('When a domain module imports http, events, upstream, an HTTP or SQL library, then lint fails for each', async () => {
    const findings = await boundaryFindings(
      'order-service/src/domain/saga.ts',
      [
        "import { orderRoutes } from '../http/routes.js';",
        "import { outboxOrderEvents } from '../events/order-events.js';",
        "import { createPaymentPort } from '../upstream/payment-client.js';",
        "import { orderService } from '../service.js';",
        "import Koa from 'koa';",
        "import Database from 'better-sqlite3';",
        'export const all = [orderRoutes, outboxOrderEvents, createPaymentPort, orderService, Koa, Database];',
      ].join('\n'),
    );
    expect(findings).toHaveLength(6);
  });

  test('When http imports data or an upstream client, or data imports http, then lint fails', async () => {
    const http = await boundaryFindings(
      'payment-service/src/http/public-routes.ts',
      "import { createPaymentRepository } from '../data/payment-repository.js';\nexport const r = createPaymentRepository;\n",
    );
    const data = await boundaryFindings(
      'shipping-service/src/data/shipment-repository.ts',
      "import { shipmentRoutes } from '../http/routes.js';\nimport type { Context } from 'koa';\nexport const r = shipmentRoutes;\nexport type C = Context;\n",
    );
    expect(http).toHaveLength(1);
    expect(data).toHaveLength(2);
  });

  test('When the domain imports its own ports and the platform, http the domain, data the domain, then lint is clean', async () => {
    expect(
      await boundaryFindings(
        'inventory-service/src/domain/catalog.ts',
        "import { conflict } from '@shop/platform/runtime';\nimport type { ProductRepository } from './ports.js';\nexport const c = conflict;\nexport type P = ProductRepository;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryFindings(
        'inventory-service/src/http/product-routes.ts',
        "import type { Catalog } from '../domain/catalog.js';\nexport type C = Catalog;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryFindings(
        'inventory-service/src/data/product-repository.ts',
        "import type { ProductRepository } from '../domain/ports.js';\nexport type P = ProductRepository;\n",
      ),
    ).toEqual([]);
  });
  test('When a folder no rule names (cart/ as it landed, cache/) imports http or another adapter, then lint fails', async () => {
    const cart = await boundaryFindings(
      'order-service/src/cart/cart-routes.ts',
      "import { send } from '../http/order-responses.js';\nimport { createCartRepository } from '../data/cart-repository.js';\nexport const all = [send, createCartRepository];\n",
    );
    const http = await boundaryFindings(
      'inventory-service/src/http/product-routes.ts',
      "import type { ProductCache } from '../cache/product-cache.js';\nexport type C = ProductCache;\n",
    );
    const events = await boundaryFindings(
      'inventory-service/src/events/stock-events.ts',
      "import type { EventSink } from '../cache/change-events.js';\nexport type S = EventSink;\n",
    );
    const newFolder = await boundaryFindings(
      'shipping-service/src/reports/daily.ts',
      "import { createShipmentRepository } from '../data/shipment-repository.js';\nimport { shippingService } from '../service.js';\nexport const all = [createShipmentRepository, shippingService];\n",
    );
    expect(cart).toHaveLength(2);
    expect(http).toHaveLength(1);
    expect(events).toHaveLength(1);
    expect(newFolder).toHaveLength(2);
    expect(cart[0]).toContain('domain/ports.ts');
  });

  test('When a module beside service.ts imports an adapter, then lint fails; config.ts and service.ts may', async () => {
    expect(
      await boundaryFindings(
        'order-service/src/order-metrics.ts',
        "import { createCartRepository } from './data/cart-repository.js';\nimport type { OrderMetrics } from './domain/ports.js';\nexport const r = createCartRepository;\nexport type M = OrderMetrics;\n",
      ),
    ).toHaveLength(1);
    expect(
      await boundaryFindings(
        'inventory-service/src/config.ts',
        "import type { ProductCacheSettings } from './cache/product-cache.js';\nexport type S = ProductCacheSettings;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryFindings(
        'order-service/src/service.ts',
        "import { cartRoutes } from './http/cart-routes.js';\nimport { createCartRepository } from './data/cart-repository.js';\nexport const all = [cartRoutes, createCartRepository];\n",
      ),
    ).toEqual([]);
  });

  test("When a command's entry point (cli/) builds the domain over data, then lint is clean; importing http fails", async () => {
    expect(
      await boundaryFindings(
        'customer-service/src/cli/admin.ts',
        "import { createCustomerRepository } from '../data/customer-repository.js';\nimport { resetAdminPassword } from '../domain/password-reset.js';\nexport const all = [createCustomerRepository, resetAdminPassword];\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryFindings(
        'customer-service/src/cli/admin.ts',
        "import { createRouters } from '../http/routes.js';\nexport const r = createRouters;\n",
      ),
    ).toHaveLength(1);
  });

  test('When adapters import the domain and their own folder, then lint is clean (cache/, upstream/)', async () => {
    expect(
      await boundaryFindings(
        'inventory-service/src/cache/product-cache.ts',
        "import type { ProductCache } from '../domain/ports.js';\nimport type { CacheStore } from './cache-store.js';\nexport type A = [ProductCache, CacheStore];\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryFindings(
        'order-service/src/upstream/catalogue-client.ts',
        "import type { CataloguePort } from '../domain/ports.js';\nexport type P = CataloguePort;\n",
      ),
    ).toEqual([]);
  });
  test('When code anywhere imports an old platform name (@shop/platform, /testing, /cli, /cli/backup), then lint fails and names the entry point', async () => {
    const code = [
      "import { z } from '@shop/platform';",
      "import { request } from '@shop/platform/testing';",
      "import { UsageError } from '@shop/platform/cli';",
      "import { runBackup } from '@shop/platform/cli/backup';",
      'export const all = [z, request, UsageError, runBackup];',
    ].join('\n');
    for (const path of [
      'notification-service/src/http/analytics-routes.ts',
      'order-service/src/domain/cart.ts',
      'order-service/src/order-metrics.ts',
      'api-gateway/test/routing.api.test.ts',
      'bench/src/main.ts',
    ]) {
      const findings = await boundaryFindings(path, code);
      expect(findings, path).toHaveLength(4);
      expect(findings[1], path).toContain('@shop/platform/tools/testing');
    }
  });
});
