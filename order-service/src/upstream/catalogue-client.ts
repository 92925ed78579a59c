import { z, type UpstreamClient } from '@shop/platform/runtime';
import type { CataloguePort } from '../domain/ports.js';

const productSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  priceCents: z.number().int().nonnegative(),
  currency: z.string().min(3).max(3),
  stock: z.number().int().nonnegative(),
});

/**
 * CataloguePort over inventory's `GET /api/products/:id`, on the read lane of the inventory client (its own
 * breaker and pool: a slow catalogue cannot trip the reservations the saga makes). Any failure is
 * `unavailable`: the cart still answers, without prices (docs/features/cart.md).
 */
export function createCataloguePort(client: UpstreamClient, authorization: () => string): CataloguePort {
  return {
    async product(productId) {
      try {
        const response = await client.request({
          method: 'GET',
          path: `/api/products/${productId}`,
          headers: { authorization: authorization() },
        });
        if (response.status === 404) return { kind: 'not_found' };
        if (response.status !== 200) return { kind: 'unavailable', detail: `status ${response.status}` };
        const parsed = productSchema.safeParse(response.body);
        if (!parsed.success) return { kind: 'unavailable', detail: 'invalid product' };
        return { kind: 'found', product: parsed.data };
      } catch (error) {
        return { kind: 'unavailable', detail: (error as Error).message };
      }
    },
  };
}
