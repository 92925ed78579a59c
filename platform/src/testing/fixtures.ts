import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createTokenService, type AuthUser, type TokenService } from '../auth/tokens.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { assertMatchesContract, contractChecksEnabled } from './contract.js';

/** Token settings shared by tests: real HS256 tokens, a test-only secret. */
export const TEST_JWT = {
  secret: 'test-secret-that-is-long-enough-for-hs256-0123456789',
  issuer: 'shop-platform',
  audience: 'shop-api',
} as const;

export function testTokens(): TokenService {
  return createTokenService(TEST_JWT);
}

/** Signs a real access token for a test user. */
export function tokenFor(user: AuthUser, tokens: TokenService = testTokens()): string {
  return tokens.signAccessToken(user);
}

/** A fresh directory under the OS temp dir; `cleanup()` removes it. */
export function tempDir(prefix = 'shop-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A logger that keeps every JSON line in memory, so tests can assert on what was logged. */
export function captureLogger(service: string): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({
    service,
    level: 'debug',
    console: false,
    transports: [new winston.transports.Stream({ stream: sink })],
  });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls a JSON API with fetch: `request(url, 'POST', '/api/orders', { body, token })`. */
export async function request<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: the raw text is the body (e.g. /metrics).
  }
  if (contractChecksEnabled()) assertMatchesContract({ method, path, status: response.status, body: parsed });
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** True when a TCP port on 127.0.0.1 answers (used to decide whether RabbitMQ/Redis tests can run). */
export async function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
