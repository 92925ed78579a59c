import { forbidden, unauthorized, type AuthUser } from '@shop/platform/runtime';
import { abilityFor } from '@shop/platform/contracts';
import type { Permission } from './route-table.js';

/** The route's permission with the shared (cached) abilities: 401 for anonymous callers, 403 otherwise. */
export function assertPermitted(permission: Permission, user: AuthUser | undefined): void {
  if (permission === 'public') return;
  if (permission === 'authenticated') {
    if (user === undefined) throw unauthorized();
    return;
  }
  if (abilityFor(user).can(permission.action, permission.subject)) return;
  throw user === undefined ? unauthorized() : forbidden();
}
