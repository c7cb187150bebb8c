/**
 * Services and requests apart (src/app/services.ts): one process holds one store and serves many
 * pipelines and many callers; authorisation and errors are the application layer's, in domain
 * words; nothing below the shells reads the process's environment; fact providers are injected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkStage } from '../../src/app/check.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import {
  type AppServices,
  contractSource,
  type Environment,
  type FactProvider,
  fixedClock,
  heldContract,
  requestOf,
} from '../../src/app/services.js';
import { stageHistory, verifyLedger } from '../../src/app/status.js';
import { flagOf } from '../../src/cli/flags.js';
import type { Contract } from '../../src/contract/types.js';
import { TollgateError } from '../../src/errors.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { contractOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, type StoreHandle } from '../support/stores.js';

const SHOP = contractOf(`version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with --now / TOLLGATE_NOW.
demo: true
artifact: { type: oci }
overrides:
  - { by: [carol], gates: [soak] }
stages:
  staging: { purpose: release candidates }
  prod:
    purpose: live
    from: staging
    requires: { soak: 24h }
`);

const BILLING = contractOf(`version: 1
pipeline: billing
# A demo pipeline: the test plays time forward with --now / TOLLGATE_NOW.
demo: true
artifact: { type: file }
stages:
  dev: { purpose: fast feedback }
  prod:
    purpose: live
    from: dev
    rollback:
      within: 1h
      when: [{ name: errors, prometheus: 'sum(rate(errors_total[5m]))', above: 1, for: 5m }]
`);

const D = fakeDigest('services');
const T0 = new Date('2026-11-24T09:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

let handle: StoreHandle | undefined;
afterEach(async () => {
  await handle?.dispose();
  handle = undefined;
});

/** Services over an already open store, counting how often the store is asked for. */
function servicesOver(
  store: LedgerStore,
  contracts: Contract[],
  more: { env?: Environment; factProviders?: AppServices['factProviders'] } = {},
) {
  return createServices({
    contracts: contractSource(contracts),
    store,
    clock: fixedClock(T0),
    ...more,
  });
}

describe.each(BACKENDS)('one process, one store ($title)', (backend) => {
  it('serves two pipelines and several callers, each write recording its own caller and time', async () => {
    handle = await backend.open();
    const services = servicesOver(handle.store, [SHOP, BILLING]);
    const as = (principal: string, pipeline: string, at: Date) =>
      requestOf(services, { principal, pipeline, at });

    await registerArtifact(as('ci-shop', 'shop', hours(0)), { digest: D });
    await registerArtifact(as('ci-billing', 'billing', hours(0)), { digest: D });
    expect((await promote(as('alice', 'shop', hours(1)), 'staging', D)).entry?.actor).toBe('alice');
    expect((await promote(as('bob', 'billing', hours(2)), 'dev', D)).entry?.actor).toBe('bob');

    // The same digest, two pipelines: each sees only its own history.
    const shopStaging = await stageHistory(as('viewer', 'shop', hours(3)), 'staging');
    expect(shopStaging.map((p) => [p.actor, p.at])).toEqual([['alice', hours(1).toISOString()]]);
    const billingDev = await stageHistory(as('viewer', 'billing', hours(3)), 'dev');
    expect(billingDev.map((p) => [p.actor, p.at])).toEqual([['bob', hours(2).toISOString()]]);

    // Decided at the time the request carries, as the caller who asks.
    const early = await checkStage(as('dana', 'shop', hours(10)), 'prod', D);
    expect(early).toMatchObject({ verdict: 'pending', actor: 'dana', evaluatedAt: hours(10).toISOString() });
    const late = await checkStage(as('erin', 'shop', hours(26)), 'prod', D);
    expect(late).toMatchObject({ verdict: 'allowed', actor: 'erin', evaluatedAt: hours(26).toISOString() });

    for (const pipeline of ['shop', 'billing']) {
      expect((await verifyLedger(as('auditor', pipeline, hours(30)))).ok).toBe(true);
    }
  });
});

describe('the store is opened once, on first use, and shared', () => {
  it('opens lazily and hands every request the same store', async () => {
    handle = await BACKENDS[0]!.open();
    const real = handle.store;
    let opened = 0;
    const services = createServices({
      contracts: contractSource([SHOP]),
      store: async () => {
        opened += 1;
        return real;
      },
    });
    expect(opened).toBe(0);
    const a = requestOf(services, { principal: 'a' });
    const b = requestOf(services, { principal: 'b' });
    await registerArtifact(a, { digest: D });
    await registerArtifact(b, { digest: fakeDigest('other') });
    expect(opened).toBe(1);
    expect(await a.services.store()).toBe(await b.services.store());
  });
});

