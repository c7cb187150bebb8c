/**
 * SPDX SBOMs → SbomSummary: SPDX 2.2/2.3 JSON (`spdxVersion`, `packages`) and SPDX 3.0 JSON-LD
 * (a flat `@graph` of elements indexed by `spdxId`). Fields read are listed in docs/evidence.md.
 */

import { isJsonObject } from '../text/json-text.js';
import type { SbomComponent, SbomSummary } from './evidence.js';
import { describedImages, imageDigestOf, purlImageDigestOf, sha256HexOf } from './image-digests.js';
import { type JsonObject, JsonReader, shapeError } from './json-input.js';
import { toSpdxExpression } from './spdx-license.js';
import { statedTime } from './stated-time.js';

/** True for an SPDX 2.x JSON document. */
export function isSpdx2(value: unknown): boolean {
  return (
    isJsonObject(value) && typeof value.spdxVersion === 'string' && value.spdxVersion.startsWith('SPDX-')
  );
}

/** True for an SPDX 3 JSON-LD document: an `@context` naming spdx.org/rdf/3 and a `@graph`. */
export function isSpdx3(value: unknown): boolean {
  if (!isJsonObject(value) || !Array.isArray(value['@graph'])) return false;
  const context = value['@context'];
  const contexts = Array.isArray(context) ? context : [context];
  return contexts.some((c) => typeof c === 'string' && /spdx\.org\/rdf\/3\./.test(c));
}

/** Reads SPDX 2.x JSON or SPDX 3 JSON-LD, whichever `value` is. */
export function parseSpdx(value: unknown, file: string): SbomSummary {
  if (isSpdx3(value)) return parseSpdx3(value, file);
  return parseSpdx2(value, file);
}

interface Accumulator {
  components: SbomComponent[];
  counts: SbomSummary['counts'];
}

function newAccumulator(): Accumulator {
  return {
    components: [],
    counts: { components: 0, withPurl: 0, withLicense: 0, withUnparsedLicense: 0, withoutLicense: 0 },
  };
}

function add(acc: Accumulator, component: SbomComponent): void {
  acc.components.push(component);
  acc.counts.components++;
  if (component.purl) acc.counts.withPurl++;
  if (component.licenses.length > 0) acc.counts.withLicense++;
  else if (component.licenseNames) acc.counts.withUnparsedLicense++;
  else acc.counts.withoutLicense++;
}

/** Puts one licence field into licenses (SPDX) or licenseNames (free text); NOASSERTION/NONE add nothing. */
function addLicense(component: SbomComponent, text: string | undefined): void {
  if (text === undefined) return;
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'NOASSERTION' || trimmed === 'NONE') return;
  const expression = toSpdxExpression(trimmed);
  if (expression !== undefined) component.licenses.push(expression);
  else component.licenseNames = [...(component.licenseNames ?? []), trimmed];
}

function isLicenseValue(text: string | undefined): text is string {
  return text !== undefined && text.trim() !== '' && text.trim() !== 'NOASSERTION' && text.trim() !== 'NONE';
}

/** The SPDX 2.x package-URL reference category; both spellings occur in the wild. */
const PACKAGE_MANAGER = new Set(['PACKAGE-MANAGER', 'PACKAGE_MANAGER']);

/**
 * SPDX 2.2/2.3 JSON. The licence of a package is `licenseConcluded`, or `licenseDeclared` when the
 * concluded one is NOASSERTION/NONE/absent, or, when neither says anything, every licence of
 * `licenseInfoFromFiles`. Its purl is the `externalRefs` entry of type `purl`.
 * Packages the document DESCRIBES are its subject, not components (unless it describes them all).
 */
