/**
 * `sbom`: an SBOM attested for the digest (required or optional), no component under a denied
 * licence, no banned component. Reads the latest SBOM per tool; components of all of them count.
 */
import type { SbomPolicy } from '../contract/requires/sbom.js';
import type { EvidenceRecord, SbomComponent } from '../evidence/evidence.js';
import {
  type EvidenceSeq,
  imageNaming,
  latestPerSource,
  listSome,
  type RecordOf,
  recordsOfKind,
  runOrderLines,
  sharedReportLines,
} from './evidence-select.js';
import {
  type DecisionItem,
  type GateDefinition,
  type GateResult,
  gateResult,
  type SharedReport,
} from './gate.js';
import { licensePolicy } from './license-policy.js';

const GATE = 'sbom';
/** Offending components listed one per line before the rest are summed up. */
const ITEMS_CAP = 10;

function label(component: SbomComponent): string {
  return component.version ? `${component.name}@${component.version}` : component.name;
}

/** Latest SBOM records per (standard, tool). */
export function currentSboms(
  evidence: readonly EvidenceRecord[],
  evidenceSeq?: EvidenceSeq,
): RecordOf<'sbom'>[] {
  return latestPerSource(recordsOfKind(evidence, 'sbom'), sbomSource, evidenceSeq);
}

/**
 * What a new SBOM replaces: the same format, standard and tool, and an SBOM of an image only
 * another of an image (a tool's later SBOM of a directory must not hide what the image holds).
 */
function sbomSource(record: RecordOf<'sbom'>): string {
  const image = record.data.subject?.type?.toLowerCase() === 'container' ? '|image' : '';
  return `${record.format}|${record.data.standard}|${record.data.tool ?? ''}${image}`;
}