describe('authorisation lives in the application layer', () => {
  it('refuses an override by someone the contract does not name, in domain words, and records nothing', async () => {
    handle = await BACKENDS[0]!.open();
    const services = servicesOver(handle.store, [SHOP]);
    await registerArtifact(requestOf(services, { principal: 'ci', at: hours(0) }), { digest: D });
    await promote(requestOf(services, { principal: 'ci', at: hours(1) }), 'staging', D);

    const bob = requestOf(services, { principal: 'bob', at: hours(2) });
    const refused = await promote(bob, 'prod', D, { overrides: ['soak'], reason: 'hurry' }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(TollgateError);
    const error = refused as TollgateError;
    expect(error.code).toBe('NOT_ALLOWED');
    expect(error.message).toBe(
      'an override soak: bob may not override gate "soak" in stage prod; the contract allows: carol',
    );
    expect(error.message).not.toContain('--');
    // The CLI names the same field by its flag.
    expect(error.describe(flagOf)).toBe(
      '--override soak: bob may not override gate "soak" in stage prod; the contract allows: carol',
    );

    const noReason = await promote(bob, 'prod', D, { overrides: ['soak'] }).catch((e: unknown) => e);
    expect((noReason as TollgateError).message).toMatch(/^an override needs a reason: /);
    expect((noReason as TollgateError).describe(flagOf)).toMatch(/^--override needs --reason: /);

    expect(await stageHistory(bob, 'prod')).toEqual([]);

    // Carol may: the override is recorded with her as its actor, and the gate shows as waived.
    const carol = requestOf(services, { principal: 'carol', at: hours(2) });
    const done = await promote(carol, 'prod', D, { overrides: ['soak'], reason: 'INC-7' });
    expect(done.entry?.payload.overrides).toEqual([{ gate: 'soak', reason: 'INC-7', actor: 'carol' }]);
    expect(done.decision.gates.find((g) => g.gate === 'soak')?.status).toBe('waived');
  });
});

describe('the environment is injected, never read from the process', () => {
  const saved = process.env.TOLLGATE_PROMETHEUS_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.TOLLGATE_PROMETHEUS_URL;
    else process.env.TOLLGATE_PROMETHEUS_URL = saved;
  });

  it("takes the metrics source from the services' environment only", async () => {
    handle = await BACKENDS[0]!.open();
    process.env.TOLLGATE_PROMETHEUS_URL = 'http://process-env.invalid:9090';
    const bare = servicesOver(handle.store, [BILLING]);
    await registerArtifact(requestOf(bare, { principal: 'ci' }), { digest: D });
    const without = await checkStage(requestOf(bare, { principal: 'ci' }), 'prod', D);
    const text = JSON.stringify(without);
    expect(text).not.toContain('process-env.invalid');
    expect(text).toContain('no metrics source');

    const configured = servicesOver(handle.store, [BILLING], {
      env: { TOLLGATE_PROMETHEUS_URL: 'http://injected.invalid:9090' },
    });
    const withSource = await checkStage(requestOf(configured, { principal: 'ci' }), 'prod', D);
    expect(JSON.stringify(withSource.validated)).toContain('Prometheus at http://injected.invalid:9090');
  });
});

describe('fact providers are injected services', () => {
  it('uses the providers given, with the request and the stage already looked up', async () => {
    handle = await BACKENDS[0]!.open();
    const seen: string[] = [];
    const drift: FactProvider<'drift'> = {
      key: 'drift',
      applies: (stage) => stage.requires.drift !== undefined,
      async provide({ request, stageName, stage }) {
        seen.push(`${request.caller.principal}@${stageName}:${stage.purpose}`);
        return { reports: [] };
      },
    };
    // A demo pipeline: these services run on a fixed clock, and register records at it.
    const contract = contractOf(`version: 1
pipeline: shop
demo: true
artifact: { type: oci }
stages:
  dev: { purpose: fast feedback }
  prod: { purpose: live, from: dev, requires: { drift: { budget: { other: any } } } }
`);
    const services = servicesOver(handle.store, [contract], { factProviders: [drift] });
    await registerArtifact(requestOf(services, { principal: 'ci' }), { digest: D });
    const decision = await checkStage(requestOf(services, { principal: 'kim' }), 'prod', D);
    expect(decision.gates.find((g) => g.gate === 'drift')?.status).toBe('pass');
    // Not asked for a stage that does not use the gate.
    await checkStage(requestOf(services, { principal: 'kim' }), 'dev', D);
    expect(seen).toEqual(['kim@prod:live']);
  });
});

describe('contractSource', () => {
  it('holds one contract per pipeline and names what it holds', () => {
    const source = contractSource([SHOP, BILLING]);
    expect(source.pipelines()).toEqual(['shop', 'billing']);
    expect(source.get('billing')).toBe(BILLING);
    expect(() => source.get('payments')).toThrow(
      /no contract for pipeline payments; known pipelines: shop, billing/,
    );
    expect(() => source.get()).toThrow(/name a pipeline: this process holds shop, billing/);
    expect(contractSource([SHOP]).get()).toBe(SHOP);
    expect(() => contractSource([SHOP, SHOP])).toThrow(/pipeline shop is defined twice/);
  });

  it('says whether it holds a pipeline, as its list does; a source without `has` is looked through', () => {
    const source = contractSource([SHOP, BILLING]);
    expect([source.has?.('billing'), source.has?.('payments')]).toEqual([true, false]);
    expect([heldContract(source, 'shop'), heldContract(source, 'payments')]).toEqual([SHOP, undefined]);
    const listed = { get: source.get, pipelines: () => ['shop'] };
    expect([heldContract(listed, 'shop'), heldContract(listed, 'billing')]).toEqual([SHOP, undefined]);
  });
});
