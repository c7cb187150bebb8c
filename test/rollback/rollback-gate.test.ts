import { describe, expect, it } from 'vitest';
import { rollbackSection } from '../../src/contract/requires/rollback.js';
import type { Contract, ContractStage } from '../../src/contract/types.js';
import type { RollbackFacts } from '../../src/gates/extra-facts.js';
import type { Facts } from '../../src/gates/gate.js';
import { rollbackGate } from '../../src/gates/rollback-gate.js';
import type { PromotionRecord } from '../../src/ledger/ledger-view.js';
import type { RollbackPolicy } from '../../src/rollback/policy.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const config: RollbackPolicy = rollbackSection.parse({
  within: '2h',
  when: [
    { name: 'error rate', prometheus: 'sum(rate(e{digest="$digest"}[5m]))', above: 0.02, for: '5m' },
    {
      name: 'availability',
      prometheus: 'avg(up{digest=$digest})',
      below: 0.99,
      for: '10m',
      interval: '1m',
      failureLimit: 3,
      noData: 'fail',
    },
  ],
});

function previous(
  artifact: string,
  status: PromotionRecord['status'] = 'promoted',
  seq = 1,
): PromotionRecord {
  return {
    seq,
    stage: 'prod',
    artifact,
    actor: 'alice',
    at: '2026-11-20T10:00:00Z',
    status,
    contractDigest: d('0'),
  };
}

function run(extra: RollbackFacts | undefined, cfg: RollbackPolicy = config) {
  const stage = { purpose: 'live', config: [], requires: {}, rollback: cfg } as unknown as ContractStage;
  const facts: Facts = {
    artifact: { digest: d('a'), labels: {}, registeredAt: '2026-11-26T00:00:00Z', source: 'digest' },
    evidence: [],
    ledger: { promotions: [] },
    actor: 'bob',
    now: new Date('2026-11-26T12:00:00Z'),
    extra: extra === undefined ? {} : { rollback: extra },
  };
  const selected = rollbackGate.select(stage);
  expect(selected).toBe(cfg);
  return rollbackGate.evaluate(cfg, { contract: {} as Contract, stageName: 'prod', stage, facts });
}

