import type { TokenService } from '@shop/platform/runtime';

/**
 * The Authorization header for calls made as order-service itself (the saga and the recovery worker act for
 * the platform, not for the customer). Service tokens live 5 minutes; one is reused for a minute.
 */
export function serviceAuthorization(
  tokens: TokenService,
  serviceName: string,
  reuseMs = 60_000,
): () => string {
  let header = '';
  let signedAt = -Infinity;
  return () => {
    const now = Date.now();
    if (now - signedAt > reuseMs) {
      header = `Bearer ${tokens.signServiceToken(serviceName)}`;
      signedAt = now;
    }
    return header;
  };
}
