import { appendFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { buildOpenApiDocument, type OpenApiDocument } from '../api-contract/openapi.js';

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

/**
 * The ajv the contract is checked with: JSON Schema 2020-12, every error, and the formats the document uses
 * (uuid, date-time, email, uri...) validated by ajv-formats. A format ajv does not know fails the compile
 * (strictSchema: so does an unknown keyword) instead of being ignored with a warning.
 */
export function createContractAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, strictSchema: true, allErrors: true });
  addFormats(ajv);
  return ajv;
}

interface CompiledOperation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export interface ContractCheck {
  /** The operation the request matched (`POST /api/orders/{id}/cancel`), or undefined: not a public route. */
  operation: string | undefined;
  problems: string[];
}

/** Replaces every `#/components/schemas/X` reference by the schema itself (the components are not recursive). */
export function inlineRefs(value: unknown, components: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((item) => inlineRefs(item, components));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const target = record.$ref;
  if (typeof target === 'string' && target.startsWith('#/components/schemas/')) {
    return inlineRefs(components[target.slice('#/components/schemas/'.length)], components);
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, inlineRefs(item, components)]));
}

/**
 * Checks responses against an OpenAPI 3.1 document (by default the platform's own): finds the operation of a
 * method and a concrete path, then validates the JSON body with ajv against the schema of the answered status.
 */
export class ContractChecker {
  private readonly operations: CompiledOperation[] = [];
  private readonly ajv = createContractAjv();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly components: Record<string, unknown>;

  constructor(document: OpenApiDocument = buildOpenApiDocument({ version: 'test' })) {
    this.components = document.components.schemas;
    for (const [template, methods] of Object.entries(document.paths)) {
      const source = template
        .split(/(\{[^}]+\})/)
        .map((part) => (part.startsWith('{') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      for (const [method, operation] of Object.entries(methods)) {
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}/?$`),
          responses: operation.responses as CompiledOperation['responses'],
        });
      }
    }
  }

  /** The problems of one answer; an empty list when it is what the document says. */
  check(answer: { method: string; path: string; status: number; body: unknown }): ContractCheck {
    const path = answer.path.split('?')[0] ?? '';
    const method = answer.method.toUpperCase();
    const operation = this.operations.find(
      (candidate) => candidate.method === method && candidate.pattern.test(path),
    );
    if (operation === undefined) return { operation: undefined, problems: [] };
    const name = `${method} ${operation.template}`;
    const response = operation.responses[String(answer.status)];
    if (response === undefined) {
      const documented = Object.keys(operation.responses).join(', ');
      return {
        operation: name,
        problems: [`${name}: status ${answer.status} is not documented (${documented})`],
      };
    }
    const schema = response.content?.['application/json']?.schema;
    if (schema === undefined) {
      const empty = answer.body === undefined || answer.body === '';
      return {
        operation: name,
        problems: empty ? [] : [`${name} ${answer.status}: documented without a body`],
      };
    }
    const key = `${name} ${answer.status}`;
    let validate = this.validators.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(inlineRefs(schema, this.components) as object);
      this.validators.set(key, validate);
    }
    if (validate(answer.body)) return { operation: name, problems: [] };
    const problems = (validate.errors ?? []).map(
      (error) =>
        `${key}: ${error.instancePath || '(body)'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`,
    );
    return { operation: name, problems };
  }
}

let sharedChecker: ContractChecker | undefined;
let enabled = false;

/** The checker of the platform's document, built once per test file. */
function contractChecker(): ContractChecker {
  sharedChecker ??= new ContractChecker();
  return sharedChecker;
}

/**
 * From now on, `request()` of @shop/platform/tools/testing checks every answer to a public route against the
 * OpenAPI document and throws on the first mismatch. The data services' test projects turn it on in a setup
 * file (vitest.config.ts), so every component test doubles as a contract test.
 */
export function enableContractChecks(): void {
  enabled = true;
}

export function contractChecksEnabled(): boolean {
  return enabled;
}

/** Throws when the answer does not match the document (a no-op for paths that are not public routes). */
export function assertMatchesContract(answer: {
  method: string;
  path: string;
  status: number;
  body: unknown;
}): void {
  const { operation, problems } = contractChecker().check(answer);
  // CONTRACT_COVERAGE_FILE=<file>: one line per checked answer, to see which operations the tests cover.
  const coverage = process.env.CONTRACT_COVERAGE_FILE;
  if (coverage && operation !== undefined) appendFileSync(coverage, `${operation} ${answer.status}\n`);
  if (problems.length > 0)
    throw new Error(`Response does not match the OpenAPI document:\n${problems.join('\n')}`);
}
