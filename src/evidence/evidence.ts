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
  /**
   * Passed tests whose test case records an earlier failed attempt (surefire `flakyFailure`,
   * pytest-rerunfailures `rerun`): they passed, but only on rerun.
   */
  flaky?: number;
  /**
   * The same reports with repeated test cases (same name, classname and file in one suite) merged
   * as reruns of one test; a failure is cleared only by a later pass. Present when some test case
   * repeats, in its report (`repeats`) or in another report of the same attestation (counted once
   * in both views; see `AcrossReports`). The `tests` gate reads it for a suite the contract declares retried (`reruns: true`);
   * otherwise every test case counts (the fields above).
   */
  reruns?: RerunCounts;
  /** Wall time reported by the files, in seconds, when they say. */
  durationSeconds?: number;
  /**
   * When the report says it ran (ISO 8601 UTC; the latest time it states, src/evidence/stated-time.ts),
   * absent when it says none. The report's own word: a later-recorded report stating an earlier run
   * than the one it would replace is refused (docs/evidence.md "Which report counts").
   */
  ranAt?: string;
  /**
   * Of `skipped`, the skips the report only declares (a suite's `skipped=`) with no test case for
   * them (mocha-junit-reporter leaves pending tests out); absent when there are none.
   */
  declaredSkipped?: number;
  /**
   * For results read from a signed test-result statement: `sha256:` of the statement as signed (the
   * DSSE payload), which names one test run whatever file, wrapper or formatting carries it.
   */
  statementDigest?: string;
}

/** Counts of test cases in one view of a report. `tests = passed + failed + errored + skipped`. */
export interface TestCounts {
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  /** Passed tests that failed at least once first. */
  flaky: number;
  /** Failed and errored tests, first `FAILED_NAMES_CAP` in document order. */
  failures: TestFailure[];
  /** Failed and errored tests left out of `failures` by the cap. */
  failuresOmitted: number;
}

/** A test summary's counts with repeated test cases merged as reruns. */
export interface RerunCounts extends TestCounts {
  /** Test cases that repeated an earlier one and were merged into it. */
  repeats: number;
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

/** One package or library listed in an SBOM. */
export interface SbomComponent {
  /**
   * The component's CycloneDX `bom-ref`, when it has one other than its purl (a bom-ref equal to
   * the purl is not stored twice): what a VEX's BOM-link `urn:cdx:<serial>/<version>#<bom-ref>` names.
   */
  bomRef?: string;
  name: string;
  version?: string;
  /** Package URL (`pkg:npm/left-pad@1.3.0`), when the SBOM gives one. */
  purl?: string;
  /** Licences as SPDX expressions (each valid for spdx-expression-parse), in document order. */
  licenses: string[];
  /** Licence names the document gives that are not SPDX expressions ("BSD licence"). */
  licenseNames?: string[];
}

/** A CycloneDX or SPDX SBOM, reduced to what gates need. See docs/evidence.md. */
export interface SbomSummary {
  kind: 'sbom';
  /** `cyclonedx` or `spdx`. */
  standard: 'cyclonedx' | 'spdx';
  /** `1.4` for CycloneDX, `SPDX-2.3` or `3.0.1` for SPDX. */
  specVersion: string;
  /** The tool that wrote the SBOM, when the document says (`CycloneDX Maven plugin 2.0.2`). */
  tool?: string;
  /**
   * What the SBOM describes (CycloneDX `metadata.component`, SPDX described package). `type` is
   * the document's word for what it is, when it says: the CycloneDX component `type` (`container`,
   * `application`, `file`, …) or the SPDX 2 `primaryPackagePurpose` (`CONTAINER`, …). An SBOM of an
   * image is not replaced by the same tool's SBOM of something else (docs/evidence.md).
   */
  subject?: { name: string; version?: string; purl?: string; type?: string; bomRef?: string };
  /**
   * A CycloneDX SBOM's own BOM-link, `urn:cdx:<serial>/<version>` (its `serialNumber` and `version`,
   * 1 when absent), when it has a serial number: what a VEX's BOM-links must name to be about it.
   */
  bomLink?: string;
  /**
   * The image digests (`sha256:<hex>`, lower-case, de-duplicated) the document says it describes,
   * when it names any: the purl, container hashes or digest version of its subject. What the
   * document claims, not checked against the record's artifact; the `sbom` gate says when they differ.
   */
  describes?: string[];
  /**
   * Of `describes`, the image ids (config digests) the document names: they can show it is about
   * this artifact, never that it is about another (an image is registered by its manifest digest).
   */
  imageIds?: string[];
  /**
   * When the report says it ran (ISO 8601 UTC; the latest time it states, src/evidence/stated-time.ts),
   * absent when it says none. The report's own word: a later-recorded report stating an earlier run
   * than the one it would replace is refused (docs/evidence.md "Which report counts").
   */
  ranAt?: string;
  components: SbomComponent[];
  counts: {
    components: number;
    withPurl: number;
    /** Components with at least one SPDX licence expression. */
    withLicense: number;
    /** Components with licence names only, none of them an SPDX expression. */
    withUnparsedLicense: number;
    withoutLicense: number;
  };
}

/** Normalised severity of a vulnerability finding; docs/evidence.md says how each format maps. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'unknown';

/** Severities from worst to least known, the order decisions list them in. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'unknown'];

export interface VulnerabilityFinding {
  /** CVE, GHSA or tool rule id. */
  id: string;
  /** Other ids of the same vulnerability (Grype related vulnerabilities, CycloneDX references). */
  aliases?: string[];
  severity: Severity;
  /** Affected package name (or, for SARIF, the file the result is in). */
  package?: string;
  version?: string;
  purl?: string;
  /** Version(s) that fix it, as the scanner reports them. */
  fixedIn?: string;
  /**
   * The product a CycloneDX statement names for it when that is not the document's own: an image
   * digest (`sha256:<hex>`, from an image purl in `affects`), an image purl with no digest (a tag
   * only, `pkg:oci/app?tag=1.0`), or a part of another BOM (`urn:cdx:<serial>/<version>`, with
   * `#<bom-ref>` percent-encoded when the BOM-link names a component). The `vulnerabilities` gate
   * applies the statement only to that product, and a waiver only when the product is shown to be
   * this artifact's.
   */
  product?: string;
  /** The scanner and, where it says, its data source (`grype:nvd`, `trivy:ghsa`, `sarif:ESLint`). */
  source: string;
  title?: string;
}

