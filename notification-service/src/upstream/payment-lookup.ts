import {
  internalLookup,
  serviceAuthorization,
  z,
  type TokenService,
  type UpstreamClient,
} from '@shop/platform/runtime';
import type { PaymentLookup } from '../domain/ports.js';

const paymentBody = z.object({
  id: z.string(),
  customerId: z.string(),
  status: z.string(),
  refundReason: z.string().optional(),
});

/** GET /internal/payments/by-order/:orderId at payment-service, as notification-service itself (role service). */
export function paymentLookup(client: UpstreamClient, tokens: TokenService, caller: string): PaymentLookup {
  return {
    findByOrder: internalLookup({
      client,
      authorization: serviceAuthorization(tokens, caller),
      path: (orderId) => `/internal/payments/by-order/${orderId}`,
      schema: paymentBody,
      what: 'payment of order',
    }),
  };
}
