import {
  createBudgetStore,
  startRevocationFeed,
  vouchedClientAddress,
  type BackgroundWorker,
  type BudgetStore,
  type Db,
  type Logger,
  type Registry,
  type TokenService,
} from '@shop/platform/runtime';
import type { CustomerServiceConfig } from '../config.js';
import { createCredentialRepository } from './credential-repository.js';
import { createRevocationRepository } from './revocation-repository.js';
import { accessRevoker } from '../domain/access-revocation.js';
import type { AuthBudgets, SecurityDependencies } from '../domain/security-ports.js';

/**
 * Budgets in the database (or Redis with REDIS_URL), revocations recorded for the feed and applied to this
 * process at once, the client address the gateway vouches for, and a worker that reads the revocations other
 * replicas wrote into this process's list (the gateway and the other services poll the HTTP feed instead).
 */
export function securityDependencies(options: {
  db: Db;
  tokens: TokenService;
  config: CustomerServiceConfig;
  logger: Logger;
  registry: Registry;
}): SecurityDependencies & { budgetStore: BudgetStore; revocationWorker: BackgroundWorker } {
  const { db, tokens, config, logger } = options;
  const revocationStore = createRevocationRepository(db);
  const budgetStore = createBudgetStore({
    db,
    redisUrl: config.REDIS_URL,
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
    logger,
  });
  const login = {
    durationSeconds: config.RATE_LIMIT_LOGIN_DURATION_SECONDS,
    blockSeconds: config.RATE_LIMIT_LOGIN_BLOCK_SECONDS,
  };
  const budgets: AuthBudgets = {
    loginEmail: budgetStore.budget({
      name: 'login_email',
      points: config.RATE_LIMIT_LOGIN_EMAIL_POINTS,
      ...login,
    }),
    loginIp: budgetStore.budget({ name: 'login_ip', points: config.RATE_LIMIT_LOGIN_IP_POINTS, ...login }),
    register: budgetStore.budget({
      name: 'register',
      points: config.RATE_LIMIT_REGISTER_POINTS,
      durationSeconds: config.RATE_LIMIT_REGISTER_DURATION_SECONDS,
    }),
  };
  let sweptAt = 0;
  const revocationWorker: BackgroundWorker = {
    name: 'revocations from the database',
    start: () =>
      startRevocationFeed({
        list: tokens.revocations,
        logger,
        registry: options.registry,
        source: (cursor) => {
          const now = Date.now();
          if (now - sweptAt > 60_000) {
            sweptAt = now;
            revocationStore.deleteExpired(now);
          }
          return Promise.resolve(revocationStore.pageAfter(cursor, now));
        },
      }),
  };
  return {
    revocationStore,
    revokeAccess: accessRevoker({
      store: revocationStore,
      lifetimeMs: (tokens.maxLifetimeSeconds + tokens.clockToleranceSeconds) * 1000,
      list: tokens.revocations,
    }),
    credentials: createCredentialRepository(db),
    budgets,
    passwordAttempts: budgets.loginEmail,
    refreshReuseGraceMs: config.REFRESH_REUSE_GRACE_SECONDS * 1000,
    clientAddress: (ctx) => vouchedClientAddress(ctx, tokens),
    budgetStore,
    revocationWorker,
  };
}
