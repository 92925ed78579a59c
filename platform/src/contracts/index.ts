// `@shop/platform/contracts`: what the services agree on: the service list, the event catalogue, roles and
// permissions. Data and types only (zod schemas, CASL rules): nothing here opens a socket or a file.
export * from './services.js';
export * from '../events/catalog.js';
export * from '../auth/abilities.js';
