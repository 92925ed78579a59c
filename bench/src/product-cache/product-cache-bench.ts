// Target `product-cache`: inventory-service's product reads with the cache off (every read goes to SQLite
// and is serialised: a cold cache) and with the in-process cache warm, side by side in one run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cpuMicrosOf, procAvailable } from '../e2e/process-stats.js';
import { formatTable } from '@shop/platform/tools';
import { runLoad, withCpuPerRequest, type LoadResult } from '../load.js';
import { freePort, watchChild } from '../target-process.js';

export interface ProductCacheRun {
  side: 'cold' | 'warm';
  read: 'item' | 'list';
  path: string;
  result: LoadResult;
}

export type ProductCacheResult =
  | {
      runs: ProductCacheRun[];
      /** warm req/s divided by cold req/s, per read. */
      throughputRatio: { item?: number; list?: number };
    }
  | { skipped: string };

export interface ProductCacheBenchOptions {
  repoRoot: string;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  say: (line: string) => void;
}

/** The demo catalogue's product 1, and its first page of 12 products (the catalogue's front page). */
const READS = [
  { read: 'item', path: '/api/products/1' },
  { read: 'list', path: '/api/products?limit=12' },
] as const;

interface Inventory {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startInventory(entry: string, dataDir: string, cacheEnabled: boolean): Promise<Inventory> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [entry], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      LOG_TO_CONSOLE: 'false',
      LOG_LEVEL: 'warn',
      SEED_DEMO_CATALOG: 'true',
      PRODUCT_CACHE_ENABLED: String(cacheEnabled),
    },
  });
  const { stderr, stop } = watchChild(child);
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`inventory-service exited: ${stderr().trim().split('\n')[0] ?? ''}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      await stop();
      throw new Error('inventory-service did not become ready within 15 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, pid: child.pid as number, stop };
}

/** Both sides run one after the other in this run, each read on its own process, so the figures compare. */
export async function runProductCacheBench(options: ProductCacheBenchOptions): Promise<ProductCacheResult> {
  const entry = join(options.repoRoot, 'inventory-service', 'dist', 'src', 'main.js');
  if (!existsSync(entry))
    return { skipped: 'inventory-service is not built (inventory-service/dist/src/main.js)' };
  const runs: ProductCacheRun[] = [];
  for (const side of ['cold', 'warm'] as const) {
    const dataDir = mkdtempSync(join(tmpdir(), `shop-bench-inventory-${side}-`));
    let inventory: Inventory | undefined;
    try {
      inventory = await startInventory(entry, dataDir, side === 'warm');
      for (const { read, path } of READS) {
        options.say(
          `product-cache: ${side} ${read} reads (${path}), warm-up ${options.warmupSeconds} s, ${options.durationSeconds} s`,
        );
        const load = { url: `${inventory.url}${path}`, headers: { accept: 'application/json' } };
        if (options.warmupSeconds > 0) {
          await runLoad({
            ...load,
            connections: options.connections,
            durationSeconds: options.warmupSeconds,
          });
        }
        const { pid } = inventory;
        const result = await withCpuPerRequest(
          () => (procAvailable() ? cpuMicrosOf(pid) : undefined),
          () =>
            runLoad({ ...load, connections: options.connections, durationSeconds: options.durationSeconds }),
        );
        runs.push({ side, read, path, result });
      }
    } catch (error) {
      return { skipped: `could not run: ${(error as Error).message}` };
    } finally {
      await inventory?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const ratio = (read: 'item' | 'list') => {
    const cold = runs.find((run) => run.side === 'cold' && run.read === read)?.result.requestsPerSecond;
    const warm = runs.find((run) => run.side === 'warm' && run.read === read)?.result.requestsPerSecond;
    return cold && warm ? warm / cold : undefined;
  };
  return { runs, throughputRatio: { item: ratio('item'), list: ratio('list') } };
}

export function formatProductCache(result: ProductCacheResult): string {
  if ('skipped' in result) return `Product cache (cold vs warm): skipped, ${result.skipped}`;
  const fixed = (value: number | undefined, digits: number) =>
    value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);
  const rows = result.runs.map((run) => [
    run.side === 'cold' ? 'cold (cache off: every read misses)' : 'warm (in-process cache)',
    run.read,
    fixed(run.result.requestsPerSecond, 0),
    fixed(run.result.p50Ms, 2),
    fixed(run.result.p99Ms, 2),
    fixed(run.result.cpuMicrosPerRequest, 0),
    String(run.result.non2xx + run.result.errors),
  ]);
  return [
    'Product cache: inventory-service product reads, cold vs warm (same run, same machine)',
    formatTable(['side', 'read', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'non-2xx+errors'], rows),
    `warm/cold throughput: item ${fixed(result.throughputRatio.item, 2)}x, list ${fixed(result.throughputRatio.list, 2)}x`,
  ].join('\n');
}
