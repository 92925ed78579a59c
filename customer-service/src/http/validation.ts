import { badRequest, z } from '@shop/platform/runtime';

/** Parses `value` with `schema` or throws 400 validation_failed listing each problem by field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what = 'request body',
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || undefined,
    message: issue.message,
  }));
  throw badRequest(`Invalid ${what}`, { issues });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
