// Checks the fields log lines carry against an Elasticsearch index template's mapping, the way
// Elasticsearch itself would accept or reject them: explicit mappings first, then dynamic mapping, which
// fixes a field's type on the first line that carries it (so two shapes of one field conflict).
import { isRecord, type JsonRecord } from './shape.js';

export type FieldKind = 'string' | 'number' | 'boolean' | 'object';

/** One field one kind of log line carries, with where it comes from (for the failure message). */
export interface EmittedField {
  path: string;
  kind: FieldKind;
  site: string;
}

const KEYWORD_LIKE = new Set(['keyword', 'constant_keyword', 'wildcard', 'text', 'match_only_text']);
const NUMERIC = new Set([
  'long',
  'integer',
  'short',
  'byte',
  'double',
  'float',
  'half_float',
  'scaled_float',
]);

/** Whether a value of `kind` is indexable into a field mapped as `type` (no coercion of text to numbers). */
function accepts(type: string, kind: FieldKind): boolean {
  if (type === 'object' || type === 'nested' || type === 'flattened') return kind === 'object';
  if (kind === 'object') return false;
  if (KEYWORD_LIKE.has(type)) return true;
  if (NUMERIC.has(type)) return kind === 'number';
  if (type === 'boolean') return kind === 'boolean';
  if (type === 'date') return kind === 'string' || kind === 'number';
  return false;
}

interface MappedNode {
  /** The explicit type; `object` for a node with properties and no type. */
  type: string;
  properties: JsonRecord | undefined;
}

function nodeOf(entry: unknown): MappedNode | undefined {
  if (!isRecord(entry)) return undefined;
  const properties = isRecord(entry.properties) ? entry.properties : undefined;
  const type = typeof entry.type === 'string' ? entry.type : 'object';
  return { type, properties };
}

type Lookup =
  | { found: 'mapped'; type: string; at: string }
  | { found: 'leaf-above'; type: string; at: string }
  | { found: 'dynamic' };

/** Walks the explicit mapping along a dotted path. */
function lookup(properties: JsonRecord, path: string): Lookup {
  const parts = path.split('.');
  let level: JsonRecord | undefined = properties;
  for (let index = 0; index < parts.length; index += 1) {
    const node = nodeOf(level?.[parts[index] ?? '']);
    const at = parts.slice(0, index + 1).join('.');
    if (!node) return { found: 'dynamic' };
    if (index === parts.length - 1) return { found: 'mapped', type: node.type, at };
    if (node.type !== 'object' && node.type !== 'nested') return { found: 'leaf-above', type: node.type, at };
    level = node.properties;
  }
  return { found: 'dynamic' };
}

/** Adds the object ancestors every dotted path implies (`error.message` makes `error` an object). */
export function withAncestors(fields: readonly EmittedField[]): EmittedField[] {
  const out: EmittedField[] = [];
  for (const field of fields) {
    const parts = field.path.split('.');
    for (let index = 1; index < parts.length; index += 1) {
      out.push({ path: parts.slice(0, index).join('.'), kind: 'object', site: field.site });
    }
    out.push(field);
  }
  return out;
}

/**
 * Every field that Elasticsearch would reject for the template `mappings`: a kind the explicit mapping
 * does not accept, an object under a leaf, or (for dynamically mapped fields) two kinds across sites.
 */
export function mappingConflicts(mappings: JsonRecord, fields: readonly EmittedField[]): string[] {
  const properties = isRecord(mappings.properties) ? mappings.properties : {};
  const conflicts = new Set<string>();
  const dynamicKinds = new Map<string, Map<FieldKind, string>>();
  for (const field of withAncestors(fields)) {
    const found = lookup(properties, field.path);
    if (found.found === 'leaf-above') {
      conflicts.add(
        `${field.site}: ${field.path} needs ${found.at} to be an object, but the template maps it as ${found.type}`,
      );
    } else if (found.found === 'mapped') {
      if (!accepts(found.type, field.kind)) {
        conflicts.add(
          `${field.site}: ${field.path} is a ${field.kind}, but the template maps it as ${found.type}`,
        );
      }
    } else {
      const kinds = dynamicKinds.get(field.path) ?? new Map<FieldKind, string>();
      if (!kinds.has(field.kind)) kinds.set(field.kind, field.site);
      dynamicKinds.set(field.path, kinds);
    }
  }
  for (const [path, kinds] of dynamicKinds) {
    if (kinds.size < 2) continue;
    const described = [...kinds].map(([kind, site]) => `${kind} at ${site}`).join(', ');
    conflicts.add(`${path} is not in the template and has more than one shape: ${described}`);
  }
  return [...conflicts].sort();
}

/** The fields of one JSON log line as it would be indexed (dotted keys expanded like Elasticsearch does). */
export function fieldsOfDocument(document: unknown, site: string, prefix = ''): EmittedField[] {
  if (!isRecord(document)) return [];
  const fields: EmittedField[] = [];
  for (const [key, value] of Object.entries(document)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const item of values) {
      if (item === null || item === undefined) continue;
      if (isRecord(item)) {
        fields.push({ path, kind: 'object', site }, ...fieldsOfDocument(item, site, path));
      } else if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
        fields.push({ path, kind: typeof item as FieldKind, site });
      }
    }
  }
  return fields;
}
