import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.js';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON-only bodies (docs/architecture.md#public-api): a body in any other media type is 415, one above `limitBytes` is 413
 * (counted while streaming, so a lying Content-Length does not help), malformed JSON is 400.
 */
export function jsonBody(limitBytes: number) {
  // Not async for requests without a body (most of them): no promise of its own around the rest.
  return function parseJsonBody(ctx: Context, next: Next): Promise<void> {
    if (!METHODS_WITH_BODY.has(ctx.method)) return next();
    const declared = ctx.request.length;
    const hasBody = (declared !== undefined && declared > 0) || ctx.get('Transfer-Encoding') !== '';
    if (!hasBody) return next();
    return parseThenContinue(ctx, next, declared, limitBytes);
  };
}

async function parseThenContinue(
  ctx: Context,
  next: Next,
  declared: number | undefined,
  limitBytes: number,
): Promise<void> {
  if (!ctx.is('application/json', '+json')) {
    throw new AppError('unsupported_media_type', 'Request body must be application/json', 415);
  }
  if (declared !== undefined && declared > limitBytes) {
    throw new AppError('payload_too_large', `Request body exceeds ${limitBytes} bytes`, 413);
  }
  const text = await readLimited(ctx, limitBytes);
  if (text.trim() === '') {
    await next();
    return;
  }
  try {
    ctx.request.body = JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_json', 'Request body is not valid JSON', 400);
  }
  await next();
}

async function readLimited(ctx: Context, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) {
      ctx.req.resume();
      throw new AppError('payload_too_large', `Request body exceeds ${limitBytes} bytes`, 413);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
