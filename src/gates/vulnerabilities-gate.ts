/**
 * `vulnerabilities`: a scan attested for the digest, at most N findings per severity, and
 * allowances (id, reason, until) that move a finding to remaining risk while active and fail the
 * gate, saying so, once expired. Reads the latest scan per scanner; findings of all of them count,
 * the same vulnerability in the same package once (at its worst severity).
 */
import type {
  VulnerabilitiesRequirement,
  VulnerabilityAllowance,
} from '../contract/requires/vulnerabilities.js';
import {
  type EvidenceRecord,
  SEVERITIES,
  type Severity,
  type SuppressedFinding,
  type VulnerabilityFinding,
} from '../evidence/evidence.js';
import { byCodeUnits } from '../text/order.js';
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

const GATE = 'vulnerabilities';
const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, unknown: 0 };

interface MergedFinding extends VulnerabilityFinding {
  evidence: string[];
}

/**
 * Latest scan per (format, scanner, type of target scanned): a re-scan of a directory or a lockfile
 * does not replace the scanner's scan of the image, whose findings it cannot see.
 */
export function currentScans(
  evidence: readonly EvidenceRecord[],
  evidenceSeq?: EvidenceSeq,
): RecordOf<'vulnerabilities'>[] {
  return latestPerSource(recordsOfKind(evidence, 'vulnerabilities'), scanSource, evidenceSeq);
}

/** What a re-scan replaces: the same format, scanner and type of target. */
function scanSource(record: RecordOf<'vulnerabilities'>): string {
  return `${record.format}|${record.data.scanner}|${record.data.target?.type ?? ''}`;
}

/**
 * The tool names a scan records, lower-cased: a SARIF log joins its runs' drivers with ", ", and a
 * CycloneDX tool name carries its version (`trivy 0.50.0`), which is dropped.
 */
export function scannerNames(scanner: string): string[] {
  return scanner
    .split(', ')
    .map((name) =>
      name
        .trim()
        .replace(/ v?\d[\w.+-]*$/i, '')
        .toLowerCase(),
    )
    .filter((name) => name !== '');
}

/**
 * Tools known to scan dependencies or images for vulnerabilities, as their reports name them. A
 * hint for the decision only: a name is whatever the report says, and the list is not complete.
 */
const KNOWN_SCANNERS = new Set([
  'trivy',
  'grype',
  'snyk',
  'snyk open source',
  'snyk container',
  'osv-scanner',
  'docker scout',
  'clair',
  'anchore',
  'dependency-check',
  'govulncheck',
]);

/** What a parser records when the report names no tool: nothing to judge the tool by. */
const NO_TOOL_NAMED = new Set(['sarif', 'cyclonedx', 'in-toto-vulns']);

/**
 * Whether a scan counts under the contract's `scanners` list, given as its lower-cased names
 * ({@link namedScanners}, built once per evaluation); every scan does without one.
 */
function fromNamedScanner(
  scan: RecordOf<'vulnerabilities'>,
  wanted: ReadonlySet<string> | undefined,
): boolean {
  if (!wanted) return true;
  return scannerNames(scan.data.scanner).some((name) => wanted.has(name));
}

/** The contract's `scanners` list, lower-cased, as {@link fromNamedScanner} looks names up in it. */
function namedScanners(scanners: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return scanners && new Set(scanners.map((name) => name.toLowerCase()));
}

/** Target types that are an image: Trivy's `ArtifactType`, Grype's `source.type`, a CycloneDX component type. */
const IMAGE_TARGETS = new Set(['container_image', 'image', 'container']);

/**
 * Findings of all scans, the same vulnerability in the same package counted once across scanners
 * (at the worst severity any gave it). Within one scan every finding counts: the n-th occurrence of
 * (id, package, version) in one scan merges with the n-th occurrence in another.
 */