describe('rollback section in a decision', () => {
  it('lists each condition and the last known good target under validated', () => {
    const result = run({
      metricsSource: 'Prometheus at http://prom:9090',
      stagePromotions: [previous(d('b'))],
    });
    expect(result.status).toBe('pass');
    expect(result.validated.map((v) => v.text)).toEqual([
      'rollback condition "error rate": > 0.02 for 5m (every 1m, no data counts as inconclusive); watched 2h after promotion via Prometheus at http://prom:9090',
      'rollback condition "availability": < 0.99 in more than 3 of 11 measurements over 10m (every 1m, no data counts as failed); watched 2h after promotion via Prometheus at http://prom:9090',
      `rollback target: last known good ${d('b')} (promoted into prod 2026-11-20T10:00:00Z by alice)`,
    ]);
    expect(result.validated[2]?.evidence).toEqual(['ledger#1']);
    expect(result.risks).toEqual([]);
    expect(result.summary).toBe(`2 rollback condition(s) watched for 2h; target last known good ${d('b')}`);
  });

  it('names a condition that does not select by $digest as a risk, also with a negative matcher or in a replacement', () => {
    const stageWide = rollbackSection.parse({
      within: '2h',
      when: [
        { name: 'error rate', prometheus: 'sum(rate(e[5m])) # $digest in a comment', above: 0.02 },
        { name: 'latency', prometheus: 'max(p99{image=~".*$digest"})', above: 1 },
        // Every digest but this one: a healthy answer speaks for the others.
        { name: 'others', prometheus: 'max(p99{image_digest!="$digest"})', above: 1 },
        { name: 'others re', prometheus: "max(p99{image_digest!~ '$digest'})", above: 1 },
        // The digest written into a label, not used to choose series.
        { name: 'written', prometheus: 'max(label_replace(p99, "d", "$digest", "job", ".*"))', above: 1 },
      ],
    });
    const result = run(
      { metricsSource: 'Prometheus at http://prom:9090', stagePromotions: [previous(d('b'))] },
      stageWide,
    );
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text.replace(/ does not select by .*$/, ''))).toEqual([
      'rollback condition "error rate"',
      'rollback condition "others"',
      'rollback condition "others re"',
      'rollback condition "written"',
    ]);
    expect(result.risks[0]?.text).toBe(
      'rollback condition "error rate" does not select by $digest: right after a promotion it still measures the previous digest (its last samples and any [range] in the query), so an early healthy check speaks for the old build; add {…="$digest"} to the query',
    );
  });

  it('names a query that falls back to a constant at its top level as a risk: it never has no data', () => {
    const fallback = rollbackSection.parse({
      within: '2h',
      when: [
        { name: 'zero', prometheus: 'sum(rate(e{digest="$digest"}[5m])) or vector(0)', above: 0.02 },
        { name: 'on', prometheus: 'max(p99{digest="$digest"}) OR on() vector(0)', above: 1 },
        { name: 'ignoring', prometheus: 'max(p99{digest="$digest"}) or ignoring(job) vector(0)', above: 1 },
        // Only in a numerator: no requests still gives no data.
        {
          name: 'ratio',
          prometheus:
            '(sum(rate(e{digest="$digest"}[5m])) or vector(0)) / sum(rate(r{digest="$digest"}[5m]))',
          above: 0.02,
        },
        {
          name: 'comment',
          prometheus: 'max(p99{digest="$digest", q="or vector(0)"}) # or vector(0)',
          above: 1,
        },
      ],
    });
    const result = run(
      { metricsSource: 'Prometheus at http://prom:9090', stagePromotions: [previous(d('b'))] },
      fallback,
    );
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text.replace(/ falls back .*$/, ''))).toEqual([
      'rollback condition "zero"',
      'rollback condition "on"',
      'rollback condition "ignoring"',
    ]);
    expect(result.risks[0]?.text).toBe(
      'rollback condition "zero" falls back to a constant (… or vector(…)) when its query finds nothing, so it never has no data and noData never applies: a wrong label or a digest not reported yet reads as that constant, healthy; put the fallback only in a numerator ((errors or vector(0)) / requests)',
    );
  });

  it('lists conditions with no metrics source as a remaining risk', () => {
    const result = run({ metricsSource: null, stagePromotions: [previous(d('b'))] });
    expect(result.status).toBe('pass');
    expect(result.risks[0]?.text).toMatch(
      /^2 rollback condition\(s\) cannot be evaluated: no metrics source is configured/,
    );
    expect(result.risks[0]?.text).toContain('"error rate", "availability"');
    expect(result.validated.some((v) => v.text.startsWith('rollback condition'))).toBe(false);
  });

  it('names the lack of a rollback target as a risk, ignoring untrusted promotions and the candidate itself', () => {
    const result = run({
      metricsSource: 'x',
      stagePromotions: [previous(d('b'), 'rolled-back', 1), previous(d('a'), 'promoted', 2)],
    });
    expect(result.risks.map((r) => r.text)).toEqual([
      'no earlier good promotion in prod: if a rollback condition trips, there is no last known good digest to return to',
    ]);
  });

  it('fails with a requirement when a pinned target is not registered', () => {
    const pinned: RollbackPolicy = { ...config, target: d('9') };
    const missing = run({ metricsSource: 'x', stagePromotions: [], pinnedTargetRegistered: false }, pinned);
    expect(missing.status).toBe('fail');
    expect(missing.required[0]?.text).toContain(`register the pinned rollback target ${d('9')}`);
    const present = run({ metricsSource: 'x', stagePromotions: [], pinnedTargetRegistered: true }, pinned);
    expect(present.status).toBe('pass');
    expect(present.validated.at(-1)?.text).toBe(`rollback target: pinned digest ${d('9')}`);
  });

  it('fails when the pinned target was rolled back out of the stage, until it is promoted there again', () => {
    const pinned: RollbackPolicy = { ...config, target: d('9') };
    const rolledBack = run(
      {
        metricsSource: 'x',
        stagePromotions: [previous(d('9'), 'rolled-back', 1)],
        pinnedTargetRegistered: true,
      },
      pinned,
    );
    expect(rolledBack.status).toBe('fail');
    expect(rolledBack.required[0]?.text).toContain(
      `the pinned rollback target ${d('9')} was rolled back out of prod`,
    );
    const again = run(
      {
        metricsSource: 'x',
        stagePromotions: [previous(d('9'), 'rolled-back', 1), previous(d('9'), 'promoted', 5)],
        pinnedTargetRegistered: true,
      },
      pinned,
    );
    expect(again.status).toBe('pass');
  });

  it('names a pinned target never promoted into the stage as a risk', () => {
    const pinned: RollbackPolicy = { ...config, target: d('9') };
    const never = run(
      { metricsSource: 'x', stagePromotions: [previous(d('b'))], pinnedTargetRegistered: true },
      pinned,
    );
    expect(never.status).toBe('pass');
    expect(never.risks.map((r) => r.text)).toContain(
      `the pinned rollback target ${d('9')} was never promoted into prod: a rollback would deploy a digest never validated there`,
    );
    const known = run(
      { metricsSource: 'x', stagePromotions: [previous(d('9'))], pinnedTargetRegistered: true },
      pinned,
    );
    expect(known.risks).toEqual([]);
  });

  it('treats missing facts as no metrics source (never as configured)', () => {
    expect(run(undefined).risks[0]?.text).toContain('no metrics source');
  });
});
