import { z } from 'zod';
import { API_OPERATIONS, errorDescription, operationErrors, type ApiOperation } from './operations.js';
import * as s from './schemas.js';

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
}

export interface OpenApiOperation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { description: string; headers?: unknown; content?: unknown }>;
  'x-chaos-only'?: boolean;
}

/** The schemas that appear under components/schemas, referenced by name wherever they are used whole. */
const COMPONENTS: [string, z.ZodType][] = [
  ['CustomerProfile', s.customerProfile],
  ['TokenPair', s.tokenPair],
  ['Product', s.product],
  ['Order', s.order],
  ['Cart', s.cart],
  ['Payment', s.payment],
  ['Shipment', s.shipment],
  ['Notification', s.notification],
  ['ChaosState', s.chaosState],
  ['Pagination', s.paginationBody],
];
const componentName = new Map<z.ZodType, string>(COMPONENTS.map(([name, schema]) => [schema, name]));
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const TAGS = [
  ['Authentication', 'Accounts, tokens and sessions (customer-service)'],
  ['Customers', 'Profiles and roles (customer-service)'],
  ['Products', 'The catalogue and its stock (inventory-service)'],
  ['Orders', 'Orders and the saga that places them (order-service)'],
  ['Cart', 'The caller’s own cart and its checkout (order-service)'],
  ['Payments', 'Simulated card payments and refunds (payment-service)'],
  ['Shipments', 'Shipments scheduled for confirmed orders (shipping-service)'],
  ['Notifications', 'Messages sent to customers (notification-service)'],
  ['Chaos', 'Fault injection for the resilience suite; routed only with CHAOS_ENABLED=true'],
] as const;

/** JSON Schema (2020-12, as OpenAPI 3.1 uses it) of a zod schema: what a request may send, or what is answered. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const converted = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  delete converted.$schema;
  return converted;
}

/** A response schema: a named component by reference, a page of one by its item, anything else inline. */
function responseSchema(schema: z.ZodType): JsonSchema {
  const name = componentName.get(schema);
  if (name !== undefined) return ref(name);
  const item = s.pageItemOf(schema);
  const itemName = item === undefined ? undefined : componentName.get(item);
  if (itemName !== undefined) {
    return {
      type: 'object',
      properties: { data: { type: 'array', items: ref(itemName) }, pagination: ref('Pagination') },
      required: ['data', 'pagination'],
      additionalProperties: false,
    };
  }
  return jsonSchemaOf(schema, 'output');
}

/** The error body of one status, its `code` narrowed to the codes the operation can answer with it. */
export function errorSchema(codes: readonly string[]): JsonSchema {
  return {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: {
          code: { type: 'string', enum: [...codes] },
          message: { type: 'string' },
          correlationId: { type: 'string' },
          details: {},
        },
        required: ['code', 'message', 'correlationId'],
        additionalProperties: false,
      },
    },
    required: ['error'],
    additionalProperties: false,
  };
}

