import { Router } from '@koa/router';
import { authorize, z, integerIdParam, parseInput, paginationQuery, paginated } from '@shop/platform';
import type { Catalog } from '../domain/catalog.js';
import { PRODUCT_SORTS } from '../domain/product.js';

const listQuery = z.strictObject({
  ...paginationQuery,
  q: z.string().max(100).optional(),
  sort: z.enum(PRODUCT_SORTS).optional(),
});

const sku = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');
const details = {
  sku,
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).default(''),
  priceCents: z.int().min(1).max(100_000_000),
  currency: z.literal('USD').optional(),
};
const stock = z.int().min(0).max(1_000_000);

const createBody = z.strictObject({ ...details, stock: stock.default(0) });
// Full replacement of the catalog fields; stock changes only through PATCH /stock, which reservations respect.
const replaceBody = z.strictObject(details);
const stockBody = z.union([
  z.strictObject({ delta: z.int().min(-1_000_000).max(1_000_000) }),
  z.strictObject({ stock }),
]);
const idPath = z.object({ id: integerIdParam });

export function productRoutes(catalog: Catalog): Router {
  const router = new Router();

  router.get('/api/products', (ctx) => {
    const query = parseInput(listQuery, ctx.query, 'query');
    const page = catalog.list(query);
    ctx.body = paginated(page.rows, query, page.total);
  });

  router.get('/api/products/:id', (ctx) => {
    const { id } = parseInput(idPath, ctx.params, 'path');
    ctx.body = catalog.get(id);
  });

  router.post('/api/products', authorize('create', 'Product'), async (ctx) => {
    const { currency: _currency, ...product } = parseInput(createBody, ctx.request.body, 'body');
    const created = await catalog.create(product);
    ctx.status = 201;
    ctx.set('Location', `/api/products/${created.id}`);
    ctx.body = created;
  });

  router.put('/api/products/:id', authorize('update', 'Product'), async (ctx) => {
    const { id } = parseInput(idPath, ctx.params, 'path');
    const { currency: _currency, ...fields } = parseInput(replaceBody, ctx.request.body, 'body');
    ctx.body = await catalog.replace(id, fields);
  });

  router.delete('/api/products/:id', authorize('delete', 'Product'), async (ctx) => {
    const { id } = parseInput(idPath, ctx.params, 'path');
    await catalog.remove(id);
    ctx.status = 204;
  });

  router.patch('/api/products/:id/stock', authorize('update', 'Stock'), async (ctx) => {
    const { id } = parseInput(idPath, ctx.params, 'path');
    ctx.body = await catalog.changeStock(id, parseInput(stockBody, ctx.request.body, 'body'));
  });

  return router;
}
