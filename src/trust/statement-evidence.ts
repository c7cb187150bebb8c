/**
 * The hand-off from trust to evidence: a statement whose signature (if any) was checked becomes
 * `{ predicateType, predicate, subjects, signer }`, and a table of predicate parsers (owned by the
 * evidence parsers) turns the predicate into EvidenceData. Unknown predicate types become opaque
 * evidence, which no gate reads unless a rule asks.
 */
import type { EvidenceData, EvidenceSigner } from '../evidence/evidence.js';
import type { ResourceDescriptor, Statement } from './statement.js';

export interface StatementEvidence {
  predicateType: string;
  predicate: unknown;
  subjects: ResourceDescriptor[];
  signer: EvidenceSigner | null;
}

/** Context a predicate parser gets besides the predicate itself. */
export interface PredicateContext {
  predicateType: string;
  subjects: ResourceDescriptor[];
  /** Names the input in errors ("build.intoto.jsonl: DSSE payload"). */
  source: string;
}

/** Turns one predicate type into evidence; throws TollgateError EVIDENCE_INVALID for a bad predicate. */
export type PredicateParser = (predicate: unknown, context: PredicateContext) => EvidenceData;

/** Predicate parsers by exact predicate type URI. */
export type PredicateParsers = Readonly<Record<string, PredicateParser>>;

/** The statement and its verified signer, in the shape predicate parsers consume. */
export function toStatementEvidence(statement: Statement, signer: EvidenceSigner | null): StatementEvidence {
  return {
    predicateType: statement.predicateType,
    predicate: statement.predicate,
    subjects: statement.subject,
    signer,
  };
}

/**
 * Picks the parser for the statement's predicate type; unknown types become
 * `{ kind: 'opaque', predicateType }`.
 * @example toEvidenceData(toStatementEvidence(statement, signer), { [SLSA_V1]: parseSlsaPredicate }, 'prov.json')
 */
export function toEvidenceData(
  evidence: StatementEvidence,
  parsers: PredicateParsers,
  source: string,
): EvidenceData {
  const parser = Object.hasOwn(parsers, evidence.predicateType) ? parsers[evidence.predicateType] : undefined;
  if (parser === undefined) return { kind: 'opaque', predicateType: evidence.predicateType };
  return parser(evidence.predicate, {
    predicateType: evidence.predicateType,
    subjects: evidence.subjects,
    source,
  });
}
