import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers that claim an identity or a trust level. Only the verified bearer token speaks for the caller,
 * so whatever a client sends under these names is dropped before the request leaves the gateway.
 */
const IDENTITY_HEADERS = new Set([
  'x-user',
  'x-userid',
  'x-role',
  'x-roles',
  'remote-user',
  'forwarded',
  'x-real-ip',
  'x-client-ip',
]);
const IDENTITY_PREFIXES = [
  'x-user-',
  'x-auth',
  'x-forwarded-',
  'x-service-',
  'x-internal-',
  'x-remote-',
  'x-consumer-',
];

/**
 * Method overrides: some frameworks let these headers turn a POST into a DELETE or a PUT after the gateway
 * judged the request by its real method (permission, rate limit, route class). Never forwarded.
 */
const METHOD_OVERRIDE_HEADERS = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);

/** The request body is re-sent as the JSON the gateway parsed, so the client's framing headers go. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding']);

export function isIdentityHeader(name: string): boolean {
  if (IDENTITY_HEADERS.has(name)) return true;
  for (const prefix of IDENTITY_PREFIXES) if (name.startsWith(prefix)) return true;
  return false;
}

export interface OutgoingRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | undefined;
}

/**
 * The request as the upstream gets it: the client's headers without identity claims, X-Forwarded-For set
 * by us, and the parsed JSON body (already size-checked and validated by the gateway) serialised again.
 */
export function outgoingRequest(
  incoming: IncomingHttpHeaders,
  clientAddress: string,
  parsedBody: unknown,
  clientProof?: string,
): OutgoingRequest {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const name in incoming) {
    if (FRAMING_HEADERS.has(name) || METHOD_OVERRIDE_HEADERS.has(name) || isIdentityHeader(name)) continue;
    headers[name] = incoming[name];
  }
  headers['x-forwarded-for'] = clientAddress;
  // Whatever a client sent under this name was dropped above (x-forwarded-*); this is the gateway's own.
  if (clientProof !== undefined) headers['x-forwarded-client'] = clientProof;
  if (parsedBody === undefined) return { headers, body: undefined };
  const body = Buffer.from(JSON.stringify(parsedBody));
  headers['content-length'] = String(body.length);
  return { headers, body };
}
