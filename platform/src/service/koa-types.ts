import type { AuthUser } from '../auth/tokens.js';

declare module 'koa' {
  interface DefaultState {
    /** The verified caller, set by the auth middleware; undefined for anonymous requests. */
    user?: AuthUser | undefined;
  }
  interface Request {
    /** Parsed JSON body (undefined when the request has none). */
    body?: unknown;
  }
}

export {};
