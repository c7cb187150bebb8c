/**
 * The one test-builder module: contracts (through the real loader), facts, evidence records,
 * promotions, ledger entries (turned into a view by the real buildLedgerView) and gate contexts,
 * each with sensible defaults and overridable, so a test states only what it is about.
 */
import { validateContract } from '../../src/contract/load-contract.js';
import type { Contract } from '../../src/contract/types.js';
import { TollgateError } from '../../src/errors.js';
import type {
  EvidenceRecord,
  ProvenanceSummary,
  SbomComponent,
  SbomSummary,
  Severity,
  TestSummary,
  VulnerabilityFinding,
  VulnerabilitySummary,
} from '../../src/evidence/evidence.js';
import type { Facts, GateContext } from '../../src/gates/gate.js';
import type { EntryKind, ViewEntry } from '../../src/ledger/entry.js';
import { buildLedgerView, type PromotionRecord } from '../../src/ledger/ledger-view.js';
import { fakeDigest } from './cli.js';

export const DIGEST = fakeDigest('artifact');
export const NOW = new Date('2026-11-26T12:00:00Z');

export function contractOf(yaml: string): Contract {
  return validateContract(yaml, 'tollgate.yaml');
}

/** The TollgateError loading `yaml` as tollgate.yaml throws (its message names the line and column). */
export function contractErrorOf(yaml: string): TollgateError {
  return tollgateErrorOf(() => validateContract(yaml, 'tollgate.yaml'));
}

/** The TollgateError a promise rejects with; any other error is rethrown, and resolving fails the test. */
export async function tollgateRejectionOf(promise: Promise<unknown>): Promise<TollgateError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TollgateError) return error;
    throw error;
  }
  throw new Error('expected a TollgateError, but the call succeeded');
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

// Ledger entries, views and gate contexts (the people, time and policy gates).

export const D1 = `sha256:${'1'.repeat(64)}`;
export const D2 = `sha256:${'2'.repeat(64)}`;
export const D3 = `sha256:${'3'.repeat(64)}`;

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

/**
 * The YAML of the two-stage contract most tests write: `first` (staging, release candidates; or
 * dev, fast feedback), then prod (live, from `first`) requiring `prodRequires` (YAML lines,
 * indented 6). `head` holds the top-level keys after `pipeline:` (artifact type, demo, overrides,
 * trust), one a line from column 0.
 */
export function twoStageYaml(
  prodRequires: string,
  head = 'artifact: { type: file }',
  { pipeline = 'shop', first = 'staging' }: { pipeline?: string; first?: 'staging' | 'dev' } = {},
): string {
  const purpose = first === 'staging' ? 'release candidates' : 'fast feedback';
  return `version: 1
pipeline: ${pipeline}
${head}
stages:
  ${first}: { purpose: ${purpose} }
  prod:
    purpose: live
    from: ${first}
    requires:
${prodRequires}
`;
}

/**
 * The YAML of a one-stage contract: staging (release candidate) requiring `requires` (YAML lines,
 * indented 6); `head` holds the top-level keys after `pipeline:`, as in {@link twoStageYaml}.
 */
export function stagingYaml(requires: string, head = 'artifact: { type: file }'): string {
  return `version: 1
pipeline: shop
${head}
stages:
  staging:
    purpose: release candidate
    requires:
${requires}
`;
}

/**
 * The YAML of a pipeline whose prod (live) rolls back within `within` (to `target`, when given)
 * when the error rate, the Prometheus query `condition`, is above 0.02; `when` adds lines to that
 * condition (indented 10), `head` holds the top-level keys after `pipeline:`, `after` more stages
 * (indented 2).
 */
export function rollbackYaml({
  within,
  condition,
  head,
  target,
  when = '',
  after = '',
}: {
  within: string;
  condition: string;
  head: string;
  target?: string;
  when?: string;
  after?: string;
}): string {
  return `version: 1
pipeline: shop
${head}
stages:
  prod:
    purpose: live
    rollback:
      within: ${within}${target === undefined ? '' : `\n      target: ${target}`}
      when:
        - name: error rate
          prometheus: ${condition}
          above: 0.02
${when}${after}`;
}

/**
 * The YAML of the drift pipeline the drift tests write: staging (release-candidate verification)
 * then prod (live, from staging), each reading the `config` files (STAGE stands for the stage's
 * name), prod requiring `drift` (YAML lines, indented 8, under `drift:`). `top` holds top-level
 * keys before `stages:` (a `drift:` section), one a line from column 0.
 */
export function driftYaml(
  drift: string,
  { config = ['values/STAGE.yaml'], top = '' }: { config?: string[]; top?: string } = {},
): string {
  const files = (stage: string) => config.map((file) => file.replaceAll('STAGE', stage)).join(', ');
  return `version: 1
pipeline: shop
artifact: { type: file }
${top}stages:
  staging:
    purpose: release-candidate verification
    config: [${files('staging')}]
  prod:
    purpose: live
    from: staging
    config: [${files('prod')}]
    requires:
      drift:
${drift}
`;
}

/** {@link twoStageYaml}, loaded. */
export function twoStageContract(...args: Parameters<typeof twoStageYaml>): Contract {
  return contractOf(twoStageYaml(...args));
}

let seq = 0;
/** A ledger entry; seq increases in call order. */
export function entry(kind: EntryKind, over: Partial<ViewEntry> & { at: string }): ViewEntry {
  seq += 1;
  return { seq, kind, stage: null, artifact: D1, actor: 'ci', payload: {}, ...over };
}

export const register = (at: string, actor = 'dana', artifact = D1) =>
  entry('register', { at, actor, artifact });
/** A promotion ledger entry (`promotion` builds the PromotionRecord a view holds). */
export const promotionEntry = (stage: string, at: string, artifact = D1, actor = 'ci') =>
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

/** A test summary by `actor` for `suite` on D1: 120 tests, 118 passed, 2 skipped. */
export function testsEvidence(
  suite: string,
  actor: string,
  over: Partial<EvidenceRecord> = {},
): EvidenceRecord {
  return testEvidence(
    { suite, tests: 120, passed: 118, skipped: 2 },
    {
      id: `sha256:${suite.padEnd(64, '0')}`,
      artifact: D1,
      sourceDigest: 'sha256:s',
      actor,
      recordedAt: '2026-11-20T09:00:00.000Z',
      ...over,
    },
  );
}

// SBOM, scan and provenance evidence.

let counter = 0;

function scanRecord(
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
  return scanRecord(data, 'cyclonedx', overrides);
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
  return scanRecord(data, scanner === 'grype' || scanner === 'trivy' ? scanner : 'sarif', overrides);
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
  return scanRecord(data, 'slsa', overrides);
}

/** Evidence of another kind, to show gates ignore it. */
export function testsRecord(): EvidenceRecord {
  return scanRecord(
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
