import {
  internalLookup,
  serviceAuthorization,
  z,
  type TokenService,
  type UpstreamClient,
} from '@shop/platform/runtime';
import type { OrderDirectory } from '../domain/ports.js';

const orderBody = z.object({ id: z.string(), customerId: z.string(), status: z.string() });

/** GET /internal/orders/:id at order-service, as shipping-service itself (role service). */
export function orderDirectory(client: UpstreamClient, tokens: TokenService, caller: string): OrderDirectory {
  const lookup = internalLookup({
    client,
    authorization: serviceAuthorization(tokens, caller),
    path: (id) => `/internal/orders/${id}`,
    schema: orderBody,
    what: 'order',
  });
  return { find: lookup };
}