function mergeFindings(scans: readonly RecordOf<'vulnerabilities'>[]): MergedFinding[] {
  const merged = new Map<string, MergedFinding>();
  for (const scan of scans) {
    const seen = new Map<string, number>();
    for (const finding of scan.data.findings) {
      const base = `${finding.id.toUpperCase()}|${finding.package ?? ''}|${finding.version ?? ''}`;
      const occurrence = seen.get(base) ?? 0;
      seen.set(base, occurrence + 1);
      const key = `${base}|${occurrence}`;
      const existing = merged.get(key);
      if (!existing) {
        merged.set(key, { ...finding, evidence: [scan.id] });
        continue;
      }
      if (RANK[finding.severity] > RANK[existing.severity]) existing.severity = finding.severity;
      if (!existing.evidence.includes(scan.id)) existing.evidence.push(scan.id);
      existing.fixedIn ??= finding.fixedIn;
    }
  }
  return [...merged.values()];
}

/** Id of a finding a scan suppressed but its record does not name (past the kept worst ones). */
const UNLISTED = '(suppressed, unlisted)';

/**
 * The scan with the findings its report suppressed added back as findings. The record names the
 * worst of them (`SUPPRESSED_FINDINGS_CAP`); the rest count at the severity of the least severe one
 * named (never more lenient than the truth, since the named ones are the worst), or as unknown.
 */
function withSuppressedCounted(scan: RecordOf<'vulnerabilities'>): RecordOf<'vulnerabilities'> {
  const d = scan.data;
  if (d.suppressed === 0) return scan;
  const named = d.suppressedFindings ?? [];
  const source = `${d.scanner} (suppressed in the report)`;
  const added: VulnerabilityFinding[] = named.map((s) => ({
    id: s.id,
    severity: s.severity,
    ...(s.package ? { package: s.package } : {}),
    ...(s.version ? { version: s.version } : {}),
    source,
  }));
  const rest: Severity = named.at(-1)?.severity ?? 'unknown';
  for (let i = named.length; i < d.suppressed; i++) added.push({ id: UNLISTED, severity: rest, source });
  return { ...scan, data: { ...d, findings: [...d.findings, ...added] } };
}

/** A scan as it bears on its artifact: what its statements about other products take out. */
/** Why a waiver cannot be shown to be about this artifact, so that its finding counts. */
type Unproven = 'unlinked' | 'no-part' | 'tag';

interface ScanHere {
  scan: RecordOf<'vulnerabilities'>;
  /** Findings and waivers of statements about another image: not this artifact's, left out. */
  elsewhere: Array<VulnerabilityFinding | SuppressedFinding>;
  /** Waivers not shown to be about this artifact, by why: counted as findings. */
  unproven: Record<Unproven, SuppressedFinding[]>;
  /** Whether the suppressions the record does not name can be honoured (all its products are this artifact). */
  unlistedHere: boolean;
}

/** The parts an SBOM holds that a BOM-link can name: bom-refs, and purls standing for them. */
type BomParts = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * A BOM-link's parts, or `undefined` for a product that is no BOM-link: the BOM
 * (`urn:cdx:<serial>/<version>`), and after `#` the fragment as written and the bom-ref it
 * percent-decodes to (`ref` absent when it does not decode: such a link names no part).
 */
function bomLinkParts(product: string): { bom: string; fragment?: string; ref?: string } | undefined {
  if (!product.startsWith('urn:cdx:')) return undefined;
  const hash = product.indexOf('#');
  if (hash === -1) return { bom: product };
  const bom = product.slice(0, hash);
  const fragment = product.slice(hash + 1);
  try {
    return { bom, fragment, ref: decodeURIComponent(fragment) };
  } catch {
    return { bom, fragment };
  }
}

/**
 * Where a statement's product is, for this artifact: `here` (no product, this image's digest, a
 * part of a BOM attested for it), `elsewhere` (another image's digest), or why a waiver about it
 * cannot be shown to be about this artifact: a BOM no SBOM attested for it is (`unlinked`), a
 * bom-ref that SBOM does not hold (`no-part`), an image named by a mutable tag only (`tag`).
 */
