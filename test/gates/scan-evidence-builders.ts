/** Builders for SBOM, scan and provenance evidence records in gate tests. */
import type {
  EvidenceRecord,
  ProvenanceSummary,
  SbomComponent,
  SbomSummary,
  Severity,
  VulnerabilityFinding,
  VulnerabilitySummary,
} from '../../src/evidence/evidence.js';

let counter = 0;

function record(
  data: EvidenceRecord['data'],
  format: string,
  overrides: Partial<EvidenceRecord>,
): EvidenceRecord {
  counter++;
  return {
    id: `sha256:${String(counter).padStart(64, '0')}`,
    artifact: `sha256:${'a'.repeat(64)}`,
    stage: null,
    format,
    sourceDigest: `sha256:${'b'.repeat(64)}`,
    signer: null,
    actor: 'ci',
    recordedAt: '2026-11-25T10:00:00Z',
    data,
    ...overrides,
  };
}

/** A component; `licenses` are SPDX expressions. */
export function component(
  name: string,
  version: string,
  licenses: string[] = ['MIT'],
  purl?: string,
): SbomComponent {
  const c: SbomComponent = { name, version, licenses };
  if (purl !== null) c.purl = purl ?? `pkg:npm/${name}@${version}`;
  return c;
}

export function sbom(
  components: SbomComponent[],
  overrides: Partial<EvidenceRecord> = {},
  tool = 'syft 1.18.1',
): EvidenceRecord {
  const data: SbomSummary = {
    kind: 'sbom',
    standard: 'cyclonedx',
    specVersion: '1.6',
    tool,
    subject: { name: 'checkout', version: '1.4.2' },
    components,
    counts: {
      components: components.length,
      withPurl: components.filter((c) => c.purl).length,
      withLicense: components.filter((c) => c.licenses.length > 0).length,
      withUnparsedLicense: components.filter((c) => c.licenses.length === 0 && c.licenseNames).length,
      withoutLicense: components.filter((c) => c.licenses.length === 0 && !c.licenseNames).length,
    },
  };
  return record(data, 'cyclonedx', overrides);
}

export function finding(
  id: string,
  severity: Severity,
  pkg = 'lib',
  extra: Partial<VulnerabilityFinding> = {},
): VulnerabilityFinding {
  return { id, severity, package: pkg, version: '1.0.0', source: 'grype', ...extra };
}

export function scan(
  findings: VulnerabilityFinding[],
  overrides: Partial<EvidenceRecord> = {},
  scanner = 'grype',
  suppressed = 0,
): EvidenceRecord {
  const counts = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
  for (const f of findings) counts[f.severity]++;
  const data: VulnerabilitySummary = { kind: 'vulnerabilities', scanner, findings, counts, suppressed };
  return record(data, scanner === 'grype' || scanner === 'trivy' ? scanner : 'sarif', overrides);
}

export function provenance(
  fields: Partial<ProvenanceSummary> = {},
  overrides: Partial<EvidenceRecord> = {},
): EvidenceRecord {
  const data: ProvenanceSummary = {
    kind: 'provenance',
    predicateType: 'https://slsa.dev/provenance/v1',
    builderId:
      'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0',
    buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
    sourceRepository: 'https://github.com/example-shop/checkout',
    sourceCommit: '9f3c2a1b4d5e6f708192a3b4c5d6e7f8091a2b3c',
    ...fields,
  };
  return record(data, 'slsa', overrides);
}

/** Evidence of another kind, to show gates ignore it. */
export function testsRecord(): EvidenceRecord {
  return record(
    {
      kind: 'tests',
      suite: 'unit',
      tests: 1,
      passed: 1,
      failed: 0,
      errored: 0,
      skipped: 0,
      failures: [],
      failuresOmitted: 0,
    },
    'junit',
    {},
  );
}
