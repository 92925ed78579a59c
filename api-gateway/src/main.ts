import cluster from 'node:cluster';
import { gatewayWorkerCount } from './cluster/workers.js';

// GATEWAY_WORKERS > 1: this process is the primary, which only forks and supervises the workers (each of
// them runs this file again and serves the port). The gateway itself is loaded in the workers only.
let workers: number;
try {
  workers = cluster.isPrimary ? gatewayWorkerCount() : 1;
} catch (error) {
  process.stderr.write(`api-gateway: ${(error as Error).message}\n`);
  process.exit(1);
}
if (cluster.isPrimary && workers > 1) {
  const { runPrimary } = await import('./cluster/primary.js');
  runPrimary(workers);
} else {
  await import('./serve-gateway.js');
}
