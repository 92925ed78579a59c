// Narrowing for parsed YAML/JSON: each helper throws with the path of the value that has the wrong shape.

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown, path: string): JsonRecord {
  if (!isRecord(value)) throw new Error(`${path}: expected an object, got ${JSON.stringify(value)}`);
  return value;
}

export function asArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${path}: expected an array, got ${JSON.stringify(value)}`);
  return value as unknown[];
}

export function asString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new Error(`${path}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

export function asNumber(value: unknown, path: string): number {
  if (typeof value !== 'number') throw new Error(`${path}: expected a number, got ${JSON.stringify(value)}`);
  return value;
}

/** Reads a dotted path such as `spec.template.spec` from nested objects. */
export function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function recordAt(value: unknown, path: string): JsonRecord {
  return asRecord(at(value, path), path);
}

export function arrayAt(value: unknown, path: string): unknown[] {
  return asArray(at(value, path), path);
}

export function stringAt(value: unknown, path: string): string {
  return asString(at(value, path), path);
}
