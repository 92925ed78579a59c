import { AbilityBuilder, createMongoAbility, subject as asSubject, type MongoAbility } from '@casl/ability';
import type { AuthUser } from './tokens.js';

export type Action = 'manage' | 'create' | 'read' | 'update' | 'delete' | 'cancel' | 'refund';
export type SubjectType =
  | 'Customer'
  | 'Product'
  | 'Stock'
  | 'Reservation'
  | 'Order'
  | 'Payment'
  | 'Shipment'
  | 'Notification'
  | 'Cart'
  | 'Chaos'
  | 'Analytics'
  | 'all';

// Rows are plain objects tagged with their type (see `subject`); CASL matches conditions against them.
export type AppAbility = MongoAbility<[Action, SubjectType | Record<string, unknown>]>;

/**
 * The one place where permissions are defined (docs/architecture.md#public-api). Rules on customer data are conditional on
 * ownership, so a service checks the row itself: `ability.can('read', subject('Order', order))`.
 */
export function defineAbilityFor(user: AuthUser | undefined): AppAbility {
  const { can, cannot, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  can('read', 'Product');
  // Behaviour events (analytics) are recorded by anyone, signed in or not; the summary is the admin's.
  can('create', 'Analytics');
  if (user?.role === 'admin') {
    can('manage', 'all');
    cannot('update', 'Customer', ['id']);
  } else if (user?.role === 'customer') {
    can('read', 'Customer', { id: user.id });
    can('update', 'Customer', ['name', 'email', 'password'], { id: user.id });
    can('create', 'Order');
    can('read', 'Order', { customerId: user.id });
    can('cancel', 'Order', { customerId: user.id });
    can('read', 'Payment', { customerId: user.id });
    can('read', 'Shipment', { customerId: user.id });
    can('read', 'Notification', { customerId: user.id });
    can(['read', 'update', 'delete'], 'Cart', { customerId: user.id });
  } else if (user?.role === 'service') {
    // Service-to-service calls made by the saga and the recovery worker.
    can('manage', 'Reservation');
    can('read', 'Stock');
    can(['create', 'read', 'refund'], 'Payment');
    can('read', 'Order');
    can('read', 'Customer');
  }
  return build();
}

const MAX_CACHED = 10_000;
const cache = new Map<string, AppAbility>();

/** Abilities are built once per user and reused (docs/architecture.md#performance): building one costs far more than checking it. */
export function abilityFor(user: AuthUser | undefined): AppAbility {
  const key = user ? `${user.role}:${user.id}` : 'anonymous';
  let ability = cache.get(key);
  if (!ability) {
    if (cache.size >= MAX_CACHED) cache.clear();
    ability = defineAbilityFor(user);
    cache.set(key, ability);
  }
  return ability;
}

/** Tags a row with its subject type for a row-level check. */
export function subject<T extends Record<string, unknown>>(type: Exclude<SubjectType, 'all'>, row: T): T {
  return asSubject(type, row);
}

/**
 * True when the caller may act on every row of `type`, not only on rows that meet a condition. A type-level
 * `can('read', 'Customer')` is true for a customer (their own row); listing everyone needs this instead.
 */
export function canActOnEveryRow(
  ability: AppAbility,
  action: Action,
  type: Exclude<SubjectType, 'all'>,
): boolean {
  return ability.rulesFor(action, type).some((rule) => !rule.inverted && rule.conditions === undefined);
}
