// Child process entry: serves one benchmark target on 127.0.0.1 so the load generator has its own core.
// Usage: node serve-target.js '<TargetSpec JSON>'; prints {"url": ...} on one line once listening, and answers
// the IPC message 'cpu-usage' with its process.cpuUsage().
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBareProxy } from './targets/bare-proxy.js';
import { createGatewayTarget } from './targets/gateway.js';
import { createKoaProxy } from './targets/koa-proxy.js';
import { createUpstream } from './targets/upstream.js';
import { parseTargetSpec, type TargetSpec } from './target-spec.js';

async function build(spec: TargetSpec): Promise<{ server: Server; close(): Promise<void> }> {
  switch (spec.kind) {
    case 'upstream':
      return { server: createUpstream(), close: () => Promise.resolve() };
    case 'bare-proxy':
      return createBareProxy(spec.upstreamUrl);
    case 'koa-proxy':
      return createKoaProxy(spec.upstreamUrl);
    case 'gateway':
      return createGatewayTarget(spec);
  }
}

const spec = parseTargetSpec(process.argv[2] ?? '');
const target = await build(spec);
await new Promise<void>((resolve, reject) => {
  target.server.once('error', reject);
  target.server.listen(0, '127.0.0.1', () => resolve());
});
const { port } = target.server.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);

// The parent asks for this process's CPU time around each run: CPU µs per request is steadier than req/s
// on a shared machine, because time other processes take from the cores is not counted.
process.on('message', (message: unknown) => {
  if (message === 'cpu-usage') process.send?.({ cpuUsage: process.cpuUsage() });
});

process.once('SIGTERM', () => {
  target.server.closeAllConnections();
  target.server.close(() => {
    target.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  });
});
