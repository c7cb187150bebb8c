/**
 * CycloneDX JSON (spec 1.2–1.7, and XML 1.0–1.7 through cyclonedx-xml.ts) → SbomSummary, and a
 * CycloneDX document's `vulnerabilities` (VDR / VEX) → VulnerabilitySummary. Fields read are listed in
 * docs/evidence.md.
 */

import { ownValue } from '../records.js';
import { isJsonObject } from '../text/json-text.js';
import type {
  SbomComponent,
  SbomSummary,
  Severity,
  SuppressedFinding,
  VulnerabilityFinding,
  VulnerabilitySummary,
} from './evidence.js';
import {
  describedImages,
  imageDigestOf,
  type NamedImageDigests,
  namedImageDigests,
  purlImageDigestOf,
  repoDigestOf,
  sha256HexOf,
  unpinnedImagePurl,
} from './image-digests.js';
import { type JsonObject, JsonReader, notAScan, shapeError } from './json-input.js';
import {
  countSeverities,
  keepSuppressed,
  severityFromCvssScore,
  suppressedOf,
  worstSeverity,
} from './severity.js';
import { toSpdxExpression } from './spdx-license.js';
import { statedTime } from './stated-time.js';

const WHAT = 'CycloneDX document';

/** True when a parsed JSON value looks like a CycloneDX BOM. */
export function isCycloneDx(value: unknown): boolean {
  return isJsonObject(value) && value.bomFormat === 'CycloneDX';
}

function readBom(value: unknown, file: string): { bom: JsonObject; reader: JsonReader; specVersion: string } {
  const reader = new JsonReader(file, WHAT);
  const bom = reader.object(value, '');
  if (bom.bomFormat !== 'CycloneDX') throw shapeError(file, 'bomFormat', '"CycloneDX"', bom.bomFormat, WHAT);
  const specVersion = reader.string(bom.specVersion, 'specVersion');
  if (!/^1\.\d+$/.test(specVersion))
    throw shapeError(file, 'specVersion', 'a CycloneDX 1.x version', specVersion, WHAT);
  refuseSharedBomRefs(bom, file);
  return { bom, reader, specVersion };
}

/** A value met walking a BOM, linked to its parent so that its path is made only when needed. */
interface BomNode {
  value: unknown;
  parent?: BomNode;
  key?: string | number;
}

function pathOf(node: BomNode): string {
  let path = '';
  for (let at: BomNode | undefined = node; at?.parent; at = at.parent) {
    path = typeof at.key === 'number' ? `[${at.key}]${path}` : `.${at.key}${path}`;
  }
  return path.replace(/^\./, '');
}

/**
 * Refuses a BOM in which two parts (components, services, vulnerabilities, anything carrying one)
 * share a `bom-ref`. The spec requires it unique within a BOM: a reference to a shared one (a VEX
 * statement's `affects[].ref`, a BOM-link) names either, and read as the last one it pointed a
 * waiver at whichever package came last. Names the second one's path and the first's.
 */
function refuseSharedBomRefs(bom: JsonObject, file: string): void {
  // A first pass keeps no paths (100,000 components); only a shared ref is walked again for them.
  const seen = new Set<string>();
  const values: unknown[] = [bom];
  let shared: string | undefined;
  while (values.length > 0 && shared === undefined) {
    const value = values.pop() as JsonObject | unknown[];
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) values.push(item);
      continue;
    }
    const ref = value['bom-ref'];
    if (typeof ref === 'string' && ref !== '') {
      if (seen.has(ref)) shared = ref;
      seen.add(ref);
    }
    for (const key in value) {
      const child = value[key];
      if (typeof child === 'object' && child !== null) values.push(child);
    }
  }
  if (shared === undefined) return;
  // In document order: the first part giving it, and the second.
  const holders: BomNode[] = [];
  const stack: BomNode[] = [{ value: bom }];
  while (holders.length < 2) {
    const node = stack.pop()!;
    const { value } = node;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        if (typeof value[i] === 'object' && value[i] !== null)
          stack.push({ value: value[i], parent: node, key: i });
      }
      continue;
    }
    const object = value as JsonObject;
    if (object['bom-ref'] === shared) holders.push(node);
    const keys = Object.keys(object);
    for (let i = keys.length - 1; i >= 0; i--) {
      const child = object[keys[i]!];
      if (typeof child === 'object' && child !== null)
        stack.push({ value: child, parent: node, key: keys[i] });
    }
  }
  throw shapeError(
    file,
    `${pathOf(holders[1]!)}.bom-ref`,
    `a bom-ref no other part of the BOM has (CycloneDX requires it unique: a reference to it would name either part), but ${pathOf(holders[0]!)}.bom-ref has it already`,
    shared,
    WHAT,
  );
}

