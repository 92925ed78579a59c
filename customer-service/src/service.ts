import { defineService, loadMigrations } from '@shop/platform/runtime';
import { announceGeneratedAdmin } from './admin-announcement.js';
import { loadConfig, type CustomerServiceConfig } from './config.js';
import { createCustomerRepository } from './data/customer-repository.js';
import { createRefreshTokenRepository } from './data/refresh-token-repository.js';
import { transactionRunner } from './data/transaction.js';
import { ensureAdminAccount } from './domain/admin-bootstrap.js';
import type { Customer } from './domain/customer.js';
import { createPasswordHasher, type PasswordHasher } from './domain/password-hashing.js';
import type { Clock } from './domain/stores.js';
import type { CustomerDependencies } from './domain/use-cases.js';
import { publishCustomerRegistered } from './events/customer-events.js';
import { createRouters } from './http/routes.js';
import { securityDependencies } from './data/security-wiring.js';

export const SERVICE_NAME = 'customer-service';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What tests may replace (`startServiceForTest(customerService, { seams })`). */
export interface CustomerSeams {
  clock: Clock;
  hasher: PasswordHasher;
  /** Replaces the outbox hook of the registration transaction. */
  onRegistered: (customer: Customer) => void;
  /** false: no admin account is created at start (tests that create their own). */
  bootstrapAdmin: boolean;
}

/** customer-service: registration, sessions (login, refresh, logout), profiles and administration. */
export const customerService = defineService<CustomerServiceConfig, CustomerSeams, CustomerDependencies>({
  name: SERVICE_NAME,
  loadConfig,
  migrations: () => loadMigrations(import.meta.url),
  async compose({ db, bus, logger, registry, tokens, seams }, config) {
    const { budgetStore, revocationWorker, ...security } = securityDependencies({
      db,
      tokens,
      config,
      logger,
      registry,
    });
    const domain: CustomerDependencies = {
      ...security,
      customers: createCustomerRepository(db),
      refreshTokens: createRefreshTokenRepository(db),
      transaction: transactionRunner(db),
      hasher: seams.hasher ?? createPasswordHasher(),
      accessTokens: tokens,
      clock: seams.clock ?? (() => new Date()),
      refreshTokenTtlMs: config.REFRESH_TOKEN_TTL_DAYS * DAY_MS,
      onRegistered: seams.onRegistered ?? publishCustomerRegistered(bus.outbox),
    };

    if (seams.bootstrapAdmin !== false) {
      const bootstrap = await ensureAdminAccount(domain, {
        email: config.ADMIN_EMAIL,
        password: config.ADMIN_PASSWORD,
      });
      if (bootstrap.created) {
        const origin =
          bootstrap.generatedPassword === undefined
            ? 'from ADMIN_PASSWORD'
            : 'with a generated secret (shown once on stdout)';
        logger.info(`admin account created ${origin}`, {
          customerId: bootstrap.admin.id,
          email: bootstrap.admin.email,
        });
        if (bootstrap.generatedPassword !== undefined) {
          announceGeneratedAdmin(bootstrap.admin.email, bootstrap.generatedPassword, (text) =>
            process.stdout.write(text),
          );
        }
      }
    }

    return {
      routers: createRouters(domain, logger, registry),
      workers: [revocationWorker],
      close: [() => budgetStore.close()],
      exposed: domain,
    };
  },
});
