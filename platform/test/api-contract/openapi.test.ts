import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, test } from 'vitest';
import {
  API_OPERATIONS,
  buildOpenApiDocument,
  errorSchema,
  jsonSchemaOf,
  openApiPath,
  operationErrors,
} from '../../src/api-contract/index.js';
import { ContractChecker, createContractAjv, inlineRefs } from '../../src/testing/contract.js';

const document = buildOpenApiDocument({ version: '1.2.3' });
const ajv = createContractAjv();

describe('The OpenAPI document', () => {
  test('When it is built, then it is OpenAPI 3.1 with bearer auth, one operation per catalogue entry and unique ids', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe('1.2.3');
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations).toHaveLength(API_OPERATIONS.length);
    expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(operations.length);
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  test('When it is checked against the official OpenAPI 3.1 schema, then it is valid (and a broken copy is not)', async () => {
    const valid = await new Validator().validate(
      JSON.parse(JSON.stringify(document)) as Record<string, unknown>,
    );
    expect(valid.errors, JSON.stringify(valid.errors)).toBeUndefined();
    expect(valid.valid).toBe(true);

    const broken = JSON.parse(JSON.stringify(document)) as { paths: Record<string, Record<string, unknown>> };
    (broken.paths['/api/orders'] as Record<string, unknown>).post = { responses: 'none' };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  test('When every schema in it is compiled by ajv (JSON Schema 2020-12), then each compiles', () => {
    const schemas: unknown[] = [...Object.values(document.components.schemas)];
    for (const methods of Object.values(document.paths)) {
      for (const operation of Object.values(methods)) {
        for (const parameter of (operation.parameters ?? []) as { schema: unknown }[])
          schemas.push(parameter.schema);
        const body = operation.requestBody as { content: Record<string, { schema: unknown }> } | undefined;
        if (body) schemas.push(body.content['application/json']?.schema);
        const responses = (operation.responses ?? {}) as Record<
          string,
          { content?: Record<string, { schema?: unknown }> }
        >;
        for (const response of Object.values(responses)) {
          const schema = response.content?.['application/json']?.schema;
          if (schema !== undefined) schemas.push(inlineRefs(schema, document.components.schemas));
        }
      }
    }
    expect(schemas.length).toBeGreaterThan(60);
    for (const schema of schemas) expect(() => ajv.compile(schema as object)).not.toThrow();
  });

  test('When a body breaks a format the document declares (uuid, date-time), then ajv refuses it; an unknown format fails the compile', () => {
    const order = ajv.compile({ type: 'string', format: 'uuid' });
    expect(order('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(order('not-a-uuid')).toBe(false);
    const at = ajv.compile({ type: 'string', format: 'date-time' });
    expect(at('2026-12-05T00:00:00.000Z')).toBe(true);
    expect(at('yesterday')).toBe(false);
    expect(() => ajv.compile({ type: 'string', format: 'no-such-format' })).toThrow(/unknown format/);
  });

  test('When the request examples are validated with the zod schemas the services use, then every one is accepted', () => {
    const withExamples = API_OPERATIONS.filter((operation) => operation.body?.example !== undefined);
    expect(withExamples.length).toBeGreaterThan(10);
    for (const operation of withExamples) {
      const result = operation.body?.schema.safeParse(operation.body.example);
      expect(result?.success, `${operation.method} ${operation.path}`).toBe(true);
    }
  });

  test('When the response examples are checked against the document, then every one matches its operation', () => {
    const checker = new ContractChecker(document);
    let checked = 0;
    for (const operation of API_OPERATIONS) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.example === undefined) continue;
        const path = operation.path.replace(/:id/, '1').replace(/:service/, 'inventory');
        const concrete = path.startsWith('/api/orders/')
          ? path.replace('/1', '/3f0c6a52-8a4e-4b7e-9d43-2f1d8c1b7a10')
          : path;
        expect(
          checker.check({
            method: operation.method,
            path: concrete,
            status: Number(status),
            body: response.example,
          }).problems,
        ).toEqual([]);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(8);
  });

  test('When an operation lists its errors, then each status documents the codes, with the edge and body ones on top', () => {
    const placeOrder = document.paths['/api/orders']?.post;
    const conflict = placeOrder?.responses['409'] as { content: Record<string, { schema: unknown }> };
    expect(conflict.content['application/json']?.schema).toEqual(
      errorSchema(['out_of_stock', 'idempotency_in_progress']),
    );
    const errors = operationErrors(
      API_OPERATIONS.find((operation) => operation.operationId === 'placeOrder')!,
    );
    expect(errors.get(400)).toEqual(['validation_failed', 'invalid_json', 'duplicate_authorization']);
    expect(errors.get(503)).toEqual([
      'dependency_unavailable',
      'upstream_unavailable',
      'database_busy',
      'database_unavailable',
    ]);
    expect(errors.get(401)).toEqual(['unauthorized']);
  });

  test('When the checker meets a wrong body, an undocumented status or an undocumented error code, then it reports each', () => {
    const checker = new ContractChecker(document);
    const product = {
      id: 1,
      sku: 'A',
      name: 'n',
      description: '',
      priceCents: 5,
      currency: 'USD',
      stock: 1,
      createdAt: 't',
      updatedAt: 't',
    };
    expect(
      checker.check({ method: 'GET', path: '/api/products/1', status: 200, body: product }).problems,
    ).toEqual([]);
    expect(
      checker
        .check({ method: 'GET', path: '/api/products/1', status: 200, body: { ...product, secret: 1 } })
        .problems.join(),
    ).toMatch(/additional/);
    expect(
      checker
        .check({ method: 'GET', path: '/api/products/1', status: 200, body: { ...product, priceCents: '5' } })
        .problems.join(),
    ).toMatch(/priceCents/);
    expect(
      checker.check({ method: 'GET', path: '/api/products/1', status: 418, body: {} }).problems.join(),
    ).toMatch(/418 is not documented/);
    const error = (code: string) => ({ error: { code, message: 'm', correlationId: 'c' } });
    expect(
      checker.check({ method: 'GET', path: '/api/products/1', status: 404, body: error('not_found') })
        .problems,
    ).toEqual([]);
    expect(
      checker
        .check({ method: 'GET', path: '/api/products/1', status: 404, body: error('gone') })
        .problems.join(),
    ).toMatch(/allowedValues/);
    expect(checker.check({ method: 'GET', path: '/internal/reservations', status: 200, body: {} })).toEqual({
      operation: undefined,
      problems: [],
    });
  });

  test('When zod schemas become JSON Schema, then input and output sides and templates convert as OpenAPI expects', () => {
    expect(openApiPath('/api/orders/:id/cancel')).toBe('/api/orders/{id}/cancel');
    expect(jsonSchemaOf(API_OPERATIONS[0]!.body!.schema, 'input')).toMatchObject({
      type: 'object',
      required: ['name', 'email', 'password'],
      additionalProperties: false,
    });
  });
});
