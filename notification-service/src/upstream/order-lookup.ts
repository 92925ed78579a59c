import {
  internalLookup,
  rememberFound,
  serviceAuthorization,
  z,
  type TokenService,
  type UpstreamClient,
} from '@shop/platform/runtime';
import type { OrderLookup } from '../domain/ports.js';

const orderBody = z.object({ id: z.string(), customerId: z.string() });

/**
 * GET /internal/orders/:id at order-service, as notification-service itself (role service). An order found
 * once is not asked about again (`rememberFound`): its id and customer, all this checks, never change.
 */
export function orderLookup(client: UpstreamClient, tokens: TokenService, caller: string): OrderLookup {
  return {
    find: rememberFound(
      internalLookup({
        client,
        authorization: serviceAuthorization(tokens, caller),
        path: (id) => `/internal/orders/${id}`,
        schema: orderBody,
        what: 'order',
      }),
    ),
  };
}
