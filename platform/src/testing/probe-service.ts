import { connect } from 'node:net';
import { createMetricsRegistry } from '../metrics/registry.js';
import { createService } from '../service/create-service.js';
import { startServer, type RunningServer } from '../service/run-service.js';
import { captureLogger, testTokens } from './fixtures.js';

/**
 * A bare service on 127.0.0.1 with the platform's whole middleware stack (errors, correlation, health,
 * authentication with the test tokens) and no routes of its own: every other path answers
 * `{ user: <the authenticated user's id or null> }`. For attacks on the shared stack.
 */
export async function startProbeService(
  limits?: Parameters<typeof startServer>[0]['limits'],
): Promise<RunningServer> {
  const { logger } = captureLogger('probe-service');
  const service = createService({
    name: 'probe-service',
    logger,
    registry: createMetricsRegistry('probe-service', { collectDefault: false }),
    tokens: testTokens(),
    routers: [],
  });
  service.app.use((ctx) => {
    ctx.body = { user: ctx.state.user?.id ?? null };
  });
  return startServer({ service, port: 0, host: '127.0.0.1', logger, limits });
}

/**
 * Writes `head` as given on a raw socket (no client normalises or merges anything) and resolves, once the
 * server closed the connection, with the status code (0 when none came) and what followed the head.
 */
export function rawExchange(baseUrl: string, head: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(head));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      const end = received.indexOf('\r\n\r\n');
      resolve({ status, body: end < 0 ? '' : received.slice(end + 4) });
    });
  });
}