/** Evaluates an `sbom` requirement against the facts' evidence. Pure. */
export function evaluateSbom(
  policy: SbomPolicy,
  evidence: readonly EvidenceRecord[],
  evidenceSeq?: EvidenceSeq,
  sharedReports?: readonly SharedReport[],
): GateResult {
  const sboms = currentSboms(evidence, evidenceSeq);
  if (sboms.length === 0) {
    if (!policy.required) {
      return gateResult(GATE, 'pass', 'no SBOM (optional)', {
        risks: [
          {
            gate: GATE,
            text: 'no SBOM attested for this digest (optional here): its components and licences are unchecked',
          },
        ],
      });
    }
    return gateResult(GATE, 'fail', 'no SBOM for this digest', {
      required: [
        {
          gate: GATE,
          text: 'an SBOM (CycloneDX or SPDX JSON) for this digest: `tollgate attest sbom --artifact DIGEST FILE`',
        },
      ],
    });
  }

  const validated: DecisionItem[] = [];
  // An old SBOM recorded after a newer one must not stand in for it.
  const { required, risks } = runOrderLines(
    GATE,
    recordsOfKind(evidence, 'sbom'),
    sboms,
    sbomSource,
    (sbom) => `SBOM from ${sbom.data.tool ?? sbom.format}`,
    evidenceSeq,
  );
  // Another build's SBOM attested for this digest: the same unsigned bytes recorded for another first.
  const shared = sharedReportLines(
    GATE,
    sboms,
    sharedReports,
    policy.sharedReports,
    (sbom) => `SBOM from ${sbom.data.tool ?? sbom.format}`,
    evidenceSeq,
  );
  required.push(...shared.required);
  risks.push(...shared.risks);
  const ids = sboms.map((r) => r.id);
  for (const record of sboms) {
    const d = record.data;
    const standard = d.standard === 'cyclonedx' ? `CycloneDX ${d.specVersion}` : d.specVersion;
    const of = d.subject?.name ? label({ ...d.subject, licenses: [] }) : 'the artifact';
    // The image the SBOM itself names: another one is remaining risk, never a refusal.
    const named = imageNaming('SBOM', record);
    validated.push({
      gate: GATE,
      text: `SBOM of ${of}: ${d.counts.components} component(s) (${standard}${d.tool ? `, ${d.tool}` : ''}; recorded ${record.recordedAt} by ${record.actor})${named.suffix}`,
      evidence: [record.id],
    });
    if (named.risk) risks.push({ gate: GATE, text: named.risk, evidence: [record.id] });
    // An SBOM listing nothing (an SPDX 3 document whose root is a file, a minimal CycloneDX BOM)
    // passes every licence and component rule by having nothing to judge: say so.
    if (d.counts.components === 0) {
      risks.push({
        gate: GATE,
        text: `the SBOM of ${of} (${standard}) lists no components: no licence or component in it was checked`,
        evidence: [record.id],
      });
    }
  }

  if (policy.denyLicenses.length > 0) {
    const checker = licensePolicy(policy.denyLicenses);
    const offenders: Array<{ component: SbomComponent; denied: string[]; record: string }> = [];
    const unchecked: string[] = [];
    let withoutLicense = 0;
    let checked = 0;
    for (const record of sboms) {
      for (const component of record.data.components) {
        // A licence name beside SPDX licences ("Apache-2.0" and "My Own License") also applies and
        // is no more checked than when it stands alone: it is listed either way.
        if (component.licenseNames)
          unchecked.push(`${label(component)} ("${component.licenseNames.join('", "')}")`);
        if (component.licenses.length === 0) {
          if (!component.licenseNames) withoutLicense++;
          continue;
        }
        checked++;
        const denied = checker.deniedIn(component.licenses);
        if (denied.length > 0) offenders.push({ component, denied, record: record.id });
      }
    }
    for (const { component, denied, record } of offenders.slice(0, ITEMS_CAP)) {
      required.push({
        gate: GATE,
        text: `${label(component)} is licensed ${component.licenses.join(' AND ')}, which needs denied licence ${denied.join(', ')}`,
        evidence: [record],
      });
    }
    if (offenders.length > ITEMS_CAP) {
      required.push({
        gate: GATE,
        text: `${offenders.length - ITEMS_CAP} more component(s) need a denied licence: ${listSome(offenders.slice(ITEMS_CAP).map((o) => label(o.component)))}`,
        evidence: ids,
      });
    }
    // Only a licence that was checked can be validated: with none, the risk lines say why.
    if (offenders.length === 0 && checked > 0) {
      validated.push({
        gate: GATE,
        text: `no component needs a denied licence (${policy.denyLicenses.join(', ')})`,
        evidence: ids,
      });
    }
    if (unchecked.length > 0) {
      risks.push({
        gate: GATE,
        text: `${unchecked.length} component(s) name licences that are not SPDX expressions and were not checked against denyLicenses: ${listSome(unchecked, 3)}`,
        evidence: ids,
      });
    }
    if (withoutLicense > 0) {
      risks.push({
        gate: GATE,
        text: `${withoutLicense} component(s) declare no licence and were not checked against denyLicenses`,
        evidence: ids,
      });
    }
  }

  if (policy.bannedComponents.length > 0) {
    const banned: Array<{ component: SbomComponent; pattern: string; record: string }> = [];
    let withoutPurl = 0;
    let withPurl = 0;
    for (const record of sboms) {
      for (const component of record.data.components) {
        if (!component.purl) {
          withoutPurl++;
          continue;
        }
        withPurl++;
        const pattern = policy.bannedComponents.find((p) => p.matches(component.purl!));
        if (pattern) banned.push({ component, pattern: pattern.pattern, record: record.id });
      }
    }
    for (const { component, pattern, record } of banned.slice(0, ITEMS_CAP)) {
      required.push({
        gate: GATE,
        text: `banned component ${component.purl} (matches ${pattern}); remove or replace it`,
        evidence: [record],
      });
    }
    if (banned.length > ITEMS_CAP) {
      required.push({
        gate: GATE,
        text: `${banned.length - ITEMS_CAP} more banned component(s): ${listSome(banned.slice(ITEMS_CAP).map((b) => b.component.purl!))}`,
        evidence: ids,
      });
    }
    if (banned.length === 0 && withPurl > 0) {
      validated.push({
        gate: GATE,
        text: `no banned component (${policy.bannedComponents.map((p) => p.pattern).join(', ')})`,
        evidence: ids,
      });
    }
    if (withoutPurl > 0) {
      risks.push({
        gate: GATE,
        text: `${withoutPurl} component(s) have no package URL and were not checked against bannedComponents`,
        evidence: ids,
      });
    }
  }

  const components = sboms.reduce((n, r) => n + r.data.counts.components, 0);
  const summary =
    required.length === 0
      ? `${components} component(s) in ${sboms.length} SBOM(s)${policy.denyLicenses.length || policy.bannedComponents.length ? ', policy met' : ''}`
      : `${required.length} SBOM policy violation(s) in ${components} component(s)`;
  return gateResult(GATE, required.length === 0 ? 'pass' : 'fail', summary, { validated, risks, required });
}

/** `sbom: required | optional | { required, denyLicenses, bannedComponents, sharedReports }`. */
export const sbomGate: GateDefinition<SbomPolicy> = {
  key: GATE,
  select: (stage) => stage.requires.sbom,
  evaluate: (policy, { facts }) =>
    evaluateSbom(policy, facts.evidence, facts.ledger.evidenceSeq, facts.sharedReports),
};
