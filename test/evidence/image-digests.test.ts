/**
 * The image digests a raw scan or SBOM says it describes (`describes`), read from the copied real
 * outputs under test/fixtures/ (see test/fixtures/SOURCES.md). Each expectation is the value the
 * file itself holds, cited by field and line, so a reader that drifts from the file fails.
 */
import { describe, expect, it } from 'vitest';
import {
  imageDigestOf,
  purlImageDigestOf,
  repoDigestOf,
  sha256HexOf,
} from '../../src/evidence/image-digests.js';
import { normaliseDocument, normalisePredicate } from '../../src/evidence/normalise-evidence.js';
import { fixtureJson, fixtureText } from './scan-helpers.js';

function describesOf(path: string, expected?: 'sbom' | 'scan'): string[] | undefined {
  const result = normaliseDocument(fixtureText(path), path, expected);
  if (result.type !== 'evidence') throw new Error(`${path}: not evidence`);
  const data = result.data;
  if (data.kind !== 'sbom' && data.kind !== 'vulnerabilities') throw new Error(`${path}: ${data.kind}`);
  return data.describes;
}

describe('which image a raw scan names', () => {
  it('Trivy JSON: Metadata.ImageID (these image-tarball scans have no RepoDigests)', () => {
    // integration/testdata/alpine-310.json.golden, "Metadata": {"ImageID": "sha256:9617…"}
    expect(describesOf('scans/trivy/integration__testdata__alpine-310.json.golden', 'scan')).toEqual([
      'sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4',
    ]);
    // integration/testdata/centos-7.json.golden, Metadata.ImageID
    expect(describesOf('scans/trivy/integration__testdata__centos-7.json.golden', 'scan')).toEqual([
      'sha256:f1cb7c7d58b73eac859c395882eec49d50651244e342cd6c68a5c7809785f427',
    ]);
  });

  it('Trivy JSON before Metadata: RepoDigests and ImageID at the top level', () => {
    // pkg/report/testdata/new.json.golden lines 2-8: "ImageID": "sha256:5c53…", "RepoDigests":
    // ["test@sha256:0bd0…"]
    expect(describesOf('scans/trivy/pkg__report__testdata__new.json.golden', 'scan')).toEqual([
      'sha256:0bd0e9e03a022c3b0226667621da84fc9bf562a9056130424b5bfbd8bcb0397f',
      'sha256:5c534be56eca62e756ef2ef51523feda0f19cd7c15bb0c015e3d6e3ae090bf6e',
    ]);
  });

  it('Trivy JSON of a file system, and the pre-0.20 array, name no image', () => {
    expect(describesOf('scans/trivy/integration__testdata__gomod.json.golden', 'scan')).toBeUndefined();
    expect(describesOf('scans/trivy/pkg__report__testdata__old.json.golden', 'scan')).toBeUndefined();
  });

  it('Grype JSON: source.target manifestDigest, repoDigests, imageID, in that order', () => {
    // grype/presenter/explain/testdata/keycloak-test.json, "source": {"type": "image", "target":
    // {"imageID": "sha256:8cf8…", "manifestDigest": "sha256:d163…", "repoDigests":
    // ["keycloak/keycloak@sha256:347a…"]}}
    expect(
      describesOf('scans/grype/grype__presenter__explain__testdata__keycloak-test.json', 'scan'),
    ).toEqual([
      'sha256:d1630d3eb8285a978301bcefc5b223e564ae300750af2fc9ea3f413c5376a47e',
      'sha256:347a0d748d05a050dc64b92de2246d2240db6eb38afbc17c3c08d0acb0db1b50',
      'sha256:8cf8fd2be2ded92962d52adff75ad06a4c30f69c66facbdf223364c6c9e33b8c',
    ]);
    // grype/presenter/json/testdata/snapshot/TestJsonImgsPresenter.golden: "repoDigests": [],
    // manifestDigest "sha256:ca73…", imageID "sha256:ab56…"
    expect(
      describesOf(
        'scans/grype/grype__presenter__json__testdata__snapshot__TestJsonImgsPresenter.golden',
        'scan',
      ),
    ).toEqual([
      'sha256:ca738abb87a8d58f112d3400ebb079b61ceae7dc290beb34bda735be4b1941d5',
      'sha256:ab5608d634db2716a297adbfa6a5dd5d8f8f5a7d0cab73649ea7fbb8c8da544f',
    ]);
  });

  it('Grype JSON whose source is no image names none', () => {
    // TestEmptyJsonPresenter.golden: "source": {"type": "unknown", "target": "unknown"}
    expect(
      describesOf(
        'scans/grype/grype__presenter__json__testdata__snapshot__TestEmptyJsonPresenter.golden',
        'scan',
      ),
    ).toBeUndefined();
  });

  it('CycloneDX from Grype: metadata.component version sha256:…, as scan and as SBOM', () => {
    // grype/presenter/cyclonedx/testdata/snapshot/TestCycloneDxPresenterImage.golden line 23:
    // "type": "container", "version": "sha256:ca73…" (the same manifest digest as the JSON snapshot)
    const file =
      'scans/grype/grype__presenter__cyclonedx__testdata__snapshot__TestCycloneDxPresenterImage.golden';
    const expected = ['sha256:ca738abb87a8d58f112d3400ebb079b61ceae7dc290beb34bda735be4b1941d5'];
    expect(describesOf(file, 'scan')).toEqual(expected);
    expect(describesOf(file, 'sbom')).toEqual(expected);
  });

  it('Trivy SARIF: the run property bag names the image, as its JSON Metadata does', () => {
    // integration/testdata/alpine-310.sarif.golden, runs[0].properties: "imageID": "sha256:9617…",
    // "repoDigests": null (an image tarball). The same image id as the JSON scan of that image.
    const path = 'scans/trivy/integration__testdata__alpine-310.sarif.golden';
    expect(describesOf(path, 'scan')).toEqual([
      'sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4',
    ]);
    // A registry image: Trivy writes its RepoDigests there too (pkg/report/sarif_test.go expects
    // "repoDigests": ["debian@sha256:a8cc…"]); they come first, as manifest digests.
    const log = fixtureJson(path) as { runs: { properties: Record<string, unknown> }[] };
    log.runs[0]!.properties.repoDigests = [
      'debian@sha256:a8cc1744bbdd5266678e3e8b3e6387e45c053218438897e86876f2eb104e5534',
    ];
    const result = normaliseDocument(JSON.stringify(log), 'registry.sarif', 'scan');
    if (result.type !== 'evidence' || result.data.kind !== 'vulnerabilities') throw new Error('not a scan');
    expect(result.data.describes).toEqual([
      'sha256:a8cc1744bbdd5266678e3e8b3e6387e45c053218438897e86876f2eb104e5534',
      'sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4',
    ]);
    expect(result.data.imageIds).toEqual([
      'sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4',
    ]);
  });

  it('SARIF of other tools names no image', () => {
    expect(
      describesOf(
        'scans/grype/grype__presenter__sarif__testdata__snapshot__TestSarifPresenter_image.golden',
        'scan',
      ),
    ).toBeUndefined();
  });
});

