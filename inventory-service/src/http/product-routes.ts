import { Router } from '@koa/router';
import { authorize, parseInput, paginated } from '@shop/platform/runtime';
// The request schemas are the shared contract's, the ones the OpenAPI document is built from.
import {
  productCreateBody,
  productIdPath,
  productListQuery,
  productReplaceBody,
  stockChangeBody,
} from '@shop/platform/api-contract';
import type { Context } from 'koa';
import type { CachedBody, ProductCache } from '../domain/ports.js';
import type { Catalog } from '../domain/catalog.js';
import { normaliseSearch } from '../domain/product.js';

/**
 * A cached product answer with its ETag: `If-None-Match` with the same tag gets 304 and no body.
 * `no-cache`: clients and proxies may keep it but must revalidate, since stock moves with every order.
 */
function sendCached(ctx: Context, answer: CachedBody): void {
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('ETag', answer.etag);
  if (noneMatch(ctx.get('If-None-Match'), answer.etag)) {
    ctx.status = 304;
    return;
  }
  ctx.type = 'application/json';
  ctx.body = answer.body;
}

/**
 * RFC 9110 If-None-Match at the origin: true when the header is `*` or lists the tag (weak comparison, so
 * `W/"x"` matches `"x"`). Not Koa's `ctx.fresh`: that treats a request's `Cache-Control: no-cache` as "send it
 * all", which is a cache's rule, and fetch() sends that header with every conditional request.
 */
function noneMatch(header: string, etag: string): boolean {
  if (header === '') return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return (tag.startsWith('W/') ? tag.slice(2) : tag) === etag;
  });
}

export function productRoutes(catalog: Catalog, cache: ProductCache): Router {
  const router = new Router();

  router.get('/api/products', async (ctx) => {
    const query = parseInput(productListQuery, ctx.query, 'query');
    const q = query.q?.trim() ? query.q.trim() : undefined;
    // One key per distinct answer: equivalent queries (defaults spelled out or not) share an entry.
    const key = JSON.stringify([
      q === undefined ? null : normaliseSearch(q),
      query.sort ?? 'id',
      query.page,
      query.limit,
    ]);
    const answer = await cache.list(key, () => {
      const page = catalog.list(query);
      return paginated(page.rows, query, page.total);
    });
    sendCached(ctx, answer);
  });

  router.get('/api/products/:id', async (ctx) => {
    const { id } = parseInput(productIdPath, ctx.params, 'path');
    sendCached(ctx, await cache.item(id, () => catalog.get(id)));
  });

  router.post('/api/products', authorize('create', 'Product'), async (ctx) => {
    const { currency: _currency, ...product } = parseInput(productCreateBody, ctx.request.body, 'body');
    const created = await catalog.create(product);
    ctx.status = 201;
    ctx.set('Location', `/api/products/${created.id}`);
    ctx.body = created;
  });

  router.put('/api/products/:id', authorize('update', 'Product'), async (ctx) => {
    const { id } = parseInput(productIdPath, ctx.params, 'path');
    const { currency: _currency, ...fields } = parseInput(productReplaceBody, ctx.request.body, 'body');
    ctx.body = await catalog.replace(id, fields);
  });

  router.delete('/api/products/:id', authorize('delete', 'Product'), async (ctx) => {
    const { id } = parseInput(productIdPath, ctx.params, 'path');
    await catalog.remove(id);
    ctx.status = 204;
  });

  router.patch('/api/products/:id/stock', authorize('update', 'Stock'), async (ctx) => {
    const { id } = parseInput(productIdPath, ctx.params, 'path');
    ctx.body = await catalog.changeStock(id, parseInput(stockChangeBody, ctx.request.body, 'body'));
  });

  return router;
}
