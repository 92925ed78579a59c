import type { AppAbility } from '@shop/platform/contracts';

/**
 * Which customers' orders the caller may list, derived from the CASL rules (platform/src/auth/abilities.ts)
 * rather than from the role: `all` for an unconditional rule (admin, service), else the customer ids its
 * conditions name (a customer: their own), or `none`.
 */
export function orderReadScope(
  ability: AppAbility,
): { all: true } | { all: false; customerIds: string[] } | 'none' {
  if (!ability.can('read', 'Order')) return 'none';
  const rules = ability.rulesFor('read', 'Order').filter((rule) => !rule.inverted);
  if (rules.some((rule) => rule.conditions === undefined)) return { all: true };
  const customerIds = rules
    .map((rule) => (rule.conditions as { customerId?: unknown } | undefined)?.customerId)
    .filter((id): id is string => typeof id === 'string');
  return customerIds.length === 0 ? 'none' : { all: false, customerIds };
}
