/**
 * `/openapi.json` is generated from the schemas that validate the requests: it must be a valid
 * OpenAPI 3.1 document (checked against the specification's own JSON Schema) and name every route
 * of the table, with its method, operationId and path parameters.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer;
let document: {
  openapi: string;
  paths: Record<
    string,
    Record<string, { operationId?: string; parameters?: Array<{ name: string; in: string }> }>
  >;
};
beforeAll(async () => {
  server = await openTestServer(sqliteBackend);
  const res = await server.app.request('/openapi.json');
  expect(res.status).toBe(200);
  document = (await res.json()) as typeof document;
});
afterAll(() => server.dispose());

describe('/openapi.json', () => {
  it('is made once and served as the same bytes to every caller', async () => {
    const fresh = await openTestServer(sqliteBackend);
    try {
      const made = vi.spyOn(fresh.app, 'getOpenAPI31Document');
      const first = await (await fresh.app.request('/openapi.json')).text();
      for (let i = 0; i < 3; i++) {
        const again = await fresh.app.request('/openapi.json');
        expect(again.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await again.text()).toBe(first);
      }
      expect(made).toHaveBeenCalledTimes(1);
    } finally {
      await fresh.dispose();
    }
  });

  it('is a valid OpenAPI 3.1 document, readable without a credential', async () => {
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('names every route of the table with its method, operationId and path parameters', () => {
    expect(server.routes.length).toBeGreaterThanOrEqual(20);
    for (const route of server.routes) {
      const operation = document.paths[route.path]?.[route.method];
      expect(operation, `${route.method.toUpperCase()} ${route.path}`).toBeDefined();
      expect(operation?.operationId).toBe(route.id);
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (operation?.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared.sort(), route.id).toEqual(pathParams.sort());
    }
    const ids = server.routes.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents the one error shape and the Idempotency-Key of writes', () => {
    const promote = document.paths['/api/v1/pipelines/{pipeline}/stages/{stage}/promotions']
      ?.post as unknown as {
      responses: Record<string, { content: Record<string, { schema: { $ref?: string } }> }>;
      parameters: Array<{ name: string }>;
    };
    expect(promote.responses['403']?.content['application/json']?.schema.$ref).toBe(
      '#/components/schemas/Error',
    );
    expect(promote.parameters.map((p) => p.name)).toContain('Idempotency-Key');
  });
});
