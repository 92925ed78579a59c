import {
  createUpstreamClient,
  type ForwardRequest,
  type UpstreamClient,
  type UpstreamOptions,
} from './upstream-client.js';

const READS = new Set(['GET', 'HEAD']);
const SEVERITY = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * One client that keeps an upstream's reads and writes apart: GET/HEAD go through a `read` client, every
 * other method through a `write` client, each with its own pool, bulkhead and breaker (route_class `read` /
 * `write`). A write path that fails cannot then short-circuit the reads, and successful reads cannot hide
 * failing writes from the breaker that should stop them. `state()` is the worse of the two.
 */
export function createReadWriteClient(options: Omit<UpstreamOptions, 'routeClass'>): UpstreamClient {
  const read = createUpstreamClient({ ...options, routeClass: 'read' });
  const write = createUpstreamClient({ ...options, routeClass: 'write' });
  const laneOf = (method: string): UpstreamClient => (READS.has(method.toUpperCase()) ? read : write);
  return {
    name: options.name,
    request: (req) => laneOf(req.method).request(req),
    forward: (req: ForwardRequest) => laneOf(req.method).forward(req),
    forwardInto: (req, into) => laneOf(req.method).forwardInto(req, into),
    state() {
      const [readState, writeState] = [read.state(), write.state()];
      return SEVERITY[readState] >= SEVERITY[writeState] ? readState : writeState;
    },
    async close() {
      await Promise.all([read.close(), write.close()]);
    },
  };
}