/**
 * Reads a parsed CycloneDX JSON document. Nested components (`components[].components`) are
 * flattened in document order; `metadata.component` (the thing described) is the subject, not a
 * component, but the components it holds are. A component's licences are its `licenses` and those
 * of its `evidence.licenses`.
 * @example parseCycloneDx(JSON.parse(text), 'bom.json').counts.components
 */
export function parseCycloneDx(value: unknown, file: string): SbomSummary {
  const { bom, reader, specVersion } = readBom(value, file);
  const metadata = reader.optObject(bom.metadata, 'metadata');
  const components: SbomComponent[] = [];
  const counts = { components: 0, withPurl: 0, withLicense: 0, withUnparsedLicense: 0, withoutLicense: 0 };

  const subjectRaw = metadata ? reader.optObject(metadata.component, 'metadata.component') : undefined;
  // Depth-first, iteratively: a generated SBOM can nest deeply and hold 100,000+ entries. The
  // subject's own sub-components (`metadata.component.components`) are components too, after the
  // top-level ones (the stack's last frame is read first).
  const stack: Array<{ items: unknown[]; index: number; path: string }> = [];
  if (subjectRaw && subjectRaw.components !== undefined && subjectRaw.components !== null) {
    const path = 'metadata.component.components';
    stack.push({ items: reader.array(subjectRaw.components, path), index: 0, path });
  }
  stack.push({ items: reader.optArray(bom.components, 'components'), index: 0, path: 'components' });
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.index >= frame.items.length) {
      stack.pop();
      continue;
    }
    const index = frame.index++;
    const path = () => `${frame.path}[${index}]`;
    const item = frame.items[index];
    const raw = isJsonObject(item) ? item : reader.object(item, path());
    const component = readComponent(raw, path, reader);
    components.push(component);
    counts.components++;
    if (component.purl) counts.withPurl++;
    if (component.licenses.length > 0) counts.withLicense++;
    else if (component.licenseNames) counts.withUnparsedLicense++;
    else counts.withoutLicense++;
    if (raw.components !== undefined && raw.components !== null) {
      stack.push({
        items: reader.array(raw.components, `${path}.components`),
        index: 0,
        path: `${path}.components`,
      });
    }
  }

  const summary: SbomSummary = { kind: 'sbom', standard: 'cyclonedx', specVersion, components, counts };
  const tool = metadata ? readTool(metadata, reader) : undefined;
  if (tool) summary.tool = tool;
  const ranAt = statedTime(metadata?.timestamp);
  if (ranAt !== undefined) summary.ranAt = ranAt;
  if (subjectRaw) {
    const subject = readComponent(subjectRaw, () => 'metadata.component', reader);
    summary.subject = { name: subject.name };
    if (subject.version) summary.subject.version = subject.version;
    if (subject.purl) summary.subject.purl = subject.purl;
    if (typeof subjectRaw.type === 'string' && subjectRaw.type !== '') summary.subject.type = subjectRaw.type;
    if (subject.bomRef) summary.subject.bomRef = subject.bomRef;
    Object.assign(summary, componentImages(subjectRaw));
  }
  const link = ownBomLink(bom);
  if (link) summary.bomLink = link;
  return summary;
}

/** A UUID, as a serial number `urn:uuid:<uuid>` and a BOM-link `urn:cdx:<uuid>/<version>` hold it. */
const UUID = /^[\da-f]{8}(?:-[\da-f]{4}){3}-[\da-f]{12}$/i;

/**
 * A BOM's own BOM-link without a fragment, `urn:cdx:<serial>/<version>`: its `serialNumber`
 * (`urn:uuid:<uuid>`) and `version` (1 when absent, as the spec defaults it); undefined without a
 * serial number of that form.
 */