export function parseSpdx2(value: unknown, file: string): SbomSummary {
  const reader = new JsonReader(file, 'SPDX 2 document');
  const doc = reader.object(value, '');
  const specVersion = reader.string(doc.spdxVersion, 'spdxVersion');
  if (!/^SPDX-2\.\d+$/.test(specVersion)) {
    throw shapeError(file, 'spdxVersion', '"SPDX-2.2" or "SPDX-2.3"', specVersion, 'SPDX 2 document');
  }
  const documentId = reader.optString(doc.SPDXID, 'SPDXID') ?? 'SPDXRef-DOCUMENT';
  const packages = reader.optArray(doc.packages, 'packages');

  const described = new Set<string>();
  for (const [i, id] of reader.optArray(doc.documentDescribes, 'documentDescribes').entries()) {
    described.add(reader.string(id, `documentDescribes[${i}]`));
  }
  for (const [i, raw] of reader.optArray(doc.relationships, 'relationships').entries()) {
    const rel = reader.object(raw, `relationships[${i}]`);
    const type = reader.optString(rel.relationshipType, `relationships[${i}].relationshipType`);
    const from = reader.optString(rel.spdxElementId, `relationships[${i}].spdxElementId`);
    const to = reader.optString(rel.relatedSpdxElement, `relationships[${i}].relatedSpdxElement`);
    if (type === 'DESCRIBES' && from === documentId && to) described.add(to);
    if (type === 'DESCRIBED_BY' && to === documentId && from) described.add(from);
  }

  const all: Array<{ id: string | undefined; component: SbomComponent; purpose?: string }> = [];
  const images: Array<string | undefined> = [];
  for (let i = 0; i < packages.length; i++) {
    const path = `packages[${i}]`;
    const pkg = reader.object(packages[i], path);
    // Keys in sorted order (canonical JSON of large SBOMs then needs no re-sorting); absent ones undefined.
    const component: SbomComponent = {
      licenseNames: undefined,
      licenses: [],
      name: reader.string(pkg.name, `${path}.name`),
      purl: undefined,
      version: reader.optString(pkg.versionInfo, `${path}.versionInfo`),
    };
    const refs = reader.optArray(pkg.externalRefs, `${path}.externalRefs`);
    for (let j = 0; j < refs.length; j++) {
      const ref = reader.object(refs[j], `${path}.externalRefs[${j}]`);
      const category = reader.optString(
        ref.referenceCategory,
        `${path}.externalRefs[${j}].referenceCategory`,
      );
      const type = reader.optString(ref.referenceType, `${path}.externalRefs[${j}].referenceType`);
      if (type === 'purl' && (category === undefined || PACKAGE_MANAGER.has(category))) {
        component.purl = reader.string(ref.referenceLocator, `${path}.externalRefs[${j}].referenceLocator`);
        break;
      }
    }
    const concluded = reader.optString(pkg.licenseConcluded, `${path}.licenseConcluded`);
    const declared = reader.optString(pkg.licenseDeclared, `${path}.licenseDeclared`);
    if (isLicenseValue(concluded) || isLicenseValue(declared)) {
      addLicense(component, isLicenseValue(concluded) ? concluded : declared);
    } else {
      // Neither concluded nor declared: the licences found in its files are all the document
      // knows, and all of them apply (a GPL header found there must not read as "no licence").
      const found = reader.optArray(pkg.licenseInfoFromFiles, `${path}.licenseInfoFromFiles`);
      for (let j = 0; j < found.length; j++) {
        addLicense(component, reader.string(found[j], `${path}.licenseInfoFromFiles[${j}]`));
      }
    }
    const id = reader.optString(pkg.SPDXID, `${path}.SPDXID`);
    if (id !== undefined && described.has(id)) images.push(...packageImages(pkg));
    const purpose = typeof pkg.primaryPackagePurpose === 'string' ? pkg.primaryPackagePurpose : undefined;
    all.push({ id, component, ...(purpose ? { purpose } : {}) });
  }

  const describesAll = all.length > 0 && all.every((p) => p.id !== undefined && described.has(p.id));
  const acc = newAccumulator();
  let subject: SbomComponent | undefined;
  let subjectPurpose: string | undefined;
  for (const { id, component, purpose } of all) {
    if (!describesAll && id !== undefined && described.has(id)) {
      if (!subject) [subject, subjectPurpose] = [component, purpose];
      continue;
    }
    add(acc, component);
  }

  const summary: SbomSummary = { kind: 'sbom', standard: 'spdx', specVersion, ...acc };
  const creationInfo = reader.optObject(doc.creationInfo, 'creationInfo');
  const creators = creationInfo ? reader.optArray(creationInfo.creators, 'creationInfo.creators') : [];
  const tool = creators.find((c): c is string => typeof c === 'string' && c.startsWith('Tool:'));
  if (tool) summary.tool = tool.slice('Tool:'.length).trim();
  const ranAt = statedTime(creationInfo?.created);
  if (ranAt !== undefined) summary.ranAt = ranAt;
  if (subject) summary.subject = subjectOf(subject, subjectPurpose);
  const describes = describedImages(images);
  if (describes) summary.describes = describes;
  return summary;
}