describe('which image a raw SBOM names', () => {
  it('SPDX 2 JSON from syft: the described CONTAINER package purl, versionInfo and SHA256 checksum', () => {
    // syft/format/spdxjson/testdata/snapshot/TestSPDXJSONImageEncoder.golden lines 67-87:
    // "versionInfo": "sha256:2731…", checksums [{"algorithm": "SHA256", "checksumValue": "2731…"}],
    // "pkg:oci/user-image-input@sha256%3A2731…?arch=", "primaryPackagePurpose": "CONTAINER"
    expect(describesOf('sbom/syft/spdxjson__testdata__snapshot__TestSPDXJSONImageEncoder.golden')).toEqual([
      'sha256:2731251dc34951c0e50fcc643b4c5f74922dad1a5d98f302b504cf46cd5d9368',
    ]);
  });

  it('SPDX 2 tag-value from syft: the same image, through PackageVersion, PackageChecksum and ExternalRef', () => {
    // TestSPDXTagValueImageEncoder.golden lines 15, 18, 20, 24
    expect(
      describesOf('sbom/syft/spdxtagvalue__testdata__snapshot__TestSPDXTagValueImageEncoder.golden'),
    ).toEqual(['sha256:2731251dc34951c0e50fcc643b4c5f74922dad1a5d98f302b504cf46cd5d9368']);
  });

  it("CycloneDX SBOM from Trivy: the container component's aquasecurity:trivy:ImageID property", () => {
    // integration/testdata/fluentd-multiple-lockfiles.cdx.json.golden lines 22-53: metadata.component
    // "type": "container", no purl or RepoDigest (an image tarball), property
    // aquasecurity:trivy:ImageID "sha256:5a99…"; its aquasecurity:trivy:DiffID layers are not images.
    const file = 'scans/trivy/integration__testdata__fluentd-multiple-lockfiles.cdx.json.golden';
    const expected = ['sha256:5a992077baba51b97f27591a10d54d2f2723dc9c81a3fe419e261023f2554933'];
    expect(describesOf(file, 'sbom')).toEqual(expected);
  });

  it('CycloneDX JSON and XML from syft: "sha256:redacted" upstream is no digest', () => {
    // TestCycloneDxImageEncoder.golden: "type": "container", "version": "sha256:redacted"
    expect(
      describesOf('sbom/syft/cyclonedxjson__testdata__snapshot__TestCycloneDxImageEncoder.golden'),
    ).toBeUndefined();
    expect(
      describesOf('sbom/syft/cyclonedxxml__testdata__snapshot__TestCycloneDxImageEncoder.golden'),
    ).toBeUndefined();
  });

  it('an SBOM of source code names no image', () => {
    // The SPDX 2.3 example's described package has a SHA256 checksum, but its purpose is SOURCE.
    expect(describesOf('sbom/spdx/examples__SPDXJSONExample-v2.3.spdx.json')).toBeUndefined();
    expect(describesOf('sbom/spdx/examples__SPDXTagExample-v2.3.spdx')).toBeUndefined();
    expect(describesOf('sbom/cyclonedx/dropwizard-1.3.15__bom.json')).toBeUndefined();
  });
});