function placeOf(
  product: string | undefined,
  artifact: string,
  boms: BomParts,
): 'here' | 'elsewhere' | Unproven {
  if (product === undefined) return 'here';
  const link = bomLinkParts(product);
  if (link) {
    const parts = boms.get(link.bom);
    if (!parts) return 'unlinked';
    if (link.fragment === undefined) return 'here';
    return link.ref !== undefined && parts.has(link.ref) ? 'here' : 'no-part';
  }
  if (product.startsWith('sha256:')) return product === artifact ? 'here' : 'elsewhere';
  return 'tag';
}

/**
 * Applies each statement of a scan only to the product it names (a CycloneDX VEX can speak of
 * several): a finding or waiver about another image is left out for this artifact; a waiver about
 * a part of another BOM (a BOM-link) holds only when an SBOM with that serial number and version,
 * holding that bom-ref, is attested for the artifact (`boms`), and a waiver about an image named
 * by a tag only never holds; their findings count. A finding about a tagged image counts.
 */
function scanHere(scan: RecordOf<'vulnerabilities'>, boms: BomParts): ScanHere {
  const d = scan.data;
  const elsewhere: Array<VulnerabilityFinding | SuppressedFinding> = [];
  const findings = d.findings.filter((finding) => {
    if (placeOf(finding.product, scan.artifact, boms) !== 'elsewhere') return true;
    elsewhere.push(finding);
    return false;
  });
  const named = d.suppressedFindings ?? [];
  const kept: SuppressedFinding[] = [];
  const unproven: Record<Unproven, SuppressedFinding[]> = { unlinked: [], 'no-part': [], tag: [] };
  for (const suppressed of named) {
    const at = placeOf(suppressed.product, scan.artifact, boms);
    if (at === 'here') kept.push(suppressed);
    else if (at === 'elsewhere') elsewhere.push(suppressed);
    else unproven[at].push(suppressed);
  }
  const unlistedHere =
    (d.vexProducts ?? []).every((digest) => digest === scan.artifact) &&
    (d.vexBoms ?? []).every((link) => placeOf(link, scan.artifact, boms) === 'here');
  const counting = [...unproven.unlinked, ...unproven['no-part'], ...unproven.tag];
  if (elsewhere.length === 0 && counting.length === 0) return { scan, elsewhere, unproven, unlistedHere };
  const counted: VulnerabilityFinding[] = counting.map((s) => ({
    id: s.id,
    severity: s.severity,
    ...(s.package ? { package: s.package } : {}),
    ...(s.version ? { version: s.version } : {}),
    source: `${d.scanner} (set aside in the report for a product not shown to be this artifact)`,
  }));
  const suppressed = d.suppressed - (named.length - kept.length);
  const data = { ...d, findings: [...findings, ...counted], suppressed };
  if (kept.length > 0) data.suppressedFindings = kept;
  else delete data.suppressedFindings;
  return { scan: { ...scan, data }, elsewhere, unproven, unlistedHere };
}

/** Whether a scan says nothing about its artifact: every statement it makes is about another image. */
function onlyElsewhere(here: ScanHere): boolean {
  const d = here.scan.data;
  return here.elsewhere.length > 0 && d.findings.length === 0 && d.suppressed === 0;
}

/**
 * The CycloneDX SBOMs attested for an artifact, by BOM-link (`urn:cdx:<serial>/<version>`), with
 * the parts a BOM-link can name in each: every bom-ref, and the purl of a component whose bom-ref
 * is its purl (stored once) or that has none.
 */
