// `@shop/platform/runtime`: what a running service is made of: the service shape (defineService, runService),
// HTTP (createService, middleware, upstream clients), SQLite, the event bus, logging, metrics, config, tokens.
export * from '../context/request-context.js';
export * from '../tracing/tracing.js';
export * from '../errors/app-error.js';
export * from '../config/config.js';
export * from '../logging/logger.js';
export * from '../logging/redact.js';
export * from '../logging/elasticsearch.js';
export * from '../logging/ecs-error.js';
export * from '../metrics/registry.js';
export * from '../db/sqlite.js';
export * from '../db/database-errors.js';
export * from '../auth/tokens.js';
export * from '../auth/revocations.js';
export * from '../auth/revocation-feed.js';
export * from '../service/server-limits.js';
export * from '../budgets/budget.js';
export * from '../service/create-service.js';
export * from '../service/run-service.js';
export * from '../service/auth-middleware.js';
export * from '../service/health.js';
export * from '../service/observe.js';
export { CORRELATION_HEADER } from '../service/correlation.js';
export * from '../validation/request-input.js';
export * from '../events/index.js';
export * from '../http-client/index.js';
export * from '../service/service-runtime.js';
export * from '../service/define-service.js';