describe('inside a statement', () => {
  it('keeps no describes: the statement subject, checked against the artifact, names the image', () => {
    // The same Grype CycloneDX document that names sha256:ca738abb87a8… when attested raw.
    const bom = fixtureJson(
      'scans/grype/grype__presenter__cyclonedx__testdata__snapshot__TestCycloneDxPresenterImage.golden',
    );
    const read = normalisePredicate('https://cyclonedx.org/bom', bom, 'statement.json');
    expect(read?.data.kind).toBe('sbom');
    expect(read?.data).not.toHaveProperty('describes');
  });
});

describe('digest forms', () => {
  const hex = '2731251dc34951c0e50fcc643b4c5f74922dad1a5d98f302b504cf46cd5d9368';

  it('reads repo digests as Trivy and Grype write them', () => {
    // trivy integration/testdata/alpine-310-registry.json.golden at 74ca2113c524 (not in the fixtures'
    // commit), Metadata.RepoDigests[0]
    expect(
      repoDigestOf(
        'localhost:55844/alpine@sha256:b1c5a500182b21d0bfa5a584a8526b56d8be316f89e87d951be04abed2446e60',
      ),
    ).toBe('sha256:b1c5a500182b21d0bfa5a584a8526b56d8be316f89e87d951be04abed2446e60');
    expect(repoDigestOf('alpine:3.10')).toBeUndefined();
  });

  it('reads image purls (oci percent-encoded, docker plain) and nothing else', () => {
    expect(purlImageDigestOf(`pkg:oci/user-image-input@sha256%3A${hex}?arch=`)).toBe(`sha256:${hex}`);
    expect(purlImageDigestOf(`pkg:docker/acme/app@sha256:${hex.toUpperCase()}#sub`)).toBe(`sha256:${hex}`);
    expect(purlImageDigestOf('pkg:docker/acme/app@1.0')).toBeUndefined();
    expect(purlImageDigestOf(`pkg:npm/app@sha256:${hex}`)).toBeUndefined();
    expect(purlImageDigestOf('pkg:oci/app@sha256%ZZ')).toBeUndefined();
  });

  it('takes only full sha256 digests, lower-cased', () => {
    expect(imageDigestOf(`sha256:${hex.toUpperCase()}`)).toBe(`sha256:${hex}`);
    expect(imageDigestOf('sha256:redacted')).toBeUndefined();
    expect(imageDigestOf(`sha512:${hex}${hex}`)).toBeUndefined();
    expect(sha256HexOf(hex)).toBe(`sha256:${hex}`);
    expect(sha256HexOf(hex.slice(1))).toBeUndefined();
  });
});
