/**
 * The normalised evidence model. Every parser (JUnit, CycloneDX, SPDX, SARIF, Grype, Trivy, SLSA,
 * in-toto statements, …) turns its input into one of these `EvidenceData` values, so gates never
 * care where a fact came from. Add a new kind by adding a member to the `EvidenceData` union.
 */

/** Totals of one or more JUnit reports, with failed test names kept (capped) for decisions. */
export interface TestSummary {
  kind: 'tests';
  suite: string;
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  /** Names of failed or errored tests, at most `FAILED_NAMES_CAP`. */
  failures: TestFailure[];
  /** How many failed or errored tests were left out of `failures` by the cap. */
  failuresOmitted: number;
  /** Wall time reported by the files, in seconds, when they say. */
  durationSeconds?: number;
}

export interface TestFailure {
  name: string;
  classname?: string;
  kind: 'failure' | 'error';
  message?: string;
}

/** Post-deploy verification recorded for a stage (`tollgate attest verification`). */
export interface VerificationSummary {
  kind: 'verification';
  result: 'passed' | 'failed';
  details?: string;
}

/** Evidence kept as it came, never used by a gate unless a rule asks for it. */
export interface OpaqueSummary {
  kind: 'opaque';
  predicateType: string;
}

export type EvidenceData = TestSummary | VerificationSummary | OpaqueSummary;

export type EvidenceKind = EvidenceData['kind'];

/** Cap on failed test names kept per evidence record. */
export const FAILED_NAMES_CAP = 50;

/** Who signed a piece of evidence, once the signature was verified against the contract's trust. */
export interface EvidenceSigner {
  /** The name under `trust` in the contract (key or identity name), or a key fingerprint. */
  name: string;
  /** `key` for a PEM key, `sigstore` for a keyless identity. */
  method: 'key' | 'sigstore';
  /** The key id or certificate subject. */
  subject: string;
}

/** One stored fact about one artifact digest. */
export interface EvidenceRecord {
  /** `sha256:` of the canonical JSON of the record's content: the same fact stored twice is one record. */
  id: string;
  artifact: string;
  /** Stage the evidence was produced in (`--in`), or null when produced outside any stage (CI). */
  stage: string | null;
  /** The input format: `junit`, `cyclonedx`, `spdx`, `sarif`, `grype`, `trivy`, `slsa`, `in-toto`, … */
  format: string;
  /** Digest of the input bytes (or of the concatenated inputs), so the source can be matched later. */
  sourceDigest: string;
  /** Verified signer, or null for unsigned evidence. */
  signer: EvidenceSigner | null;
  actor: string;
  recordedAt: string;
  data: EvidenceData;
}
