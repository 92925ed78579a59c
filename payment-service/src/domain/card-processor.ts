export const DEFAULT_CARD_TOKEN = 'tok_visa';
export const DECLINING_CARD_TOKEN = 'tok_chargeDeclined';

export type CardDecision = { approved: true } | { approved: false; reason: string };

/** Test card tokens look like Stripe's: `tok_` and a name. Anything else is a client error, not a decline. */
export function isCardToken(token: string): boolean {
  return /^tok_[\x21-\x7e]{1,96}$/.test(token);
}

/**
 * The simulated card network: `tok_chargeDeclined` is declined, every other test token approves.
 * Synchronous on purpose: the charge transaction holds no await between its idempotency check and its write.
 */
export function decideCharge(token: string): CardDecision {
  if (token === DECLINING_CARD_TOKEN) return { approved: false, reason: 'Your card was declined' };
  return { approved: true };
}