export function ownBomLink(bom: JsonObject): string | undefined {
  const serial =
    typeof bom.serialNumber === 'string' ? /^urn:uuid:(.+)$/i.exec(bom.serialNumber.trim()) : null;
  if (!serial || !UUID.test(serial[1]!)) return undefined;
  const version = bom.version === undefined || bom.version === null ? 1 : bom.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return undefined;
  return `urn:cdx:${serial[1]!.toLowerCase()}/${version}`;
}

/**
 * A CycloneDX BOM-link (`urn:cdx:<serial>/<version>#<bom-ref>`, the bom-ref percent-encoded): the
 * BOM it names as `urn:cdx:<serial>/<version>`, and the bom-ref when it names one of its parts.
 */
export function parseBomLink(ref: string): { bom: string; ref?: string } | undefined {
  const match = /^urn:cdx:([^/#]+)\/([1-9][0-9]*)(?:#(.*))?$/i.exec(ref.trim());
  if (!match || !UUID.test(match[1]!)) return undefined;
  const bom = `urn:cdx:${match[1]!.toLowerCase()}/${match[2]!}`;
  if (match[3] === undefined || match[3] === '') return { bom };
  try {
    return { bom, ref: decodeURIComponent(match[3]) };
  } catch {
    return { bom, ref: match[3] };
  }
}

/**
 * The image digests `metadata.component` names: an image purl's version (`pkg:oci/app@sha256%3A…`,
 * `pkg:docker/…@sha256:…`), Trivy's `aquasecurity:trivy:RepoDigest` property, a `version` that is
 * `sha256:<hex>` (what syft and Grype write for an image), the `SHA-256` hashes of a `container`,
 * then Trivy's `aquasecurity:trivy:ImageID` (the config digest). Entries of other shapes are skipped.
 */
function componentImages(component: JsonObject): NamedImageDigests {
  const properties = Array.isArray(component.properties) ? component.properties.filter(isJsonObject) : [];
  const property = (name: string) => properties.filter((p) => p.name === name).map((p) => p.value);
  const hashes =
    component.type === 'container' && Array.isArray(component.hashes)
      ? component.hashes.filter(isJsonObject).filter((hash) => hash.alg === 'SHA-256')
      : [];
  return namedImageDigests(
    [
      purlImageDigestOf(component.purl),
      ...property('aquasecurity:trivy:RepoDigest').map(repoDigestOf),
      imageDigestOf(component.version),
      ...hashes.map((hash) => sha256HexOf(hash.content)),
    ],
    property('aquasecurity:trivy:ImageID').map(imageDigestOf),
  );
}

/**
 * A `container` component that names no digest anywhere (no image purl with one, no `sha256:`
 * version, no SHA-256 hash): an image known by its name and tag only, as `name:version`.
 */
function unpinnedContainer(component: JsonObject | undefined): string | undefined {
  if (component?.type !== 'container' || typeof component.name !== 'string') return undefined;
  if (componentImages(component).describes) return undefined;
  return typeof component.version === 'string' && component.version !== ''
    ? `${component.name}:${component.version}`
    : component.name;
}

/** Optional string field; anything but a string, number, null or absent is a shape error. */
function optionalText(
  raw: JsonObject,
  key: string,
  path: () => string,
  reader: JsonReader,
): string | undefined {
  const value = raw[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (value === undefined || value === null) return undefined;
  return reader.optString(value, `${path()}.${key}`);
}

// Paths are built only when something is wrong: this runs once per component of SBOMs with 100,000+.
function readComponent(raw: JsonObject, path: () => string, reader: JsonReader): SbomComponent {
  const name = typeof raw.name === 'string' ? raw.name : reader.string(raw.name, `${path()}.name`);
  const group = optionalText(raw, 'group', path, reader);
  // Keys in sorted order, absent ones undefined: canonical JSON of 100,000 of these then needs no re-sorting.
  const purl = optionalText(raw, 'purl', path, reader);
  const ref = raw['bom-ref'];
  const component: SbomComponent = {
    // A bom-ref equal to the purl (cdxgen's, the Maven plugin's) is the purl: not stored twice.
    bomRef: typeof ref === 'string' && ref !== '' && ref !== purl ? ref : undefined,
    licenseNames: undefined,
    licenses: [],
    name: group ? `${group}/${name}` : name,
    purl,
    version: optionalText(raw, 'version', path, reader),
  };
  readLicenseChoices(raw.licenses, () => `${path()}.licenses`, reader, component);
  // Licences a tool found in the component's files (1.3+): a denied one there must be seen too.
  const evidence = raw.evidence;
  if (evidence !== undefined && evidence !== null) {
    const object = isJsonObject(evidence) ? evidence : reader.object(evidence, `${path()}.evidence`);
    readLicenseChoices(object.licenses, () => `${path()}.evidence.licenses`, reader, component);
  }
  return component;
}

/**
 * Adds a `licenses` array (a licence choice list) to the component: each item is `{license: {id |
 * name}}` or `{expression}`. A malformed item holding both, or a licence with both id and name,
 * gives both rather than hiding one; an item with neither is refused.
 */
function readLicenseChoices(
  value: unknown,
  path: () => string,
  reader: JsonReader,
  component: SbomComponent,
): void {
  if (value === undefined) return;
  const licenses = reader.optArray(value, path());
  for (let i = 0; i < licenses.length; i++) {
    const choice = licenses[i];
    const at = () => `${path()}[${i}]`;
    const object = isJsonObject(choice) ? choice : reader.object(choice, at());
    // null is absent, as some serialisers write every field.
    const hasExpression = object.expression !== undefined && object.expression !== null;
    const hasLicense = object.license !== undefined && object.license !== null;
    if (!hasExpression && !hasLicense) {
      throw shapeError(reader.file, at(), 'a licence choice with "license" or "expression"', choice, WHAT);
    }
    if (hasExpression) addLicenseText(component, reader.string(object.expression, `${at()}.expression`));
    if (hasLicense) {
      const license = reader.object(object.license, `${at()}.license`);
      const id = reader.optString(license.id, `${at()}.license.id`);
      const name = reader.optString(license.name, `${at()}.license.name`);
      if (id !== undefined) addLicenseText(component, id);
      if (name !== undefined && name !== id) addLicenseText(component, name);
    }
  }
}

/** A licence counts as SPDX only when it is exactly an expression ("MIT"); free text stays a name. */
function addLicenseText(component: SbomComponent, text: string): void {
  const expression = toSpdxExpression(text);
  if (expression !== undefined) {
    if (!component.licenses.includes(expression)) component.licenses.push(expression);
  } else if (text.trim() !== '' && !component.licenseNames?.includes(text)) {
    component.licenseNames = [...(component.licenseNames ?? []), text];
  }
}

/** `metadata.tools`: an array of {vendor, name, version} up to 1.4, `{components: […]}` from 1.5. */
function readTool(metadata: JsonObject, reader: JsonReader): string | undefined {
  const tools = metadata.tools;
  let list: unknown[] = [];
  if (Array.isArray(tools)) list = tools;
  else if (isJsonObject(tools)) list = reader.optArray(tools.components, 'metadata.tools.components');
  const first = list.find(isJsonObject);
  if (!first) return undefined;
  const name = typeof first.name === 'string' ? first.name : undefined;
  if (!name) return undefined;
  return typeof first.version === 'string' ? `${name} ${first.version}` : name;
}

/** Names of the tools in `metadata.tools`: the ≤1.4 array, or 1.5's `components` and `services`. */
function toolNames(metadata: JsonObject): string[] {
  const tools = metadata.tools;
  const list: unknown[] = [];
  if (Array.isArray(tools)) list.push(...tools);
  else if (isJsonObject(tools)) {
    if (Array.isArray(tools.components)) list.push(...tools.components);
    if (Array.isArray(tools.services)) list.push(...tools.services);
  }
  return list.flatMap((tool) => (isJsonObject(tool) && typeof tool.name === 'string' ? [tool.name] : []));
}

/** VEX analysis states meaning "this finding does not apply here": not counted. */
const NOT_APPLICABLE = new Set(['not_affected', 'false_positive', 'resolved', 'resolved_with_pedigree']);

const CYCLONEDX_SEVERITY: Record<string, Severity> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
  info: 'low',
  none: 'low',
  unknown: 'unknown',
};

/**
 * Reads the `vulnerabilities` of a CycloneDX document (a VDR or VEX). A vulnerability whose
 * `analysis.state` is not_affected, false_positive, resolved or resolved_with_pedigree is counted
 * as suppressed; one finding is made per affected component (`affects[].ref`).
 */
export function parseCycloneDxVulnerabilities(value: unknown, file: string): VulnerabilitySummary {
  const { bom, reader } = readBom(value, file);
  // An SBOM (what cyclonedx-npm, syft or cdxgen write) has no "vulnerabilities" key: nothing was scanned.
  if (bom.vulnerabilities === undefined || bom.vulnerabilities === null) {
    throw notAScan(
      file,
      'this CycloneDX document has no "vulnerabilities" key (it is an SBOM: record it with `attest sbom`)',
    );
  }
  const metadata = reader.optObject(bom.metadata, 'metadata');
  // Trivy writes `"vulnerabilities": []` into every CycloneDX document, also when no vulnerability
  // scanner ran (`--format cyclonedx` turns scanning off unless `--scanners vuln` is given), so
  // from Trivy an empty list cannot show that anything was scanned.
  if (Array.isArray(bom.vulnerabilities) && bom.vulnerabilities.length === 0 && metadata) {
    if (toolNames(metadata).some((name) => name.toLowerCase() === 'trivy')) {
      throw notAScan(
        file,
        'this CycloneDX document from Trivy has an empty "vulnerabilities" list, which Trivy writes also when no vulnerability scanner ran (`--format cyclonedx` scans nothing unless `--scanners vuln` is given); record Trivy\'s JSON report (`-f json`) instead, whose package results show the scan',
      );
    }
  }
  // An empty list beside no components says nothing was looked at: no package is listed that the
  // scanner could have matched, so it is no clean scan (it passed `critical: 0` as one).
  const subjectParts =
    metadata && isJsonObject(metadata.component) ? metadata.component.components : undefined;
  const listsParts = [bom.components, subjectParts].some((list) => Array.isArray(list) && list.length > 0);
  if (Array.isArray(bom.vulnerabilities) && bom.vulnerabilities.length === 0 && !listsParts) {
    throw notAScan(
      file,
      'this CycloneDX document has an empty "vulnerabilities" list and no components: it lists nothing that was scanned, so it cannot show a clean scan; record the scanner\'s own report (Grype or Trivy JSON, SARIF) or a CycloneDX document that lists the components it scanned',
    );
  }
  const byRef = new Map<string, JsonObject>();
  const partPurls = new Set<string>();
  const indexRefs = (items: unknown[]) => {
    const stack = [...items];
    while (stack.length > 0) {
      const item = stack.pop();
      if (!isJsonObject(item)) continue;
      if (typeof item['bom-ref'] === 'string') byRef.set(item['bom-ref'], item);
      if (typeof item.purl === 'string') partPurls.add(item.purl);
      if (Array.isArray(item.components)) stack.push(...item.components);
    }
  };
  if (metadata && isJsonObject(metadata.component)) indexRefs([metadata.component]);
  indexRefs(reader.optArray(bom.components, 'components'));

  const findings: VulnerabilityFinding[] = [];
  const suppressedFindings: SuppressedFinding[] = [];
  const unjustified: string[] = [];
  const unscopedIds: string[] = [];
  const danglingIds: string[] = [];
  const strayIds: string[] = [];
  // The images whose findings the document sets aside: they are part of what it describes, so a
  // VEX about another image's digest is seen as such (docs/evidence.md, "Which image").
  const suppressedProducts: (string | undefined)[] = [];
  const suppressedBoms: string[] = [];
  const suppressedUnpinned: string[] = [];
  const ownLink = ownBomLink(bom);
  const ownSubject = metadata && isJsonObject(metadata.component) ? metadata.component : undefined;
  const vulnerabilities = reader.optArray(bom.vulnerabilities, 'vulnerabilities');
  for (let i = 0; i < vulnerabilities.length; i++) {
    const path = `vulnerabilities[${i}]`;
    const vuln = reader.object(vulnerabilities[i], path);
    const id = reader.string(vuln.id, `${path}.id`);
    const affects = reader.optArray(vuln.affects, `${path}.affects`);
    const analysis = reader.optObject(vuln.analysis, `${path}.analysis`);
    const state = analysis ? reader.optString(analysis.state, `${path}.analysis.state`) : undefined;
    const justification = analysis
      ? reader.optString(analysis.justification, `${path}.analysis.justification`)
      : undefined;
    const detail = analysis ? reader.optString(analysis.detail, `${path}.analysis.detail`) : undefined;
    // "not_affected" is a claim that needs its reason (CISA's minimum requirements for VEX: a
    // justification or an impact statement): without either it sets nothing aside.
    const bareNotAffected = state === 'not_affected' && !justification && !detail?.trim();
    if (bareNotAffected) unjustified.push(id);
    const severity = ratingSeverity(reader.optArray(vuln.ratings, `${path}.ratings`), path, reader);
    const sourceName =
      isJsonObject(vuln.source) && typeof vuln.source.name === 'string' ? vuln.source.name : undefined;
    const base: VulnerabilityFinding = {
      id,
      severity,
      source: sourceName ? `cyclonedx:${sourceName}` : 'cyclonedx',
    };
    const aliases = reader
      .optArray(vuln.references, `${path}.references`)
      .map((ref) => (isJsonObject(ref) && typeof ref.id === 'string' ? ref.id : undefined))
      .filter((ref): ref is string => ref !== undefined && ref !== id);
    if (aliases.length > 0) base.aliases = aliases;
    const title = reader.optString(vuln.description, `${path}.description`);
    if (title) base.title = title.length > 200 ? `${title.slice(0, 199)}…` : title;
    const affected: VulnerabilityFinding[] = [];
    /** Image digests of the products these statements are about (an image purl, resolved or as the ref). */
    const products: (string | undefined)[] = [];
    /** The parts of other BOMs these statements name by BOM-links. */
    const otherBoms: string[] = [];
    /** Image purls with no digest these statements name. */
    const unpinnedProducts: string[] = [];
    /** Whether a BOM-link into this document names a part it does not hold. */
    let dangling = false;
    /** Whether a plain `ref` in a document that lists its parts names none of them. */
    let stray = false;
    if (affects.length === 0) affected.push(base);
    for (let j = 0; j < affects.length; j++) {
      const affect = reader.object(affects[j], `${path}.affects[${j}]`);
      const ref = reader.string(affect.ref, `${path}.affects[${j}].ref`);
      const finding: VulnerabilityFinding = { ...base };
      // A BOM-link names a part of this document (its own serial and version) or of another BOM,
      // whose components this one cannot show: the statement is about that BOM's product.
      const link = parseBomLink(ref);
      const otherBom = link && link.bom !== ownLink ? link.bom : undefined;
      const component = otherBom
        ? undefined
        : link
          ? link.ref === undefined
            ? ownSubject
            : byRef.get(link.ref)
          : byRef.get(ref);
      if (link && !otherBom && !component) dangling = true;
      // A plain ref is a bom-ref of this document (CycloneDX: refs name parts of the same BOM).
      // In one that lists its parts, a ref none of them has (nor as its purl) names no product
      // here: a mistyped or stale ref, or another version (`pkg:npm/lodash@4.17.21` where the BOM
      // holds 4.17.20). An image purl is a statement about that image, read as such below.
      if (
        !link &&
        !component &&
        listsParts &&
        !partPurls.has(ref) &&
        !purlImageDigestOf(ref) &&
        !unpinnedImagePurl(ref)
      ) {
        stray = true;
      }
      const purl = component ? component.purl : ref;
      const image = otherBom ? undefined : purlImageDigestOf(purl);
      products.push(image);
      // An image named by a tag only may be another build: the statement's product is that purl,
      // which the gate never takes for this artifact (docs/evidence.md, "Which image").
      const unpinned =
        otherBom || image ? undefined : (unpinnedImagePurl(purl) ?? unpinnedContainer(component));
      if (unpinned) unpinnedProducts.push(unpinned);
      // A part of another BOM is kept with its bom-ref, which the gate looks for in that SBOM.
      const otherPart =
        otherBom && link?.ref !== undefined ? `${otherBom}#${encodeURIComponent(link.ref)}` : otherBom;
      if (otherPart) otherBoms.push(otherPart);
      const product = otherPart ?? image ?? unpinned;
      if (product) finding.product = product;
      if (component) {
        if (typeof component.name === 'string') finding.package = component.name;
        if (typeof component.version === 'string') finding.version = component.version;
        if (typeof component.purl === 'string') finding.purl = component.purl;
      } else {
        finding.package = ref;
      }
      affected.push(finding);
    }
    // A statement that sets a finding aside must say for which product: with no `affects` it
    // names none, and could be about anything (CISA's minimum requirements ask for the product).
    // So must a BOM-link into this document: one naming a part it does not hold names none.
    const unscoped =
      state !== undefined && NOT_APPLICABLE.has(state) && (affects.length === 0 || dangling || stray);
    if (unscoped) (dangling ? danglingIds : stray ? strayIds : unscopedIds).push(id);
    if (state !== undefined && NOT_APPLICABLE.has(state) && !bareNotAffected && !unscoped) {
      const why = detail?.trim()
        ? `: ${detail.trim().length > 120 ? `${detail.trim().slice(0, 119)}…` : detail.trim()}`
        : '';
      const reason = `analysis.state ${state}${justification ? ` (${justification})` : ''}${why}`;
      for (const finding of affected) suppressedFindings.push(suppressedOf(finding, reason));
      suppressedProducts.push(...products);
      suppressedBoms.push(...otherBoms);
      suppressedUnpinned.push(...unpinnedProducts);
      continue;
    }
    findings.push(...affected);
  }
  const summary: VulnerabilitySummary = {
    kind: 'vulnerabilities',
    scanner: (metadata && readTool(metadata, reader)) ?? 'cyclonedx',
    findings,
    counts: countSeverities(findings),
    suppressed: suppressedFindings.length,
  };
  if (suppressedFindings.length > 0) summary.suppressedFindings = keepSuppressed(suppressedFindings);
  // Listing no components, with every statement setting a finding aside, it is a VEX: analysis of
  // findings made elsewhere, no scan (OpenVEX and CSAF VEX are refused for the same reason).
  if (!listsParts && findings.length === 0 && suppressedFindings.length > 0) summary.analysisOnly = true;
  const caveats: string[] = [];
  if (unjustified.length > 0) {
    caveats.push(
      `${unjustified.length} vulnerability statement(s) say not_affected with neither analysis.justification nor analysis.detail, so they are counted as findings: ${[...new Set(unjustified)].slice(0, 5).join(', ')}${unjustified.length > 5 ? ', …' : ''}`,
    );
  }
  if (unscopedIds.length > 0) {
    caveats.push(
      `${unscopedIds.length} vulnerability statement(s) set a finding aside with no "affects" naming the product they are about, so they are counted as findings: ${[...new Set(unscopedIds)].slice(0, 5).join(', ')}${unscopedIds.length > 5 ? ', …' : ''}`,
    );
  }
  if (danglingIds.length > 0) {
    caveats.push(
      `${danglingIds.length} vulnerability statement(s) set a finding aside for a BOM-link into this document that names no part of it (no component with that bom-ref), so they are counted as findings: ${[...new Set(danglingIds)].slice(0, 5).join(', ')}${danglingIds.length > 5 ? ', …' : ''}`,
    );
  }
  if (strayIds.length > 0) {
    caveats.push(
      `${strayIds.length} vulnerability statement(s) set a finding aside for an "affects" ref that names no component of this document (no component has that bom-ref or purl), so they are counted as findings: ${[...new Set(strayIds)].slice(0, 5).join(', ')}${strayIds.length > 5 ? ', …' : ''}`,
    );
  }
  if (caveats.length > 0) summary.caveats = caveats;
  const vexProducts = [...(describedImages(suppressedProducts) ?? []), ...new Set(suppressedUnpinned)];
  if (vexProducts.length > 0) summary.vexProducts = vexProducts;
  if (suppressedBoms.length > 0) summary.vexBoms = [...new Set(suppressedBoms)];
  const own = metadata && isJsonObject(metadata.component) ? componentImages(metadata.component) : {};
  const ownIds = own.imageIds ?? [];
  const ownManifests = (own.describes ?? []).filter((digest) => !ownIds.includes(digest));
  const named = namedImageDigests([...ownManifests, ...suppressedProducts], ownIds);
  Object.assign(summary, named);
  if (metadata && isJsonObject(metadata.component)) {
    // An image scan (Grype's and Trivy's BOMs name the image as a `container` component) is its own
    // target type, so a scanner's later BOM of a directory or repository does not replace it.
    const { type, name } = metadata.component;
    if (type === 'container')
      summary.target = typeof name === 'string' && name !== '' ? { type, name } : { type };
  }
  const ranAt = statedTime(metadata?.timestamp);
  if (ranAt !== undefined) summary.ranAt = ranAt;
  return summary;
}

/**
 * An OWASP Risk Rating score (0–9) by the methodology's own bands: below 3 low, below 6 medium,
 * 6 to 9 high; off that scale unknown.
 */
function severityFromOwaspScore(score: number): Severity {
  if (!(score >= 0 && score <= 9)) return 'unknown';
  return score >= 6 ? 'high' : score >= 3 ? 'medium' : 'low';
}

/** Rating methods whose `score` is a CVSS base score (0–10), banded as CVSS bands it. */
const CVSS_METHODS = new Set(['cvssv2', 'cvssv3', 'cvssv31', 'cvssv4']);

/**
 * A rating's `score` as a number: absent, null or blank is none; a numeric string (the XML reader
 * keeps a score too large for a number as text) is its number. Anything else is refused: skipped,
 * a critical scored "9.8" or "NaN" read as unknown, which passed `critical: 0`.
 */
function ratingScore(
  raw: unknown,
  path: string,
  cvss: boolean,
  method: string | undefined,
  file: string,
): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string' && raw.trim() === '') return undefined;
  const score = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
  if (Number.isFinite(score)) return score;
  throw shapeError(
    file,
    path,
    cvss ? `a CVSS score from 0 to 10${method ? ` (method ${method})` : ''}` : 'a number',
    raw,
    WHAT,
  );
}

/**
 * The severity of a vulnerability: the worst among its ratings, each rated by the worse of its
 * severity word and its score's CVSS band when the score is a CVSS one (a CVSS method, or none
 * named). A producer pairing a vendor's "low" with a CVSS 8.2 (Grype's CycloneDX output does) is
 * read as high: the word cannot talk a score down. An OWASP score rates the finding by OWASP's
 * bands only when no known word does; a score of another method (SSVC, other: Grype's EPSS and
 * KEV) rates it only beside a word outside the enum, so with no word it is unknown. See docs/evidence.md.
 */
function ratingSeverity(ratings: unknown[], path: string, reader: JsonReader): Severity {
  const severities: Severity[] = [];
  for (let i = 0; i < ratings.length; i++) {
    const rating = reader.object(ratings[i], `${path}.ratings[${i}]`);
    const named = reader.optString(rating.severity, `${path}.ratings[${i}].severity`);
    const method = reader.optString(rating.method, `${path}.ratings[${i}].method`);
    const known = named === undefined ? undefined : ownValue(CYCLONEDX_SEVERITY, named.toLowerCase());
    const cvss = method === undefined || CVSS_METHODS.has(method.toLowerCase());
    const score = ratingScore(rating.score, `${path}.ratings[${i}].score`, cvss, method, reader.file);
    // A word outside the enum with no score ("important", Red Hat's word for high) would read as
    // unknown, which only an `unknown` limit counts: refused rather than passed under `high: 0`.
    if (named !== undefined && known === undefined && score === undefined) {
      throw shapeError(
        reader.file,
        `${path}.ratings[${i}].severity`,
        'one of "critical", "high", "medium", "low", "info", "none", "unknown" (or a "score" beside another word)',
        named,
        WHAT,
      );
    }
    // A CVSS score outside 0–10 has no band: refused rather than read as the word beside it.
    if (cvss && score !== undefined && !(score >= 0 && score <= 10)) {
      throw shapeError(
        reader.file,
        `${path}.ratings[${i}].score`,
        `a CVSS score from 0 to 10${method ? ` (method ${method})` : ''}`,
        rating.score,
        WHAT,
      );
    }
    const word = known ?? 'unknown';
    if (score !== undefined && cvss) {
      severities.push(worstSeverity([word, severityFromCvssScore(score)]));
    } else if (score !== undefined && word === 'unknown') {
      // OWASP's risk score has its own bands. Another method's score beside a word of the
      // producer's own ("important") is that word's number; with no word, or "unknown", it says
      // nothing of severity (Grype's EPSS, a probability such as 0.03, and KEV, 1): unknown, not low.
      severities.push(
        method?.toLowerCase() === 'owasp'
          ? severityFromOwaspScore(score)
          : named !== undefined && known === undefined
            ? severityFromCvssScore(score)
            : 'unknown',
      );
    } else if (named !== undefined) {
      severities.push(word);
    }
  }
  return worstSeverity(severities);
}
