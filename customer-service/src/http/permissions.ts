import type { Action, AppAbility, SubjectType } from '@shop/platform';

/**
 * True when the caller may act on every row of `type`, not only on rows meeting a condition. A customer
 * may read Customer, but only their own row: that is not enough to list everyone or use internal routes.
 */
export function mayActOnEveryRow(
  ability: AppAbility,
  action: Action,
  type: Exclude<SubjectType, 'all'>,
): boolean {
  const rule = ability.relevantRuleFor(action, type);
  return rule !== null && !rule.inverted && rule.conditions === undefined;
}
