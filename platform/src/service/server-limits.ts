import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What a client may hold on a server, set deliberately on every server rather than left to node's defaults
 * (which keep a slowloris connection for 5 minutes). Every value is a configuration variable (HTTP_*).
 */
export interface ServerLimits {
  /** Longest a client may take to send a request's headers (HTTP_HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: number;
  /** Longest a client may take to send a whole request, body included (HTTP_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (HTTP_KEEP_ALIVE_TIMEOUT_MS). */
  keepAliveTimeoutMs: number;
  /** Most connections at once (HTTP_MAX_CONNECTIONS); more are closed as they arrive. */
  maxConnections: number;
  /** Most connections one client address may hold at once (HTTP_MAX_CONNECTIONS_PER_IP); 0 = no cap. */
  maxConnectionsPerIp: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_024,
  maxConnectionsPerIp: 0,
};

/** The limits of a service's configuration (the HTTP_* variables of the base config). */
export function serverLimitsFrom(config: {
  HTTP_HEADERS_TIMEOUT_MS?: number | undefined;
  HTTP_REQUEST_TIMEOUT_MS?: number | undefined;
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: number | undefined;
  HTTP_MAX_CONNECTIONS?: number | undefined;
  HTTP_MAX_CONNECTIONS_PER_IP?: number | undefined;
}): ServerLimits {
  return {
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS ?? DEFAULT_SERVER_LIMITS.headersTimeoutMs,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS ?? DEFAULT_SERVER_LIMITS.requestTimeoutMs,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs,
    maxConnections: config.HTTP_MAX_CONNECTIONS ?? DEFAULT_SERVER_LIMITS.maxConnections,
    maxConnectionsPerIp: config.HTTP_MAX_CONNECTIONS_PER_IP ?? DEFAULT_SERVER_LIMITS.maxConnectionsPerIp,
  };
}

/**
 * An HTTP server with `limits` applied. Node checks the header and request timeouts on a timer
 * (`connectionsCheckingInterval`, 30 s by default); it runs every quarter of the header timeout here (at
 * most once a second), so a slow client is cut off close to the limit rather than up to 30 s after it.
 */
export function createLimitedServer(listener: RequestListener, limits: ServerLimits): Server {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const options: ServerOptions = {
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 4))),
  };
  const server = createServer(options, listener);
  server.maxConnections = limits.maxConnections;
  if (limits.maxConnectionsPerIp > 0) capConnectionsPerAddress(server, limits.maxConnectionsPerIp);
  return server;
}

/**
 * Closes a new connection at once when its peer address already holds `max`: one client cannot take every
 * connection the server will hold. The peer is the socket's address: behind a proxy that is the proxy, so
 * there the proxy must cap per client and this cap be raised or set to 0.
 */
function capConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const held = open.get(address) ?? 0;
    if (held >= max) {
      socket.destroy();
      return;
    }
    open.set(address, held + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