/** A finding the report itself set aside (ignore rule, VEX statement, policy exception), and why. */
export interface SuppressedFinding {
  id: string;
  severity: Severity;
  package?: string;
  version?: string;
  /** The report's reason: `fix-state wont-fix`, `vex-status not_affected`, an ignore rule's own reason… */
  reason: string;
  /** The product the statement that set it aside is about, as {@link VulnerabilityFinding.product}. */
  product?: string;
}

/** Cap on suppressed findings kept per scan (worst first); `suppressed` still counts them all. */
export const SUPPRESSED_FINDINGS_CAP = 50;

/** A vulnerability scan (SARIF, Grype, Trivy, CycloneDX VEX/VDR, in-toto vulns), suppressions removed. */
export interface VulnerabilitySummary {
  kind: 'vulnerabilities';
  /** Scanner name (`grype`, `trivy`, the SARIF driver name). */
  scanner: string;
  scannerVersion?: string;
  findings: VulnerabilityFinding[];
  counts: Record<Severity, number>;
  /** Findings the document itself marks as suppressed, ignored or not affected; not in `findings`. */
  suppressed: number;
  /**
   * Which findings were suppressed and why, worst first, at most `SUPPRESSED_FINDINGS_CAP`; present
   * when the reader knows (Grype `ignoredMatches`, Trivy modified findings and exceptions).
   */
  suppressedFindings?: SuppressedFinding[];
  /**
   * What the scanner itself says limits its findings (an OS past its end of service life, whose
   * advisories may be incomplete), in words; the gate lists each as remaining risk.
   */
  caveats?: string[];
  /**
   * The image digests (`sha256:<hex>`, lower-case, de-duplicated) the report says it scanned, when
   * the format names any (Trivy `Metadata.RepoDigests` and `ImageID`, Grype `source.target`,
   * CycloneDX `metadata.component`). Not checked against the record's artifact: the
   * `vulnerabilities` gate says when they differ.
   */
  describes?: string[];
  /**
   * Of `describes`, the image ids (config digests) the document names: they can show it is about
   * this artifact, never that it is about another (an image is registered by its manifest digest).
   */
  imageIds?: string[];
  /**
   * The image digests of the products a CycloneDX VEX sets findings aside for (the image purls its
   * `not_affected`, `false_positive` and `resolved` statements name; an image purl with a tag and no
   * digest is kept as the purl, which is never this artifact). Kept also when the VEX comes
   * in a statement: the subject says which artifact the statement is about, these say which image
   * the waivers are about, and the `vulnerabilities` gate honours them only for that image.
   */
  vexProducts?: string[];
  /**
   * The parts of other BOMs (`urn:cdx:<serial>/<version>`, with `#<bom-ref>` when a component is
   * named) a CycloneDX VEX sets findings aside for, by BOM-links in `affects`: the gate honours those
   * statements only when an SBOM with that serial number and version, holding that bom-ref, is
   * attested for the artifact.
   */
  vexBoms?: string[];
  /**
   * True for a CycloneDX VEX that lists no components and whose every statement sets a finding
   * aside: it states analysis and scanned nothing, so the `vulnerabilities` gate does not take it
   * for a scan of the artifact (its statements still count beside a scan).
   */
  analysisOnly?: true;
  /**
   * What the report says it scanned, when the format says: Trivy's `ArtifactType` and
   * `ArtifactName` (`container_image`, `filesystem`, `repository`, …), Grype's `source.type` and
   * target (`image`, `directory`, `file`, …). A re-scan replaces an earlier one only of the same
   * type, and the gate names a scan of no image for an OCI artifact.
   */
  target?: { type: string; name?: string };
  /**
   * When the report says it ran (ISO 8601 UTC; the latest time it states, src/evidence/stated-time.ts),
   * absent when it says none. The report's own word: a later-recorded report stating an earlier run
   * than the one it would replace is refused (docs/evidence.md "Which report counts").
   */
  ranAt?: string;
}

/** SLSA provenance: who built the artifact, from what. */
export interface ProvenanceSummary {
  kind: 'provenance';
  predicateType: string;
  builderId: string;
  buildType: string;
  /** Source repository, normalised: no `git+` prefix, no `@ref` suffix. */
  sourceRepository?: string;
  sourceCommit?: string;
  sourceRef?: string;
  invocationId?: string;
}

export type EvidenceData =
  | TestSummary
  | VerificationSummary
  | OpaqueSummary
  | SbomSummary
  | VulnerabilitySummary
  | ProvenanceSummary;

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
  /**
   * For a `sigstore` signer, the OIDC issuer its certificate names. Signers recorded before
   * Tollgate stored it have none, and count under no identity at a decision that checks whom
   * the contract trusts now: the issuer it requires cannot be confirmed for them.
   */
  issuer?: string;
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
  /**
   * The canonical JSON of `data`, when it was already computed for the id: the store keeps this
   * text instead of serialising `data` a second time (100,000 SBOM components are ~10 MB of it).
   * Records read back from the store carry the stored text, which their id is checked against.
   */
  dataJson?: string;
}