function bomPartsOf(sboms: readonly RecordOf<'sbom'>[], artifact: string): Map<string, Set<string>> {
  const boms = new Map<string, Set<string>>();
  for (const sbom of sboms) {
    const link = sbom.data.bomLink;
    if (sbom.artifact !== artifact || !link) continue;
    const parts = boms.get(link) ?? new Set<string>();
    const subject: { bomRef?: string; purl?: string } = sbom.data.subject ?? {};
    for (const part of [subject, ...sbom.data.components]) {
      const ref = part.bomRef ?? part.purl;
      if (ref) parts.add(ref);
    }
    boms.set(link, parts);
  }
  return boms;
}

/** Why a waiver's finding counts, by why its product is not shown to be this artifact. */
const UNPROVEN_TEXT: Record<Unproven, (products: string) => string> = {
  unlinked: (products) =>
    `its statements name their product by a BOM-link into ${products}, and no CycloneDX SBOM attested for this artifact has that serial number and version`,
  'no-part': (products) =>
    `its statements name their product by a BOM-link to ${products}, and the CycloneDX SBOM attested for this artifact with that serial number and version holds no component with that bom-ref`,
  tag: (products) =>
    `its statements name the image by a tag only (${products}), and a tag can be moved to another build; a waiver holds for this artifact only when its purl names this digest (\`pkg:oci/NAME@sha256%3A…\`)`,
};

/** A product as a risk line names it: the BOM alone when no SBOM has it, a bom-ref decoded. */
function shownProduct(product: string, why: Unproven): string {
  const link = bomLinkParts(product);
  if (link?.fragment === undefined) return product;
  if (why === 'unlinked') return link.bom;
  return `${link.bom}#${link.ref ?? link.fragment}`;
}

/** The products named by statements, de-duplicated in order. */
function productsOf(statements: ReadonlyArray<{ product?: string }>): string[] {
  return [...new Set(statements.flatMap((s) => (s.product ? [s.product] : [])))];
}

/** When an allowance stops holding: the end of its day (UTC) for a date, the instant for a date-time. */
export function allowanceEnd(until: string): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(until))
    return new Date(Date.parse(`${until}T00:00:00Z`) + 24 * 60 * 60 * 1000);
  return new Date(until);
}

function matchesAllowance(allowance: VulnerabilityAllowance, finding: VulnerabilityFinding): boolean {
  const id = allowance.id.toUpperCase();
  return (
    finding.id.toUpperCase() === id || (finding.aliases ?? []).some((alias) => alias.toUpperCase() === id)
  );
}

function describe(finding: VulnerabilityFinding): string {
  const where = finding.package
    ? ` in ${finding.package}${finding.version ? `@${finding.version}` : ''}`
    : '';
  const fix = finding.fixedIn ? ` (fixed in ${finding.fixedIn})` : '';
  return `${finding.id}${where}${fix}`;
}

