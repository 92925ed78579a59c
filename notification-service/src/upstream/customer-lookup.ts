import {
  internalLookup,
  serviceAuthorization,
  z,
  type TokenService,
  type UpstreamClient,
} from '@shop/platform/runtime';
import type { CustomerLookup } from '../domain/ports.js';

const contactBody = z.object({ email: z.string().min(3), name: z.string() });

/** GET /internal/customers/:id at customer-service, as notification-service itself (role service). */
export function customerLookup(
  client: UpstreamClient,
  tokens: TokenService,
  serviceName: string,
): CustomerLookup {
  return {
    contactOf: internalLookup({
      client,
      authorization: serviceAuthorization(tokens, serviceName),
      path: (id) => `/internal/customers/${id}`,
      schema: contactBody,
      what: 'customer',
    }),
  };
}
