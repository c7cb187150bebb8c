/**
 * `provenance`: SLSA provenance attested for the digest, from a builder and source repository
 * matching the contract's patterns, optionally from the commit the artifact is labelled with.
 * Every provenance record must meet the conditions: two builds claiming one digest is a red flag.
 */
import { comparableRepository, type ProvenancePolicy } from '../contract/requires/provenance.js';
import type { Artifact } from '../contract/types.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import { atGlobNote } from '../text/glob.js';
import { recordsOfKind } from './evidence-select.js';
import { type DecisionItem, type GateDefinition, type GateResult, gateResult } from './gate.js';

const GATE = 'provenance';

/** Evaluates a `provenance` requirement for the artifact. Pure. */
export function evaluateProvenance(
  policy: ProvenancePolicy,
  evidence: readonly EvidenceRecord[],
  artifact: Pick<Artifact, 'labels'>,
): GateResult {
  const records = recordsOfKind(evidence, 'provenance');
  if (records.length === 0) {
    return gateResult(GATE, 'fail', 'no provenance for this digest', {
      required: [
        {
          gate: GATE,
          text: 'SLSA provenance for this digest (an in-toto statement, DSSE envelope or Sigstore bundle): `tollgate attest provenance --artifact DIGEST FILE`',
        },
      ],
    });
  }
  const validated: DecisionItem[] = [];
  const risks: DecisionItem[] = [];
  const required: DecisionItem[] = [];
  const label = artifact.labels.commit?.trim().toLowerCase();
  if (policy.commitMatchesLabel && !label) {
    required.push({
      gate: GATE,
      text: 'the artifact has no `commit` label to compare the provenance with; register it with `--label commit=SHA`',
    });
  }
  for (const record of records) {
    const p = record.data;
    const ref = [record.id];
    const problems: string[] = [];
    if (policy.builderId !== undefined && !policy.builderId.matches(p.builderId)) {
      const note = atGlobNote(policy.builderId.pattern, p.builderId, 'builder id');
      problems.push(
        `builder ${p.builderId} does not match ${policy.builderId.pattern}${note === undefined ? '' : ` (${note})`}`,
      );
    }
    const source = policy.sourceRepository;
    if (source !== undefined) {
      if (!p.sourceRepository) {
        problems.push('it names no source repository');
      } else if (!source.glob.matches(comparableRepository(p.sourceRepository, source.keepScheme))) {
        problems.push(`source ${p.sourceRepository} does not match ${source.pattern}`);
      }
    }
    if (policy.commitMatchesLabel && label) {
      if (!p.sourceCommit) problems.push('it names no source commit');
      else if (p.sourceCommit.toLowerCase() !== label) {
        problems.push(
          `source commit ${p.sourceCommit} is not the artifact's commit label ${artifact.labels.commit}`,
        );
      }
    }
    const from = p.sourceRepository
      ? ` from ${p.sourceRepository}${p.sourceCommit ? `@${p.sourceCommit.slice(0, 12)}` : ''}`
      : '';
    if (problems.length > 0) {
      required.push({
        gate: GATE,
        text: `provenance${from} (builder ${p.builderId}): ${problems.join('; ')}`,
        evidence: ref,
      });
      continue;
    }
    // Unsigned, the builder and source are the attester's word: validated is that the record
    // claims them and the claim meets the policy, not that the artifact was built so.
    const signed = record.signer === null ? '' : `signed by ${record.signer.name}, `;
    validated.push({
      gate: GATE,
      text: `${record.signer === null ? 'unsigned provenance claims: ' : ''}built by ${p.builderId}${from} (build type ${p.buildType}; ${signed}recorded ${record.recordedAt} by ${record.actor})`,
      evidence: ref,
    });
    if (
      policy.builderId === undefined &&
      policy.sourceRepository === undefined &&
      !policy.commitMatchesLabel
    ) {
      risks.push({
        gate: GATE,
        text: 'provenance is present but the contract accepts any builder and source',
        evidence: ref,
      });
    }
    if (record.signer === null) {
      // Under `signedBy` covering provenance, decide() has already set unsigned records aside.
      risks.push({
        gate: GATE,
        text: `provenance${from} is unsigned: its builder and source are only what the attester wrote (\`signedBy\` with kinds [provenance] makes only signed provenance count)`,
        evidence: ref,
      });
    }
  }
  const summary =
    required.length === 0
      ? `${records.length} provenance record(s) meet the policy`
      : `${required.length} provenance requirement(s) unmet`;
  return gateResult(GATE, required.length === 0 ? 'pass' : 'fail', summary, { validated, risks, required });
}

/** `provenance: required | { builderId, sourceRepository, commitMatchesLabel }`. */
export const provenanceGate: GateDefinition<ProvenancePolicy> = {
  key: GATE,
  select: (stage) => stage.requires.provenance,
  evaluate: (requirement, { facts }) => evaluateProvenance(requirement, facts.evidence, facts.artifact),
};
