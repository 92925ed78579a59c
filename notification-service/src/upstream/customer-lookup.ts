import { z, type TokenService, type UpstreamClient } from '@shop/platform';
import type { Contact } from '../domain/notification.js';
import type { CustomerLookup } from '../domain/ports.js';

const contactBody = z.object({ email: z.string().min(3), name: z.string() });

/** Service tokens live 5 minutes; one is reused for a minute. */
function serviceAuthorization(tokens: TokenService, serviceName: string): () => string {
  let header = '';
  let signedAt = -Infinity;
  return () => {
    if (Date.now() - signedAt > 60_000) {
      header = `Bearer ${tokens.signServiceToken(serviceName)}`;
      signedAt = Date.now();
    }
    return header;
  };
}

/** GET /internal/customers/:id at customer-service, as notification-service itself (role service). */
export function customerLookup(
  client: UpstreamClient,
  tokens: TokenService,
  serviceName: string,
): CustomerLookup {
  const authorization = serviceAuthorization(tokens, serviceName);
  return {
    async contactOf(customerId): Promise<Contact | undefined> {
      const res = await client.request({
        method: 'GET',
        path: `/internal/customers/${encodeURIComponent(customerId)}`,
        headers: { authorization: authorization() },
      });
      // 400: not a customer id at all (e.g. a test double's); 404: no such customer. Neither gets better later.
      if (res.status === 404 || res.status === 400) return undefined;
      const body = contactBody.safeParse(res.body);
      if (res.status !== 200 || !body.success) {
        throw new Error(`customer-service answered ${res.status} to a contact lookup`);
      }
      return body.data;
    },
  };
}
