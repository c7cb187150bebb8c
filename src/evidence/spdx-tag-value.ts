/**
 * SPDX 2.x tag-value (`syft -o spdx`, `trivy --format spdx`, the spec's own examples) → the same
 * document in SPDX 2's JSON model, so one reader (`parseSpdx2`) reads both and they cannot drift
 * apart. What it converts is what that reader uses: `SPDXVersion`, the document's `SPDXID`,
 * `Creator`, `Relationship`, and per package (from `PackageName` to the next package, file,
 * snippet or licence section) `SPDXID`, `PackageVersion`, `PackageLicenseConcluded`,
 * `PackageLicenseDeclared`, `PackageLicenseInfoFromFiles` (repeated), `ExternalRef` (repeated),
 * `PackageChecksum` (repeated) and `PrimaryPackagePurpose` (for a container's image digest). A
 * `<text>…</text>` value may span lines; what it holds is never read as tags. Other tags are
 * skipped.
 */
import { TollgateError } from '../errors.js';
import type { JsonObject } from './json-input.js';

/** True when the text's first tag line is `SPDXVersion:` (after blank and `#` comment lines). */
export function isSpdxTagValue(text: string): boolean {
  const match = /^(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*SPDXVersion[ \t]*:/.exec(text.slice(0, 4096));
  return match !== null;
}

/** Package fields given once; a second would silently replace the first (as a duplicate JSON key). */
const PACKAGE_FIELDS: Record<string, string> = {
  SPDXID: 'SPDXID',
  PackageVersion: 'versionInfo',
  PackageLicenseConcluded: 'licenseConcluded',
  PackageLicenseDeclared: 'licenseDeclared',
  PrimaryPackagePurpose: 'primaryPackagePurpose',
};

/** Tags that end a package: what follows belongs to a file, a snippet or an extracted licence. */
const ENDS_PACKAGE = new Set(['FileName', 'SnippetSPDXID', 'LicenseID']);

/**
 * Parses SPDX 2 tag-value into the JSON model (`spdxVersion`, `SPDXID`, `creationInfo.creators`,
 * `relationships`, `packages`).
 * @throws TollgateError EVIDENCE_INVALID at `file:line` for a line that is not `Tag: value`, an
 * unclosed `<text>`, an empty `PackageName`, a package field given twice, or a malformed
 * `Relationship` or `ExternalRef`.
 */
export function parseSpdxTagValue(text: string, file: string): JsonObject {
  const invalid = (line: number, message: string) =>
    new TollgateError('EVIDENCE_INVALID', `${file}:${line}: ${message}`, { position: { file, line } });
  const doc: JsonObject = {};
  const creators: string[] = [];
  let created: string | undefined;
  const relationships: JsonObject[] = [];
  const packages: JsonObject[] = [];
  let current: JsonObject | undefined;
  // Inside a file, snippet or licence section: its SPDXID is not the document's or a package's.
  let elsewhere = false;
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const tag = colon === -1 ? '' : line.slice(0, colon).trim();
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(tag)) {
      throw invalid(
        lineNumber,
        `expected a "Tag: value" line, found ${JSON.stringify(trimmed.slice(0, 60))}`,
      );
    }
    let value = line.slice(colon + 1).trim();
    if (value.startsWith('<text>')) {
      // A multi-line value: up to the first </text>, on this line or a later one.
      let body = value.slice('<text>'.length);
      let end = body.indexOf('</text>');
      const start = lineNumber;
      while (end === -1) {
        i++;
        if (i >= lines.length) throw invalid(start, `<text> of ${tag} is never closed; expected </text>`);
        body += `\n${lines[i]}`;
        end = body.indexOf('</text>');
      }
      value = body.slice(0, end);
    }
    if (tag === 'PackageName') {
      if (value === '') throw invalid(lineNumber, 'PackageName is empty; expected the package name');
      current = { name: value };
      packages.push(current);
      elsewhere = false;
      continue;
    }
    if (ENDS_PACKAGE.has(tag)) {
      current = undefined;
      elsewhere = true;
      continue;
    }
    if (tag === 'SPDXVersion') doc.spdxVersion = value;
    else if (tag === 'Creator') creators.push(value);
    else if (tag === 'Created' && current === undefined) created = value;
    else if (tag === 'Relationship') relationships.push(relationshipOf(value, lineNumber, invalid));
    else if (current !== undefined && tag === 'PackageLicenseInfoFromFiles') {
      // One licence per line, repeated: JSON's licenseInfoFromFiles array.
      const found = (current.licenseInfoFromFiles as string[] | undefined) ?? [];
      found.push(value);
      current.licenseInfoFromFiles = found;
    } else if (current !== undefined && tag === 'PackageChecksum') {
      // `SHA256: <hex>`, repeated: JSON's checksums array. Read only for a container's image
      // digest, which never refuses a document, so a checksum of another shape is skipped.
      const match = /^([A-Za-z0-9-]+):\s*(\S+)$/.exec(value);
      if (match) {
        const checksums = (current.checksums as JsonObject[] | undefined) ?? [];
        checksums.push({ algorithm: match[1], checksumValue: match[2] });
        current.checksums = checksums;
      }
    } else if (current !== undefined && tag === 'ExternalRef') {
      const refs = (current.externalRefs as JsonObject[] | undefined) ?? [];
      refs.push(externalRefOf(value, lineNumber, invalid));
      current.externalRefs = refs;
    } else if (current !== undefined && PACKAGE_FIELDS[tag] !== undefined) {
      const field = PACKAGE_FIELDS[tag]!;
      if (field in current) {
        throw invalid(
          lineNumber,
          `${tag} given twice for package ${JSON.stringify(current.name)}: the second would hide the first; expected one`,
        );
      }
      current[field] = value;
    } else if (tag === 'SPDXID' && current === undefined && !elsewhere && doc.SPDXID === undefined) {
      doc.SPDXID = value;
    }
  }
  if (creators.length > 0 || created !== undefined)
    doc.creationInfo = { creators, ...(created === undefined ? {} : { created }) };
  if (relationships.length > 0) doc.relationships = relationships;
  doc.packages = packages;
  return doc;
}

/** `Relationship: SPDXRef-A DESCRIBES SPDXRef-B` (optionally followed by a comment tag on its own line). */
function relationshipOf(
  value: string,
  line: number,
  invalid: (line: number, message: string) => TollgateError,
): JsonObject {
  const parts = value.split(/\s+/);
  if (parts.length !== 3)
    throw invalid(line, `Relationship ${JSON.stringify(value)}: expected "ELEMENT TYPE ELEMENT"`);
  return { spdxElementId: parts[0], relationshipType: parts[1], relatedSpdxElement: parts[2] };
}

/** `ExternalRef: PACKAGE-MANAGER purl pkg:npm/left-pad@1.3.0`. */
function externalRefOf(
  value: string,
  line: number,
  invalid: (line: number, message: string) => TollgateError,
): JsonObject {
  const parts = value.split(/\s+/);
  if (parts.length !== 3)
    throw invalid(line, `ExternalRef ${JSON.stringify(value)}: expected "CATEGORY TYPE LOCATOR"`);
  return { referenceCategory: parts[0], referenceType: parts[1], referenceLocator: parts[2] };
}