/**
 * The image digests a described package names: an image purl among its `externalRefs`
 * (`pkg:oci/app@sha256%3A…`), a `versionInfo` that is `sha256:<hex>` (syft's image version), and
 * its `SHA256` checksums when its `primaryPackagePurpose` is `CONTAINER`. Other shapes are skipped.
 */
function packageImages(pkg: JsonObject): Array<string | undefined> {
  const refs = Array.isArray(pkg.externalRefs) ? pkg.externalRefs.filter(isJsonObject) : [];
  const checksums =
    pkg.primaryPackagePurpose === 'CONTAINER' && Array.isArray(pkg.checksums)
      ? pkg.checksums.filter(isJsonObject).filter((checksum) => checksum.algorithm === 'SHA256')
      : [];
  return [
    ...refs
      .filter((ref) => ref.referenceType === 'purl')
      .map((ref) => purlImageDigestOf(ref.referenceLocator)),
    imageDigestOf(pkg.versionInfo),
    ...checksums.map((checksum) => sha256HexOf(checksum.checksumValue)),
  ];
}

function subjectOf(component: SbomComponent, type?: string): NonNullable<SbomSummary['subject']> {
  const subject: NonNullable<SbomSummary['subject']> = { name: component.name };
  if (component.version) subject.version = component.version;
  if (component.purl) subject.purl = component.purl;
  if (type) subject.type = type;
  return subject;
}

/** An SPDX 3 property, written with its profile prefix (`software_packageVersion`) or without it. */
function prop(element: JsonObject, name: string, prefix: string): unknown {
  return element[`${prefix}_${name}`] ?? element[name];
}

/** An SPDX 3 element type without its profile prefix: `software_Package` → `Package`. */
function baseType(element: JsonObject): string {
  const type = element.type ?? element['@type'];
  if (typeof type !== 'string') return '';
  const underscore = type.indexOf('_');
  return underscore === -1 ? type : type.slice(underscore + 1);
}

const LISTED_LICENSE = /^https?:\/\/spdx\.org\/licenses\/(.+)$/;

/**
 * SPDX 3 element types that are packages: `software_Package` and its subclasses in the AI and
 * Dataset profiles (`ai_AIPackage`, `dataset_DatasetPackage`), which an AI BOM lists beside code.
 */
const PACKAGE_TYPES = new Set(['Package', 'AIPackage', 'DatasetPackage']);

/**
 * SPDX 3.0 JSON-LD: elements in a flat `@graph`, referring to each other by `spdxId`. Packages are
 * `software_Package`, `ai_AIPackage` and `dataset_DatasetPackage` elements; licences hang off `hasConcludedLicense` / `hasDeclaredLicense`
 * relationships; the subject is the document's (or SBOM's) `rootElement`.
 */
