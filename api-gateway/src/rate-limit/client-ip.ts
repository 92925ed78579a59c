import { isIP } from 'node:net';

/**
 * The address rate limits are keyed on. X-Forwarded-For is believed only behind `trustedHops` proxies of
 * our own: each appends the address it saw, so the client is the hop-th entry from the right and anything
 * further left is whatever the client chose to send. With no trusted hops the socket address is used, so
 * rotating X-Forwarded-For buys nothing.
 */
export function clientIp(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trustedHops: number,
): string {
  const socket = socketAddress ?? 'unknown';
  if (trustedHops <= 0 || forwardedFor === undefined || forwardedFor === '') return socket;
  const chain = forwardedFor.split(',');
  const candidate = chain[Math.max(0, chain.length - trustedHops)]?.trim() ?? '';
  return isIP(candidate) === 0 ? socket : candidate;
}