/** Evaluates a `vulnerabilities` requirement at time `now`. Pure. */
export function evaluateVulnerabilities(
  requirement: VulnerabilitiesRequirement,
  evidence: readonly EvidenceRecord[],
  now: Date,
  artifactType?: 'oci' | 'file' | 'package',
  evidenceSeq?: EvidenceSeq,
  sharedReports?: readonly SharedReport[],
): GateResult {
  // Scans by tools the contract does not name count for nothing: a linter's clean SARIF is no scan.
  const wanted = requirement.scanners;
  const named = namedScanners(wanted);
  const counting = evidence.filter(
    (record) =>
      record.data.kind !== 'vulnerabilities' ||
      fromNamedScanner(record as RecordOf<'vulnerabilities'>, named),
  );
  const ignored = named
    ? currentScans(evidence, evidenceSeq).filter((scan) => !fromNamedScanner(scan, named))
    : [];
  const ignoredLines: DecisionItem[] = ignored.map((scan) => ({
    gate: GATE,
    text: `${scan.data.scanner}'s ${scan.format === 'sarif' ? 'SARIF' : scan.format} scan is not from a scanner the contract names (${wanted?.join(', ')}): its ${scan.data.findings.length} finding(s) are not counted`,
    evidence: [scan.id],
  }));
  const current = currentScans(counting, evidenceSeq);
  // Each statement applies only to the product it names: a report whose every statement is about
  // other images says nothing about this artifact and is no scan of it.
  const sboms = recordsOfKind(evidence, 'sbom');
  // The scans judged are of one artifact: its SBOMs' parts are gathered once, not once a scan.
  const bomsByArtifact = new Map<string, BomParts>();
  const heres = current.map((scan) => {
    let boms = bomsByArtifact.get(scan.artifact);
    if (!boms) {
      boms = bomPartsOf(sboms, scan.artifact);
      bomsByArtifact.set(scan.artifact, boms);
    }
    return scanHere(scan, boms);
  });
  const aboutOthers: DecisionItem[] = heres.filter(onlyElsewhere).map(({ scan, elsewhere }) => ({
    gate: GATE,
    text: `${scan.data.scanner}'s ${scan.format} report speaks only of other images than this artifact (${listSome(productsOf(elsewhere))}): it is no scan of ${scan.artifact}, and its ${elsewhere.length} statement(s) were ignored`,
    evidence: [scan.id],
  }));
  const kept = heres.filter((here) => !onlyElsewhere(here));
  const scans = kept.map((here) => here.scan);
  // A VEX listing no components whose every statement sets a finding aside scanned nothing: under
  // honour it passed as a clean scan. Its statements still count beside a scan.
  const analysisOnly: DecisionItem[] = scans
    .filter((scan) => scan.data.analysisOnly)
    .map((scan) => ({
      gate: GATE,
      text: `${scan.data.scanner}'s ${scan.format} report lists no components and only sets findings aside (a VEX): it states analysis and is no scan of ${scan.artifact}`,
      evidence: [scan.id],
    }));
  if (scans.every((scan) => scan.data.analysisOnly) && wanted) {
    return gateResult(GATE, 'fail', `no scan by ${wanted.join(', ')} for this digest`, {
      risks: [...ignoredLines, ...aboutOthers, ...analysisOnly],
      required: [
        {
          gate: GATE,
          text: `a vulnerability scan by ${wanted.length === 1 ? wanted[0] : `one of ${wanted.join(', ')}`} (the scanners the contract names) for this digest: \`tollgate attest scan --artifact DIGEST FILE\``,
        },
      ],
    });
  }
  if (scans.every((scan) => scan.data.analysisOnly)) {
    return gateResult(GATE, 'fail', 'no vulnerability scan for this digest', {
      risks: [...aboutOthers, ...analysisOnly],
      required: [
        {
          gate: GATE,
          text: 'a vulnerability scan (SARIF, Grype or Trivy JSON, CycloneDX with vulnerabilities, in-toto vulns) for this digest: `tollgate attest scan --artifact DIGEST FILE`',
        },
      ],
    });
  }
  const validated: DecisionItem[] = [];
  // An old clean scan recorded after a newer one with findings must not stand in for it.
  const { required, risks } = runOrderLines(
    GATE,
    recordsOfKind(counting, 'vulnerabilities'),
    current,
    scanSource,
    (scan) => `scan from ${scan.data.scanner} (${scan.format})`,
    evidenceSeq,
  );
  // Another build's scan attested for this digest: the same unsigned bytes recorded for another first.
  const shared = sharedReportLines(
    GATE,
    current,
    sharedReports,
    requirement.sharedReports,
    (scan) => `scan from ${scan.data.scanner} (${scan.format})`,
    evidenceSeq,
  );
  required.push(...shared.required);
  risks.push(...shared.risks, ...ignoredLines, ...aboutOthers, ...analysisOnly);
  const ids = scans.map((s) => s.id);

  const counted: Record<Severity, MergedFinding[]> = {
    critical: [],
    high: [],
    medium: [],
    low: [],
    unknown: [],
  };
  // A report's own suppressions are its producer's word: counted unless the contract honours them.
  const honour = requirement.reportSuppressions === 'honour';
  // A report that names another image than this artifact speaks for that image: what it sets aside
  // there cannot set this artifact's findings aside. A VEX's statements about other products are
  // already out (scanHere); the suppressions its record does not name could be any of them, so
  // they are honoured only when every product it sets findings aside for is this artifact.
  const unlistedHere = new Map(kept.map((here) => [here.scan.id, here.unlistedHere]));
  const honoured = (scan: RecordOf<'vulnerabilities'>) =>
    honour &&
    !imageNaming('scan', scan).risk &&
    (scan.data.suppressed <= (scan.data.suppressedFindings ?? []).length ||
      unlistedHere.get(scan.id) !== false);
  const expiredSeen = new Set<VulnerabilityAllowance>();
  for (const finding of mergeFindings(
    scans.map((scan) => (honoured(scan) ? scan : withSuppressedCounted(scan))),
  )) {
    const allowance = requirement.allow.find((a) => matchesAllowance(a, finding));
    if (allowance && now < allowanceEnd(allowance.until)) {
      risks.push({
        gate: GATE,
        text: `${describe(finding)} (${finding.severity}) allowed until ${allowance.until}: ${allowance.reason}`,
        evidence: finding.evidence,
      });
      continue;
    }
    if (allowance) {
      expiredSeen.add(allowance);
      required.push({
        gate: GATE,
        text: `the allowance for ${allowance.id} expired on ${allowance.until} ("${allowance.reason}"): ${describe(finding)} (${finding.severity}) counts again; fix it or renew the allowance`,
        evidence: finding.evidence,
      });
    }
    counted[finding.severity].push(finding);
  }

  const within: string[] = [];
  for (const severity of SEVERITIES) {
    const findings = counted[severity].sort((a, b) => byCodeUnits(a.id, b.id));
    const limit = requirement[severity];
    const names = listSome(findings.map(describe));
    const evidenceOf = [...new Set(findings.flatMap((f) => f.evidence))];
    if (limit !== undefined && findings.length > limit) {
      required.push({
        gate: GATE,
        text: `${findings.length} ${severity} finding(s), at most ${limit} allowed: ${names}`,
        evidence: evidenceOf,
      });
    } else if (findings.length > 0) {
      risks.push({
        gate: GATE,
        text: `${findings.length} ${severity} finding(s) ${limit === undefined ? `(no ${severity} limit set)` : `within the limit of ${limit}`}: ${names}`,
        evidence: evidenceOf,
      });
    }
    if (limit !== undefined) within.push(`${severity} ${findings.length}/${limit}`);
  }

  for (const { scan, elsewhere, unproven } of kept) {
    const d = scan.data;
    const total = d.findings.length;
    if (elsewhere.length > 0) {
      risks.push({
        gate: GATE,
        text: `${elsewhere.length} statement(s) in the ${d.scanner} report are about other images than this artifact (${listSome(productsOf(elsewhere))}), and were ignored for ${scan.artifact}: neither their findings nor what they set aside count here: ${listSome(elsewhere.map((f) => `${f.id} (${f.severity})`))}`,
        evidence: [scan.id],
      });
    }
    for (const [why, waivers] of Object.entries(unproven) as Array<[Unproven, SuppressedFinding[]]>) {
      if (waivers.length === 0) continue;
      risks.push({
        gate: GATE,
        text: `${waivers.length} finding(s) the ${d.scanner} report sets aside are counted: ${UNPROVEN_TEXT[why](listSome([...new Set(productsOf(waivers).map((p) => shownProduct(p, why)))]))}: ${listSome(waivers.map((f) => `${f.id} (${f.severity}): ${f.reason}`))}`,
        evidence: [scan.id],
      });
    }
    // The image the report itself names: another one is remaining risk, never a refusal.
    const named = imageNaming('scan', scan);
    validated.push({
      gate: GATE,
      text: `scan by ${d.scanner}${d.scannerVersion ? ` ${d.scannerVersion}` : ''} (${scan.format}; recorded ${scan.recordedAt} by ${scan.actor}): ${total} finding(s)${named.suffix}`,
      evidence: [scan.id],
    });
    if (named.risk) risks.push({ gate: GATE, text: named.risk, evidence: [scan.id] });
    const unknown = scannerNames(d.scanner).filter(
      (name) => !KNOWN_SCANNERS.has(name) && !NO_TOOL_NAMED.has(name),
    );
    if (!requirement.scanners && unknown.length > 0) {
      risks.push({
        gate: GATE,
        text: `scan by ${d.scanner} counted as a vulnerability scan, but ${unknown.join(', ')} is not a vulnerability scanner Tollgate knows (a linter or code scanner finds no vulnerable packages); name the scanners that count with \`scanners: [trivy, grype]\``,
        evidence: [scan.id],
      });
    }
    if (artifactType === 'oci' && d.target && !IMAGE_TARGETS.has(d.target.type)) {
      risks.push({
        gate: GATE,
        text: `scan by ${d.scanner} is of a ${d.target.type}${d.target.name ? ` (${d.target.name})` : ''}, not of an image: what the image holds beyond it (OS packages, other layers) was not scanned`,
        evidence: [scan.id],
      });
    }
    for (const caveat of d.caveats ?? []) {
      risks.push({ gate: GATE, text: `scan by ${d.scanner}: ${caveat}`, evidence: [scan.id] });
    }
    if (d.suppressed > 0) {
      // Name what the report set aside, worst first, when the reader kept it: an ignored critical
      // must be visible in the decision, not only a number.
      const named = (d.suppressedFindings ?? []).map(
        (s) =>
          `${s.id} (${s.severity})${s.package ? ` in ${s.package}${s.version ? `@${s.version}` : ''}` : ''}: ${s.reason}`,
      );
      const listed = named.length > 0 ? `: ${listSome(named)}` : '';
      const unlisted = d.suppressed - (d.suppressedFindings ?? []).length;
      const elsewhere = honour && !honoured(scan);
      const counting = elsewhere
        ? `are counted although the contract honours report-side suppressions: the report is about another image than this artifact, and what it sets aside there does not hold for ${scan.artifact}`
        : unlisted > 0
          ? `are counted (the ${unlisted} the record does not name at the severity of the least severe one it names, or unknown), as the contract does not honour report-side suppressions (reportSuppressions: honour would)`
          : 'are counted, as the contract does not honour report-side suppressions (reportSuppressions: honour would)';
      risks.push({
        gate: GATE,
        text: `${d.suppressed} finding(s) suppressed in the ${d.scanner} report itself (VEX, ignore rules or suppressions) ${honour && !elsewhere ? 'were not counted (the contract honours report-side suppressions)' : counting}${listed}`,
        evidence: [scan.id],
      });
    }
  }
  if (required.length === 0 && within.length > 0) {
    validated.push({ gate: GATE, text: `findings within limits: ${within.join(', ')}`, evidence: ids });
  }
  const counts = SEVERITIES.map((s) => `${counted[s].length} ${s}`).join(', ');
  const expired = expiredSeen.size > 0 ? `; ${expiredSeen.size} allowance(s) expired` : '';
  const summary = `${counts}${expired}`;
  return gateResult(GATE, required.length === 0 ? 'pass' : 'fail', summary, { validated, risks, required });
}

/** `vulnerabilities: { critical, high, medium, low, unknown, allow: [{ id, reason, until }] }`. */
export const vulnerabilitiesGate: GateDefinition<VulnerabilitiesRequirement> = {
  key: GATE,
  select: (stage) => stage.requires.vulnerabilities,
  evaluate: (requirement, { facts, contract }) =>
    evaluateVulnerabilities(
      requirement,
      facts.evidence,
      facts.now,
      contract.artifact.type,
      facts.ledger.evidenceSeq,
      facts.sharedReports,
    ),
};