/** `/api/orders/:id` -> `/api/orders/{id}`. */
export function openApiPath(template: string): string {
  return template.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function isRequired(schema: z.ZodType): boolean {
  return !schema.safeParse(undefined).success;
}

function parameters(operation: ApiOperation): unknown[] {
  const list: unknown[] = [];
  for (const [name, schema] of Object.entries(operation.params?.shape ?? {})) {
    list.push({ name, in: 'path', required: true, schema: jsonSchemaOf(schema as z.ZodType, 'input') });
  }
  for (const [name, schema] of Object.entries(operation.query?.shape ?? {})) {
    const zodSchema = schema as z.ZodType;
    list.push({
      name,
      in: 'query',
      required: isRequired(zodSchema),
      schema: jsonSchemaOf(zodSchema, 'input'),
    });
  }
  for (const header of operation.headers ?? []) {
    list.push({
      name: header.name,
      in: 'header',
      required: false,
      description: header.description,
      schema: jsonSchemaOf(header.schema, 'input'),
    });
  }
  list.push({
    name: 'X-Correlation-ID',
    in: 'header',
    required: false,
    description: 'Kept when it matches ^[A-Za-z0-9._:-]{1,128}$, otherwise replaced; echoed on the response',
    schema: { type: 'string' },
  });
  return list;
}

const CORRELATION_HEADER = {
  'X-Correlation-ID': { description: 'The request’s correlation ID', schema: { type: 'string' } },
};

function responses(operation: ApiOperation): OpenApiOperation['responses'] {
  const answers: OpenApiOperation['responses'] = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    const headers: Record<string, unknown> = { ...CORRELATION_HEADER };
    for (const [name, description] of Object.entries(response.headers ?? {}))
      headers[name] = { description, schema: { type: 'string' } };
    answers[status] = {
      description: response.description,
      headers,
      ...(response.schema === undefined
        ? {}
        : {
            content: {
              'application/json': {
                schema: responseSchema(response.schema),
                ...(response.example === undefined ? {} : { example: response.example }),
              },
            },
          }),
    };
  }
  for (const [status, codes] of operationErrors(operation)) {
    const headers: Record<string, unknown> = { ...CORRELATION_HEADER };
    if (status === 401) headers['WWW-Authenticate'] = { description: 'Bearer', schema: { type: 'string' } };
    if (status === 429 || status === 503)
      headers['Retry-After'] = { description: 'Seconds to wait before retrying', schema: { type: 'string' } };
    answers[String(status)] = {
      description: `${errorDescription(status)}. Codes: ${codes.map((code) => `\`${code}\``).join(', ')}`,
      headers,
      content: {
        'application/json': {
          schema: errorSchema(codes),
          example: { error: { code: codes[0], message: '…', correlationId: 'c0ffee-1' } },
        },
      },
    };
  }
  return answers;
}

function operationObject(operation: ApiOperation): OpenApiOperation {
  const result: OpenApiOperation = {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description === undefined ? {} : { description: operation.description }),
    security: operation.auth === 'public' ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }],
    parameters: parameters(operation),
    responses: responses(operation),
  };
  if (operation.body !== undefined) {
    result.requestBody = {
      required: operation.body.required,
      content: {
        'application/json': {
          schema: jsonSchemaOf(operation.body.schema, 'input'),
          ...(operation.body.example === undefined ? {} : { example: operation.body.example }),
        },
      },
    };
  }
  if (operation.chaosOnly === true) result['x-chaos-only'] = true;
  return result;
}

/**
 * The OpenAPI 3.1 document of the public API, built from the operation catalogue and its zod schemas (the
 * ones the services validate requests with). Pure: the same input gives the same document.
 */
export function buildOpenApiDocument(
  options: { version: string; operations?: readonly ApiOperation[] } = { version: '0.0.0' },
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const operation of options.operations ?? API_OPERATIONS) {
    const path = openApiPath(operation.path);
    paths[path] ??= {};
    paths[path][operation.method.toLowerCase()] = operationObject(operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'shop-platform API',
      version: options.version,
      description: [
        'The public API of shop-platform, served by its gateway. JSON only.',
        'Errors are `{ "error": { "code", "message", "correlationId", "details"? } }`; `code` is stable.',
        'Money is integer cents. Collections are `{ data, pagination: { page, limit, total } }`.',
        'Log in with `POST /auth/login` and send `Authorization: Bearer <accessToken>`.',
        'The gateway also answers `GET /` (an index), `GET /health`, this document and `GET /docs`.',
      ].join('\n\n'),
    },
    servers: [{ url: '/', description: 'This gateway' }],
    tags: TAGS.map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: {
        ...Object.fromEntries(COMPONENTS.map(([name, schema]) => [name, jsonSchemaOf(schema, 'output')])),
        Error: jsonSchemaOf(s.errorBody, 'output'),
      },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The `accessToken` of `POST /auth/login` or `POST /auth/refresh`',
        },
      },
    },
  };
}