export function parseSpdx3(value: unknown, file: string): SbomSummary {
  const what = 'SPDX 3 document';
  const reader = new JsonReader(file, what);
  const doc = reader.object(value, '');
  const graph = reader.array(doc['@graph'], '@graph');

  const byId = new Map<string, JsonObject>();
  for (let i = 0; i < graph.length; i++) {
    const element = reader.object(graph[i], `@graph[${i}]`);
    const id = element.spdxId ?? element['@id'];
    if (typeof id === 'string') byId.set(id, element);
  }

  let specVersion: string | undefined;
  let tool: string | undefined;
  const roots = new Set<string>();
  const documents = new Set<string>(['SPDXRef-DOCUMENT']);
  const describes: Array<{ from: string; to: string[] }> = [];
  const concluded = new Map<string, string[]>();
  const declared = new Map<string, string[]>();
  const packages: Array<{ id: string; element: JsonObject; path: string }> = [];

  for (let i = 0; i < graph.length; i++) {
    const element = graph[i] as JsonObject;
    const path = `@graph[${i}]`;
    const type = baseType(element);
    if (type === 'CreationInfo') {
      specVersion ??= reader.optString(element.specVersion, `${path}.specVersion`);
      const using = reader.optArray(element.createdUsing, `${path}.createdUsing`);
      const toolElement = typeof using[0] === 'string' ? byId.get(using[0]) : undefined;
      // sbom-tool names its Tool element as an SPDX 2 creator line ("Tool: Microsoft.SBOMTool-…").
      if (!tool && toolElement && typeof toolElement.name === 'string')
        tool = toolElement.name.replace(/^Tool:\s*/, '');
    } else if (type === 'SpdxDocument' || type === 'Sbom') {
      if (typeof element.spdxId === 'string') documents.add(element.spdxId);
      for (const [j, root] of reader.optArray(element.rootElement, `${path}.rootElement`).entries()) {
        roots.add(reader.string(root, `${path}.rootElement[${j}]`));
      }
    } else if (type === 'Relationship' || type === 'LifecycleScopedRelationship') {
      // The spec spells relationship types hasConcludedLicense; sbom-tool writes SPDX 2's
      // HAS_CONCLUDED_LICENSE, and its root package by a DESCRIBES relationship, not rootElement.
      const relType =
        typeof element.relationshipType === 'string'
          ? element.relationshipType.replaceAll('_', '').toLowerCase()
          : undefined;
      if (relType === 'describes' && typeof element.from === 'string') {
        const to = reader.optArray(element.to, `${path}.to`).filter((t) => typeof t === 'string');
        describes.push({ from: element.from, to });
        continue;
      }
      if (relType !== 'hasconcludedlicense' && relType !== 'hasdeclaredlicense') continue;
      const from = reader.string(element.from, `${path}.from`);
      const target = relType === 'hasconcludedlicense' ? concluded : declared;
      for (const [j, to] of reader.optArray(element.to, `${path}.to`).entries()) {
        const list = target.get(from) ?? [];
        list.push(reader.string(to, `${path}.to[${j}]`));
        target.set(from, list);
      }
    } else if (PACKAGE_TYPES.has(type)) {
      const id = element.spdxId ?? element['@id'];
      packages.push({ id: reader.string(id, `${path}.spdxId`), element, path });
    }
  }
  if (specVersion === undefined) {
    throw shapeError(file, '@graph', 'a CreationInfo element with specVersion', undefined, what);
  }
  if (roots.size === 0) {
    for (const { from, to } of describes) if (documents.has(from)) for (const id of to) roots.add(id);
  }

  // A licence reference as SPDX expression text: a listed licence's IRI, a LicenseExpression, or an
  // expanded-licensing element (AND/OR sets, "or later", WITH) spelled out. NoAssertion and None
  // give undefined. Anything else gives its name or IRI (a CustomLicense with only its text): never
  // nothing, so that the gate can say which licence it could not check.
  const licenseText = (ref: unknown, depth = 0): string | undefined => {
    if (isJsonObject(ref))
      return elementLicense(ref, typeof ref.spdxId === 'string' ? ref.spdxId : '', depth);
    if (typeof ref !== 'string') return undefined;
    const listed = LISTED_LICENSE.exec(ref);
    if (listed) return listed[1];
    const element = byId.get(ref);
    if (!element) return /NoAssertionLicense|NoneLicense/.test(ref) ? undefined : ref;
    return elementLicense(element, ref, depth);
  };
  const elementLicense = (element: JsonObject, ref: string, depth: number): string | undefined => {
    const expression = prop(element, 'licenseExpression', 'simplelicensing');
    if (typeof expression === 'string') return expression;
    const listedId = typeof element.spdxId === 'string' ? LISTED_LICENSE.exec(element.spdxId) : null;
    if (listedId) return listedId[1];
    const type = baseType(element);
    if (/^(NoAssertion|None)License$/.test(type)) return undefined;
    const part = (key: string) =>
      depth < 32 ? licenseText(prop(element, key, 'expandedlicensing'), depth + 1) : undefined;
    if (type === 'ConjunctiveLicenseSet' || type === 'DisjunctiveLicenseSet') {
      const members = prop(element, 'member', 'expandedlicensing');
      const texts = (Array.isArray(members) ? members : [])
        .map((member) => (depth < 32 ? licenseText(member, depth + 1) : undefined))
        .filter(isLicenseValue);
      if (texts.length > 0) {
        const operator = type === 'ConjunctiveLicenseSet' ? ' AND ' : ' OR ';
        return texts.length === 1 ? texts[0] : `(${texts.join(operator)})`;
      }
    } else if (type === 'OrLaterOperator') {
      const subject = part('subjectLicense');
      if (subject) return `${subject}+`;
    } else if (type === 'WithAdditionOperator') {
      const subject = part('subjectExtendableLicense');
      const addition = part('subjectAddition');
      if (subject && addition) return `${subject} WITH ${addition}`;
    }
    return typeof element.name === 'string' && element.name !== '' ? element.name : ref;
  };

  const all: Array<{ id: string; component: SbomComponent }> = [];
  for (const { id, element, path } of packages) {
    const component: SbomComponent = {
      licenseNames: undefined,
      licenses: [],
      name: reader.string(element.name, `${path}.name`),
      purl: undefined,
      version: reader.optString(
        prop(element, 'packageVersion', 'software'),
        `${path}.software_packageVersion`,
      ),
    };
    let purl = reader.optString(prop(element, 'packageUrl', 'software'), `${path}.software_packageUrl`);
    if (!purl) {
      for (const entry of reader.optArray(element.externalIdentifier, `${path}.externalIdentifier`)) {
        // Inline, or (sbom-tool) an ExternalIdentifier element referenced by its id, typed "purl".
        const identifier = typeof entry === 'string' ? byId.get(entry) : entry;
        const type = isJsonObject(identifier) ? identifier.externalIdentifierType : undefined;
        if (isJsonObject(identifier) && (type === 'packageUrl' || type === 'purl')) {
          purl = typeof identifier.identifier === 'string' ? identifier.identifier : undefined;
          if (purl) break;
        }
      }
    }
    if (purl) component.purl = purl;
    const refs = concluded
      .get(id)
      ?.map((ref) => licenseText(ref))
      .filter(isLicenseValue);
    const chosen =
      refs && refs.length > 0
        ? refs
        : declared
            .get(id)
            ?.map((ref) => licenseText(ref))
            .filter(isLicenseValue);
    for (const text of chosen ?? []) addLicense(component, text);
    all.push({ id, component });
  }

  const describesAll = all.length > 0 && all.every((p) => roots.has(p.id));
  const acc = newAccumulator();
  let subject: SbomComponent | undefined;
  for (const { id, component } of all) {
    if (!describesAll && roots.has(id)) {
      subject ??= component;
      continue;
    }
    add(acc, component);
  }
  const summary: SbomSummary = { kind: 'sbom', standard: 'spdx', specVersion, ...acc };
  if (tool) summary.tool = tool;
  if (subject) summary.subject = subjectOf(subject);
  return summary;
}
