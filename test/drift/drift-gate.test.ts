import { describe, expect, it } from 'vitest';
import type { Contract, ContractStage } from '../../src/contract/types.js';
import { buildDriftReport, compileDriftRequirement } from '../../src/drift/report.js';
import type { ConfigMap, ConfigSet } from '../../src/drift/types.js';
import { driftGate } from '../../src/gates/drift-gate.js';
import type { ExtraFacts } from '../../src/gates/extra-facts.js';
import type { GateContext } from '../../src/gates/gate.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const set = (plain: ConfigMap, flagd: ConfigMap = {}): ConfigSet => ({ plain, flagd, k8s: {}, sources: [] });
const staging = set(
  { database: { host: 'db.staging' }, replicas: 2, logLevel: 'debug' },
  { checkout: { state: 'ENABLED', default: false } },
);
const prod = set(
  { database: { host: 'db.prod' }, replicas: 6, logLevel: 'info' },
  { checkout: { state: 'ENABLED', default: true } },
);

const requirement = compileDriftRequirement({
  budget: { flags: 0, security: 0, endpoints: 'declared', data: 'declared', other: 3 },
  declared: [
    { path: '/database/host', class: 'endpoints', reason: 'each stage has its own database' },
    { path: '/replicas', class: 'data', reason: 'prod runs at full scale' },
    { path: '/queue/url', class: 'endpoints', reason: 'left over' },
  ],
});

function context(extra: ExtraFacts, stageName = 'prod'): GateContext {
  const stage = {
    purpose: 'live',
    from: 'staging',
    config: [],
    requires: { drift: requirement },
  } as unknown as ContractStage;
  return {
    contract: {} as Contract,
    stageName,
    stage,
    facts: { artifact: {} as never, evidence: [], ledger: {} as never, actor: 'me', now: NOW, extra },
  };
}

const report = (down = prod) =>
  buildDriftReport({
    upstream: { stage: 'staging', config: staging },
    downstream: { stage: 'prod', config: down },
    requirement,
    now: NOW,
  });

describe('drift gate', () => {
  it('selects requires.drift', () => {
    expect(driftGate.select(context({}).stage)).toBe(requirement);
  });

  it('fails with the path named when a flag default changed against a 0 budget', () => {
    const result = driftGate.evaluate(requirement as never, context({ drift: { reports: [report()] } }));
    expect(result.status).toBe('fail');
    expect(result.required).toEqual([
      {
        gate: 'drift',
        text: 'flags drift vs staging: 1 undeclared / budget 0 — over budget: flagd:/checkout/default (changed false → true)',
      },
    ]);
    expect(result.risks.map((r) => r.text)).toEqual([
      'declared endpoints difference vs staging: /database/host (each stage has its own database)',
      'declared data difference vs staging: /replicas (prod runs at full scale)',
      'other drift vs staging: 1 undeclared within budget 3: /logLevel (changed "debug" → "info")',
      'stale drift declaration /queue/url (endpoints: left over) matches no difference vs staging',
    ]);
    expect(result.summary).toBe('over budget vs staging in flags');
  });

  it('passes with declared differences as remaining risk when the flag is back in line', () => {
    const aligned = set(
      { database: { host: 'db.prod' }, replicas: 6, logLevel: 'info' },
      { checkout: { state: 'ENABLED', default: false } },
    );
    const result = driftGate.evaluate(
      requirement as never,
      context({ drift: { reports: [report(aligned)] } }),
    );
    expect(result.status).toBe('pass');
    expect(result.required).toEqual([]);
    expect(result.validated[0]?.text).toBe(
      'config drift vs staging within budget (flags 0/0, endpoints 0/declared, data 0/declared, security 0/0, other 1/3)',
    );
    expect(result.risks).toHaveLength(4);
  });

  it('requires a drift report when none was provided, and one for the right stage', () => {
    expect(driftGate.evaluate(requirement as never, context({})).status).toBe('fail');
    const wrong = driftGate.evaluate(
      requirement as never,
      context({ drift: { reports: [report()] } }, 'canary'),
    );
    expect(wrong.required[0]?.text).toBe('a drift report for canary; the one given is for prod');
  });

  it('passes when the stage has no upstream', () => {
    expect(driftGate.evaluate(requirement as never, context({ drift: { reports: [] } })).status).toBe('pass');
  });
});
