/**
 * A problem in what a pipeline is set up with — a config file a drift report reads, a metrics
 * source the contract lacks — is the pipeline's to fix, not a fault of the server: it answers 422
 * with the one error shape, naming the file and the place, never a 500 as if the server broke.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateContract } from '../../src/contract/load-contract.js';
import { sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.dispose();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: oci }
stages:
  dev:
    purpose: fast feedback
    config: [dev.yaml]
  prod:
    purpose: live
    from: dev
    config: [prod.yaml]
    rollback:
      within: 2h
      when:
        - { name: errors, prometheus: 'sum(rate(x[5m]))', above: 0.1, for: 5m }
`;

describe('errors in what a pipeline is set up with', () => {
  it('answer 422 naming the file and the place, never 500', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-error-mapping-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'dev.yaml'), 'replicas: 1\n');
    writeFileSync(join(dir, 'prod.yaml'), 'replicas: 3\nreplicas: 4\n');
    const contract = validateContract(CONTRACT, join(dir, 'tollgate.yaml'));
    const errors: unknown[] = [];
    server = await openTestServer(sqliteBackend, {
      contracts: [contract],
      onInternalError: (error) => errors.push(error),
    });
    const reader = await server.token({ role: 'reader', pipelines: ['shop'] });

    const drift = await server.call('GET', '/api/v1/pipelines/shop/drift?from=dev&to=prod', reader);
    const body = (await drift.json()) as { error: { code: string; message: string; line?: number } };
    expect(drift.status, JSON.stringify(body)).toBe(422);
    expect(body.error.code).toBe('CONFIG_INVALID');
    expect(body.error.message).toMatch(/prod\.yaml:2:/);
    expect(body.error.line).toBe(2);

    // No metrics source for the rollback conditions: the contract's omission, said as such.
    const check = await server.call('GET', '/api/v1/pipelines/shop/stages/prod/rollback-check', reader);
    const refused = (await check.json()) as { error: { code: string; message: string } };
    expect(check.status, JSON.stringify(refused)).toBe(422);
    expect(refused.error.message).toMatch(/no metrics source/);
    expect(errors).toEqual([]);
  });
});
