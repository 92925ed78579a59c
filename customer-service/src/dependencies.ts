import type { Db, Outbox } from '@shop/platform';
import { createCustomerRepository } from './data/customer-repository.js';
import { createRefreshTokenRepository } from './data/refresh-token-repository.js';
import { transactionRunner } from './data/transaction.js';
import type { AdminBootstrapDeps } from './domain/admin-bootstrap.js';
import type { AdministrationDeps } from './domain/administration.js';
import type { Customer } from './domain/customer.js';
import { createPasswordHasher, type PasswordHasher } from './domain/password-hashing.js';
import type { ProfileDeps } from './domain/profile.js';
import type { RegistrationDeps } from './domain/registration.js';
import type { AccessTokenIssuer, SessionDeps } from './domain/sessions.js';
import type { Clock } from './domain/stores.js';
import { publishCustomerRegistered } from './events/customer-events.js';

/** Everything the use cases need, built once per database. */
export type CustomerDependencies = RegistrationDeps &
  SessionDeps &
  ProfileDeps &
  AdministrationDeps &
  AdminBootstrapDeps;

export interface DependencyOptions {
  db: Db;
  accessTokens: AccessTokenIssuer;
  refreshTokenTtlDays?: number;
  clock?: Clock;
  hasher?: PasswordHasher;
  /** The event bus outbox: registration writes CustomerRegistered into it, inside its transaction. */
  outbox?: Outbox;
  /** Replaces the outbox hook of the registration transaction (tests); a no-op without either. */
  onRegistered?: (customer: Customer) => void;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function createDependencies(options: DependencyOptions): CustomerDependencies {
  return {
    customers: createCustomerRepository(options.db),
    refreshTokens: createRefreshTokenRepository(options.db),
    transaction: transactionRunner(options.db),
    hasher: options.hasher ?? createPasswordHasher(),
    accessTokens: options.accessTokens,
    clock: options.clock ?? (() => new Date()),
    refreshTokenTtlMs: (options.refreshTokenTtlDays ?? 14) * DAY_MS,
    onRegistered:
      options.onRegistered ?? (options.outbox ? publishCustomerRegistered(options.outbox) : () => undefined),
  };
}
