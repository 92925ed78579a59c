import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import jwt from 'jsonwebtoken';
import winston from 'winston';
import { createLogger } from '@shop/platform/runtime';
import type { MicroResult } from './report.js';

/** Runs `operation` in batches until `minMs` has passed (after a short warm-up); returns µs per call. */
function timePerCall(
  operation: () => void,
  minMs: number,
  batch: number,
): { operations: number; microsPerOp: number } {
  for (let i = 0; i < batch; i += 1) operation();
  let operations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < batch; i += 1) operation();
    operations += batch;
    elapsed = performance.now() - start;
  }
  return { operations, microsPerOp: (elapsed * 1000) / operations };
}

/** jsonwebtoken 9 verify (HS256, iss/aud checked): a string secret versus a KeyObject built once (docs/architecture.md#performance). */
export function jwtVerifyBenchmarks(minMs: number): MicroResult[] {
  const secret = randomBytes(48).toString('base64url');
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  const options = { algorithms: ['HS256' as const], issuer: 'shop-platform', audience: 'shop-api' };
  const token = jwt.sign({ role: 'customer' }, key, {
    algorithm: 'HS256',
    subject: 'bench-user',
    issuer: options.issuer,
    audience: options.audience,
    expiresIn: 3600,
  });
  return [
    { variant: 'string secret', run: () => jwt.verify(token, secret, options) },
    { variant: 'KeyObject (built once)', run: () => jwt.verify(token, key, options) },
  ].map(({ variant, run }) => ({
    name: 'jsonwebtoken verify',
    variant,
    ...timePerCall(() => void run(), minMs, 50),
  }));
}

const ACCESS_LOG_FIELDS = {
  http: { request: { method: 'GET' }, response: { status_code: 200 } },
  url: { path: '/api/customers/me' },
  event: { duration: 412_000 },
  correlationId: '5f0c6a52-1d0e-4c55-9f0e-2f7d1c1b1a10',
};

async function timeLogger(logger: winston.Logger, lines: number): Promise<number> {
  // winston's File transport or the platform's own (JsonLinesFile): both name their file.
  const file = logger.transports.find((t) => 'filename' in t);
  const start = performance.now();
  for (let i = 0; i < lines; i += 1) logger.info('request completed', { ...ACCESS_LOG_FIELDS });
  // Count the time until the lines are on disk, not just queued in the stream.
  await new Promise<void>((resolve) => {
    const fallback = setTimeout(resolve, 10_000);
    (file ?? logger).once('finish', () => {
      clearTimeout(fallback);
      resolve();
    });
    logger.end();
  });
  return ((performance.now() - start) * 1000) / lines;
}

/** One access-log line per request: the platform's ECS logger to a file, plain winston JSON, and nothing. */
export async function accessLogBenchmarks(lines: number): Promise<MicroResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'shop-bench-log-'));
  try {
    const platform = createLogger({ service: 'bench', console: false, file: join(dir, 'platform.log') });
    const plain = winston.createLogger({
      format: winston.format.json(),
      transports: [new winston.transports.File({ filename: join(dir, 'plain.log') })],
    });
    let sink = 0;
    const none = timePerCall(
      () => {
        const fields = { ...ACCESS_LOG_FIELDS };
        sink += fields.event.duration;
      },
      200,
      1000,
    );
    const results: MicroResult[] = [
      {
        name: 'access log line',
        variant: 'platform ECS logger -> file',
        operations: lines,
        microsPerOp: await timeLogger(platform, lines),
      },
      {
        name: 'access log line',
        variant: 'winston json -> file',
        operations: lines,
        microsPerOp: await timeLogger(plain, lines),
      },
      { name: 'access log line', variant: 'no logging', ...none },
    ];
    if (sink < 0) throw new Error('unreachable: keeps the baseline loop from being optimised away');
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
