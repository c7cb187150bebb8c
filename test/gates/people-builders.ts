/**
 * Builders for the people/time/policy gate tests: a contract from YAML (through the real loader),
 * ledger entries turned into a view by the real buildLedgerView, and a gate context.
 */
import { validateContract } from '../../src/contract/load-contract.js';
import type { Contract } from '../../src/contract/types.js';
import type { EvidenceRecord } from '../../src/evidence/evidence.js';
import type { GateContext } from '../../src/gates/gate.js';
import { buildLedgerView, type ViewEntry } from '../../src/ledger/ledger-view.js';

export const D1 = `sha256:${'1'.repeat(64)}`;
export const D2 = `sha256:${'2'.repeat(64)}`;
export const D3 = `sha256:${'3'.repeat(64)}`;

export function contractOf(yaml: string): Contract {
  return validateContract(yaml, 'tollgate.yaml');
}

/** A three-stage contract whose prod stage requires `prodRequires` (YAML, indented 6). */
export function pipeline(prodRequires: string, top = ''): Contract {
  return contractOf(`version: 1
pipeline: checkout
artifact: { type: oci }
${top}
stages:
  dev:
    purpose: fast feedback
  staging:
    purpose: release candidates
    from: dev
  prod:
    purpose: live
    from: staging
    requires:
${prodRequires}
`);
}

let seq = 0;
/** A ledger entry; seq increases in call order. */
export function entry(kind: string, over: Partial<ViewEntry> & { at: string }): ViewEntry {
  seq += 1;
  return { seq, kind, stage: null, artifact: D1, actor: 'ci', payload: {}, ...over };
}

export const register = (at: string, actor = 'dana', artifact = D1) =>
  entry('register', { at, actor, artifact });
export const promotion = (stage: string, at: string, artifact = D1, actor = 'ci') =>
  entry('promotion', { stage, at, artifact, actor, payload: { contractDigest: 'sha256:c' } });
export const approval = (actor: string, at: string, decision = 'approve', stage = 'prod', comment?: string) =>
  entry('approval', { stage, at, actor, payload: { decision, ...(comment ? { comment } : {}) } });
export const verification = (stage: string, at: string, result: 'passed' | 'failed', artifact = D1) =>
  entry('verification', { stage, at, artifact, actor: 'smoke-bot', payload: { result } });

export interface ContextOptions {
  stage?: string;
  entries?: ViewEntry[];
  evidence?: EvidenceRecord[];
  actor?: string;
  now?: string;
  labels?: Record<string, string>;
  digest?: string;
}

export function contextOf(contract: Contract, options: ContextOptions = {}): GateContext {
  const stageName = options.stage ?? 'prod';
  const digest = options.digest ?? D1;
  return {
    contract,
    stageName,
    stage: contract.stages[stageName]!,
    facts: {
      artifact: {
        digest,
        labels: options.labels ?? {},
        registeredAt: '2026-11-20T08:00:00.000Z',
        source: 'digest',
      },
      evidence: options.evidence ?? [],
      // The store hands in the digest's entries only; filter the same way here.
      ledger: buildLedgerView((options.entries ?? []).filter((e) => e.artifact === digest)),
      actor: options.actor ?? 'erin',
      now: new Date(options.now ?? '2026-11-26T12:00:00Z'),
      extra: {},
    },
  };
}

export function testsEvidence(
  suite: string,
  actor: string,
  over: Partial<EvidenceRecord> = {},
): EvidenceRecord {
  return {
    id: `sha256:${suite.padEnd(64, '0')}`,
    artifact: D1,
    stage: null,
    format: 'junit',
    sourceDigest: 'sha256:s',
    signer: null,
    actor,
    recordedAt: '2026-11-20T09:00:00.000Z',
    data: {
      kind: 'tests',
      suite,
      tests: 120,
      passed: 118,
      failed: 0,
      errored: 0,
      skipped: 2,
      failures: [],
      failuresOmitted: 0,
    },
    ...over,
  };
}
