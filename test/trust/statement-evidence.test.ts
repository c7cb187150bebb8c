import { describe, expect, it } from 'vitest';
import type { EvidenceData } from '../../src/evidence/evidence.js';
import { parseStatement } from '../../src/trust/statement.js';
import {
  type PredicateParser,
  toEvidenceData,
  toStatementEvidence,
} from '../../src/trust/statement-evidence.js';
import { DIGEST_A, statementAbout } from './helpers.js';

describe('statement → evidence hand-off', () => {
  const signer = { name: 'ci', method: 'key' as const, subject: 'k' };

  it('hands the predicate, subjects and signer to the parser for its type', () => {
    const statement = parseStatement(
      statementAbout(DIGEST_A, 'https://example.com/verification/v1', { passed: true }),
      's',
    );
    const seen: unknown[] = [];
    const parser: PredicateParser = (predicate, context) => {
      seen.push(predicate, context);
      return { kind: 'verification', result: 'passed' } satisfies EvidenceData;
    };
    const evidence = toStatementEvidence(statement, signer);
    expect(evidence.signer).toBe(signer);
    expect(toEvidenceData(evidence, { 'https://example.com/verification/v1': parser }, 's.json')).toEqual({
      kind: 'verification',
      result: 'passed',
    });
    expect(seen[0]).toEqual({ passed: true });
    expect(seen[1]).toEqual({
      predicateType: 'https://example.com/verification/v1',
      subjects: [{ name: 'app.tar', digest: { sha256: 'a'.repeat(64) } }],
      source: 's.json',
    });
  });

  it('turns an unknown predicate type into opaque evidence', () => {
    const statement = parseStatement(statementAbout(DIGEST_A, 'https://example.com/unknown/v9'), 's');
    expect(toEvidenceData(toStatementEvidence(statement, null), {}, 's')).toEqual({
      kind: 'opaque',
      predicateType: 'https://example.com/unknown/v9',
    });
  });

  it('does not mistake inherited object keys for parsers', () => {
    const statement = parseStatement(statementAbout(DIGEST_A, 'toString'), 's');
    expect(toEvidenceData(toStatementEvidence(statement, null), {}, 's')).toEqual({
      kind: 'opaque',
      predicateType: 'toString',
    });
  });
});
