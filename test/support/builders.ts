/**
 * Builders for pure-core tests: a contract, facts, evidence and promotions with sensible defaults,
 * each overridable, so a test states only what it is about.
 */
import { validateContract } from '../../src/contract/load-contract.js';
import type { Contract } from '../../src/contract/types.js';
import { TollgateError } from '../../src/errors.js';
import type { EvidenceRecord, TestSummary } from '../../src/evidence/evidence.js';
import type { Facts } from '../../src/gates/gate.js';
import type { PromotionRecord } from '../../src/ledger/ledger-view.js';
import { fakeDigest } from './cli.js';

export const DIGEST = fakeDigest('artifact');
export const NOW = new Date('2026-11-26T12:00:00Z');

export function contractOf(yaml: string): Contract {
  return validateContract(yaml, 'tollgate.yaml');
}

/** The TollgateError `action` throws; any other error is rethrown, and no error fails the test. */
export function tollgateErrorOf(action: () => unknown): TollgateError {
  try {
    action();
  } catch (error) {
    if (error instanceof TollgateError) return error;
    throw error;
  }
  throw new Error('expected a TollgateError');
}

export function testEvidence(
  summary: Partial<TestSummary> & { suite: string },
  over: Partial<EvidenceRecord> = {},
): EvidenceRecord {
  const data: TestSummary = {
    kind: 'tests',
    tests: 10,
    passed: 10,
    failed: 0,
    errored: 0,
    skipped: 0,
    failures: [],
    failuresOmitted: 0,
    ...summary,
  };
  return {
    id: fakeDigest(`${JSON.stringify(data)}${over.stage ?? ''}${over.recordedAt ?? ''}`),
    artifact: DIGEST,
    stage: null,
    format: 'junit',
    sourceDigest: fakeDigest('source'),
    signer: null,
    actor: 'ci',
    recordedAt: '2026-11-26T10:00:00.000Z',
    data,
    ...over,
  };
}

export function promotion(stage: string, over: Partial<PromotionRecord> = {}): PromotionRecord {
  return {
    seq: 1,
    stage,
    artifact: DIGEST,
    actor: 'ci',
    at: '2026-11-26T09:00:00.000Z',
    status: 'promoted',
    contractDigest: fakeDigest('c'),
    ...over,
  };
}

export function factsOf(
  over: Partial<Omit<Facts, 'ledger'>> & { promotions?: PromotionRecord[] } = {},
): Facts {
  const { promotions = [], ...rest } = over;
  return {
    artifact: {
      digest: DIGEST,
      labels: { version: '1.0.0', author: 'dana' },
      registeredAt: '2026-11-26T08:00:00.000Z',
      source: 'digest',
    },
    evidence: [],
    ledger: { promotions } as Facts['ledger'],
    actor: 'ci',
    now: NOW,
    extra: {},
    ...rest,
  };
}
