import { z } from 'zod';
import { badRequest } from '../errors/app-error.js';

export type InputPart = 'body' | 'query' | 'path';

/** Parses one part of a request with `schema`; otherwise 400 validation_failed naming every problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, part: InputPart): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    // A record key its schema refused: zod says only "Invalid key in record" and keeps the reasons inside.
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      return issue.issues.map((inner) => ({ path, message: inner.message }));
    }
    return [{ path, message: issue.message }];
  });
  const first = details[0];
  const where = first?.path ? `${part}.${first.path}` : part;
  throw badRequest(`Invalid request ${where}: ${first?.message ?? 'invalid'}`, details);
}

/** A query-string integer: digits only (no sign, exponent or blank), then range-checked. */
export function queryInt(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.int().min(min).max(max));
}

/** A positive integer id in a path segment (`/api/products/:id`). */
export const integerIdParam = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'must be a positive integer')
  .transform(Number);

/** A UUID in a path segment or query (`/api/orders/:id`). */
export const uuidParam = z.uuid('must be a UUID');

/** `page` (from 1) and `limit` (1 to 100, default 20) query parameters of every paginated list. */
export const paginationQuery = {
  page: queryInt(1, 1_000_000).default(1),
  limit: queryInt(1, 100).default(20),
};

/** The collection shape of every list: `{ data, pagination: { page, limit, total } }`. */
export function paginated<T>(data: T[], query: { page: number; limit: number }, total: number) {
  return { data, pagination: { page: query.page, limit: query.limit, total } };
}
