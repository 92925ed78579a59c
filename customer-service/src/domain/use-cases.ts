import type { AdminBootstrapDeps } from './admin-bootstrap.js';
import type { AdministrationDeps } from './administration.js';
import type { ProfileDeps } from './profile.js';
import type { RegistrationDeps } from './registration.js';
import type { SessionDeps } from './sessions.js';
import type { CredentialDeps } from './credentials.js';
import type { SecurityDependencies } from './security-ports.js';

/** Everything the customer use cases need (their ports), built once per database in src/service.ts. */
export type CustomerDependencies = RegistrationDeps &
  SessionDeps &
  ProfileDeps &
  AdministrationDeps &
  AdminBootstrapDeps &
  CredentialDeps &
  SecurityDependencies;
