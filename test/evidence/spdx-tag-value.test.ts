/**
 * SPDX 2 tag-value: the spec's own 2.3 example reads to exactly what its JSON twin does; the
 * shape syft and Trivy write reads with licences, purls and the described subject; what a
 * `<text>` holds is never read as tags; and broken files are refused at their line.
 */
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/evidence/detect-format.js';
import type { SbomSummary } from '../../src/evidence/evidence.js';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureText } from './scan-helpers.js';

function sbomOf(text: string, name = 'sbom.spdx'): SbomSummary {
  const result = normaliseDocument(text, name, 'sbom');
  if (result.type !== 'evidence' || result.data.kind !== 'sbom') throw new Error(`${name} is no SBOM`);
  return result.data;
}

// Written after `syft -o spdx` (spdx-tag-value): a document describing an image, packages with
// NOASSERTION concluded licences, a CPE and a purl each.
const SYFT_LIKE = `SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: alpine-3.18
DocumentNamespace: https://anchore.com/syft/image/alpine-3.18-5a3b
Creator: Organization: Anchore, Inc
Creator: Tool: syft-0.94.0
Created: 2023-10-26T12:00:00Z

##### Package: alpine

PackageName: alpine
SPDXID: SPDXRef-DocumentRoot-Image-alpine
PackageVersion: sha256:7144f7bab3d4c2648d7e59409f15ec52a18006a128c733fcff20d3a4a54ba44a
PackageDownloadLocation: NOASSERTION
PrimaryPackagePurpose: CONTAINER
FilesAnalyzed: false
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: NOASSERTION
PackageCopyrightText: NOASSERTION

##### Package: busybox

PackageName: busybox
SPDXID: SPDXRef-Package-apk-busybox-0d1a
PackageVersion: 1.36.1-r2
PackageSupplier: NOASSERTION
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageSourceInfo: acquired package info from APK DB: /lib/apk/db/installed
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: GPL-2.0-only
PackageCopyrightText: NOASSERTION
ExternalRef: SECURITY cpe23Type cpe:2.3:a:busybox:busybox:1.36.1-r2:*:*:*:*:*:*:*
ExternalRef: PACKAGE-MANAGER purl pkg:apk/alpine/busybox@1.36.1-r2?arch=x86_64&distro=alpine-3.18.4

##### Package: musl

PackageName: musl
SPDXID: SPDXRef-Package-apk-musl-8c2e
PackageVersion: 1.2.4-r1
PackageComment: <text>A comment over two lines,
PackageName: not-a-package
</text>
PackageLicenseConcluded: MIT
PackageLicenseDeclared: MIT
ExternalRef: PACKAGE-MANAGER purl pkg:apk/alpine/musl@1.2.4-r1?arch=x86_64&distro=alpine-3.18.4

##### Relationships

Relationship: SPDXRef-DocumentRoot-Image-alpine CONTAINS SPDXRef-Package-apk-busybox-0d1a
Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-DocumentRoot-Image-alpine
`;

describe('SPDX 2 tag-value', () => {
  it("reads the spec's 2.3 example to exactly what its JSON twin reads to", () => {
    const tagValue = sbomOf(fixtureText('sbom/spdx/examples__SPDXTagExample-v2.3.spdx'));
    expect(tagValue).toEqual(
      sbomOf(fixtureText('sbom/spdx/examples__SPDXJSONExample-v2.3.spdx.json'), 'x.json'),
    );
    expect(tagValue.counts.components).toBe(3);
    expect(tagValue.subject).toEqual({ name: 'glibc', version: '2.11.1', type: 'SOURCE' });
    expect(tagValue.tool).toBe('LicenseFind-1.0');
    expect(tagValue.components.find((c) => c.name === 'Jena')?.purl).toBe(
      'pkg:maven/org.apache.jena/apache-jena@3.12.0',
    );
  });

  it('reads the shape syft writes: declared licence when none is concluded, purls, the described image as subject', () => {
    const sbom = sbomOf(SYFT_LIKE);
    expect(sbom.specVersion).toBe('SPDX-2.3');
    expect(sbom.tool).toBe('syft-0.94.0');
    expect(sbom.subject?.name).toBe('alpine');
    expect(sbom.components.map((c) => [c.name, c.version, c.licenses, c.purl])).toEqual([
      [
        'busybox',
        '1.36.1-r2',
        ['GPL-2.0-only'],
        'pkg:apk/alpine/busybox@1.36.1-r2?arch=x86_64&distro=alpine-3.18.4',
      ],
      ['musl', '1.2.4-r1', ['MIT'], 'pkg:apk/alpine/musl@1.2.4-r1?arch=x86_64&distro=alpine-3.18.4'],
    ]);
    // "PackageName: not-a-package" sits inside musl's <text> comment: no package, and musl keeps its fields.
    expect(sbom.counts.components).toBe(2);
    expect(detectFormat(`# made by hand\n\n${SYFT_LIKE}`, 'x.spdx').format).toBe('spdx');
  });

  it('refuses a licence given twice for one package, which would hide the first', () => {
    const twice = SYFT_LIKE.replace(
      'PackageLicenseDeclared: GPL-2.0-only\n',
      'PackageLicenseDeclared: GPL-2.0-only\nPackageLicenseDeclared: MIT\n',
    );
    const error = tollgateErrorOf(() => sbomOf(twice, 'twice.spdx'));
    expect(error.message).toBe(
      'twice.spdx:33: PackageLicenseDeclared given twice for package "busybox": the second would hide the first; expected one',
    );
    expect(error.position).toEqual({ file: 'twice.spdx', line: 33 });
  });

  it('refuses, at their line, a line that is no tag, an unclosed <text>, an empty name and a short ExternalRef', () => {
    const refuse = (text: string) => tollgateErrorOf(() => sbomOf(text, 'bad.spdx')).message;
    expect(refuse('SPDXVersion: SPDX-2.3\nthis is not a tag\n')).toBe(
      'bad.spdx:2: expected a "Tag: value" line, found "this is not a tag"',
    );
    expect(refuse('SPDXVersion: SPDX-2.3\nPackageName: a\nPackageComment: <text>never\nclosed\n')).toBe(
      'bad.spdx:3: <text> of PackageComment is never closed; expected </text>',
    );
    expect(refuse('SPDXVersion: SPDX-2.3\nPackageName:\n')).toBe(
      'bad.spdx:2: PackageName is empty; expected the package name',
    );
    expect(refuse('SPDXVersion: SPDX-2.3\nPackageName: a\nExternalRef: purl pkg:npm/a@1\n')).toMatch(
      /^bad\.spdx:3: ExternalRef "purl pkg:npm\/a@1": expected "CATEGORY TYPE LOCATOR"$/,
    );
    // A version that is not SPDX 2 is refused by the same reader as JSON.
    expect(refuse('SPDXVersion: SPDX-1.2\nPackageName: a\n')).toMatch(/spdxVersion/);
  });
});
