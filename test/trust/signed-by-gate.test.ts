import { describe, expect, it } from 'vitest';
import type { SignedByRequirement } from '../../src/contract/requires/signed-by.js';
import type { Contract, ContractStage } from '../../src/contract/types.js';
import type { EvidenceData, EvidenceRecord, EvidenceSigner } from '../../src/evidence/evidence.js';
import type { GateContext } from '../../src/gates/gate.js';
import { evidenceTrustedFor, partitionBySigner, signedByGate } from '../../src/gates/signed-by-gate.js';
import { DIGEST_A } from './helpers.js';

const TESTS: EvidenceData = {
  kind: 'tests',
  suite: 'unit',
  tests: 3,
  passed: 3,
  failed: 0,
  errored: 0,
  skipped: 0,
  failures: [],
  failuresOmitted: 0,
};
const OPAQUE: EvidenceData = { kind: 'opaque', predicateType: 'https://example.com/x' };
const VERIFICATION: EvidenceData = { kind: 'verification', result: 'passed' };
const CI: EvidenceSigner = { name: 'ci', method: 'key', subject: 'f'.repeat(64) };
const RELEASE: EvidenceSigner = {
  name: 'release',
  method: 'sigstore',
  subject: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1',
  issuer: 'https://token.actions.githubusercontent.com',
};
const GITHUB = { release: 'https://token.actions.githubusercontent.com' };

let counter = 0;
function record(data: EvidenceData, signer: EvidenceSigner | null, format = 'junit'): EvidenceRecord {
  counter++;
  return {
    id: `sha256:${String(counter).padStart(64, '0')}`,
    artifact: DIGEST_A,
    stage: null,
    format,
    sourceDigest: `sha256:${'1'.repeat(64)}`,
    signer,
    actor: 'ci',
    recordedAt: `2026-11-26T10:00:0${counter % 10}Z`,
    data,
  };
}

function context(evidence: EvidenceRecord[], signedBy: SignedByRequirement): GateContext {
  const stage = {
    purpose: 'release candidates',
    config: [],
    requires: { signedBy },
  } as unknown as ContractStage;
  const contract = {
    version: 1,
    pipeline: 'shop',
    artifact: { type: 'oci' },
    trust: {
      keys: { ci: 'keys/ci.pub' },
      identities: { release: { issuer: 'https://token.actions.githubusercontent.com', subject: '*' } },
    },
    stages: { staging: stage },
    file: 'tollgate.yaml',
    digest: `sha256:${'c'.repeat(64)}`,
    root: '.',
  } as unknown as Contract;
  return {
    contract,
    stageName: 'staging',
    stage,
    facts: {
      artifact: { digest: DIGEST_A, labels: {}, registeredAt: '', source: 'digest' },
      evidence,
      ledger: { promotions: [] },
      actor: 'me',
      now: new Date(),
      extra: {},
    },
  };
}

describe('signedBy against whom the contract trusts now', () => {
  const config: SignedByRequirement = { by: ['ci', 'release'] };
  it('sets aside records whose key or subject the contract no longer trusts under that name', () => {
    const byCi = record(TESTS, CI, 'test-result');
    const byRelease = record(TESTS, RELEASE, 'test-result');
    const now = {
      keys: { ci: 'f'.repeat(64) },
      identities: { release: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/*' },
      issuers: GITHUB,
    };
    expect(partitionBySigner(config, [byCi, byRelease], now).kept).toEqual([byCi, byRelease]);
    const rotated = partitionBySigner(config, [byCi, byRelease], {
      keys: { ci: 'e'.repeat(64) },
      identities: { release: 'https://github.com/acme/shop/.github/workflows/deploy.yml@*' },
      issuers: GITHUB,
    });
    expect(rotated.kept).toEqual([]);
    expect(rotated.setAside.map((item) => item.reason)).toEqual([
      `signed by ci with key ${'f'.repeat(16)}…, which the contract no longer trusts as ci (its key is now ${'e'.repeat(16)}…)`,
      `signed by release as ${RELEASE.subject}, which the contract no longer trusts as release (subject now https://github.com/acme/shop/.github/workflows/deploy.yml@*)`,
    ]);
    const unreadable = partitionBySigner(config, [byCi], {
      keys: {},
      identities: {},
      issuers: {},
      unreadable: { ci: 'keys/ci.pub: cannot read key file' },
    });
    expect(unreadable.setAside[0]?.reason).toBe(
      'signed by ci, whose key cannot be read now to confirm it is still trusted (keys/ci.pub: cannot read key file)',
    );
    // A subject recorded under a pattern whose * reached over the first @ (into a branch name) is
    // not trusted at the decision either.
    const branch = record(
      TESTS,
      {
        name: 'release',
        method: 'sigstore',
        subject: 'https://github.com/acme/shop/.github/workflows/evil.yml@refs/heads/x@refs/heads/main',
      },
      'test-result',
    );
    const onMain = partitionBySigner(config, [branch], {
      keys: {},
      identities: { release: 'https://github.com/acme/*@refs/heads/main' },
      issuers: GITHUB,
    });
    expect(onMain.kept).toEqual([]);
    // Without the fact (a library caller that gathers none), the recorded name is taken as before.
    expect(partitionBySigner(config, [byCi]).kept).toEqual([byCi]);
  });
});

describe('signedBy and the issuer of a keyless signer', () => {
  const config: SignedByRequirement = { by: ['release'] };
  const subjects = { release: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/*' };

  it('sets aside a signature recorded under one issuer when the contract now requires another', () => {
    const byRelease = record(TESTS, RELEASE, 'test-result');
    const gitlab = { release: 'https://gitlab.com' };
    const moved = partitionBySigner(config, [byRelease], { keys: {}, identities: subjects, issuers: gitlab });
    expect(moved.kept).toEqual([]);
    expect(moved.setAside.map((item) => item.reason)).toEqual([
      `signed by release as ${RELEASE.subject} with a certificate from issuer https://token.actions.githubusercontent.com, which the contract no longer trusts as release (issuer now https://gitlab.com)`,
    ]);
    const result = signedByGate.evaluate(config, {
      ...context([byRelease], config),
      facts: {
        ...context([byRelease], config).facts,
        extra: { signers: { keys: {}, identities: subjects, issuers: gitlab } },
      },
    });
    expect(result.status).toBe('fail');
    // The same record under the issuer it was recorded with still counts.
    const same = partitionBySigner(config, [byRelease], { keys: {}, identities: subjects, issuers: GITHUB });
    expect(same.kept).toEqual([byRelease]);
  });

  it('fails a signature recorded without an issuer, saying the issuer cannot be confirmed', () => {
    const { issuer: _dropped, ...recordedBefore } = RELEASE;
    const old = record(TESTS, recordedBefore, 'test-result');
    const now = { keys: {}, identities: subjects, issuers: GITHUB };
    const partition = partitionBySigner(config, [old], now);
    expect(partition.kept).toEqual([]);
    expect(partition.setAside[0]?.reason).toBe(
      `signed by release as ${RELEASE.subject}, recorded without its certificate's issuer (before Tollgate stored it), so the issuer the contract requires (https://token.actions.githubusercontent.com) cannot be confirmed; attest the Sigstore bundle again`,
    );
    const base = context([old], config);
    const result = signedByGate.evaluate(config, {
      ...base,
      facts: { ...base.facts, extra: { signers: now } },
    });
    expect(result.status).toBe('fail');
    expect(result.required[0]?.text).toContain('recorded without its certificate');
  });
});

describe('signedBy gate', () => {
  it('passes when every covered record is signed by a named signer', () => {
    const evidence = [record(TESTS, CI), record(TESTS, RELEASE)];
    const result = signedByGate.evaluate(
      { by: ['ci', 'release'] },
      context(evidence, { by: ['ci', 'release'] }),
    );
    expect(result.status).toBe('pass');
    expect(result.validated.map((item) => item.text)).toEqual([
      'tests evidence (junit) signed by ci',
      'tests evidence (junit) signed by release',
    ]);
    expect(result.required).toEqual([]);
  });

  it('fails when a kind has only unsigned evidence, saying which and why', () => {
    const unsigned = record(TESTS, null);
    const result = signedByGate.evaluate({ by: ['ci'] }, context([unsigned], { by: ['ci'] }));
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('unsigned evidence: tests');
    expect(result.required).toEqual([
      {
        gate: 'signedBy',
        text: 'tests evidence must be signed by ci; what was attested counts as missing (junit: unsigned)',
        evidence: [unsigned.id],
      },
    ]);
  });

  it('treats a signature by a trusted signer not named here as unsigned', () => {
    const result = signedByGate.evaluate({ by: ['ci'] }, context([record(TESTS, RELEASE)], { by: ['ci'] }));
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toContain('junit: signed by release, not by ci');
  });

  it('lists ignored unsigned records as risk when signed ones of the same kind exist', () => {
    const result = signedByGate.evaluate(
      { by: ['ci'] },
      context([record(TESTS, CI), record(TESTS, null)], { by: ['ci'] }),
    );
    expect(result.status).toBe('pass');
    expect(result.risks).toHaveLength(1);
    expect(result.risks[0]!.text).toBe(
      '1 tests record(s) not signed by ci were ignored (junit: unsigned); the signed ones are used',
    );
  });

  it('covers only the listed kinds, and never opaque evidence or post-deploy verifications', () => {
    const evidence = [
      record(TESTS, null),
      record(OPAQUE, null, 'in-toto'),
      record(VERIFICATION, null, 'verification'),
    ];
    const onlySbom = signedByGate.evaluate(
      { by: ['ci'], kinds: ['sbom'] },
      context(evidence, { by: ['ci'], kinds: ['sbom'] }),
    );
    // No sbom evidence at all: nothing to judge, which is not a pass.
    expect(onlySbom.status).toBe('not-applicable');
    const all = signedByGate.evaluate({ by: ['ci'] }, context(evidence, { by: ['ci'] }));
    expect(all.status).toBe('fail');
    expect(all.required.map((item) => item.text.split(' ')[0])).toEqual(['tests']);
  });

  it('is not applicable, never a pass, with no evidence of its kinds, and says so as remaining risk', () => {
    const result = signedByGate.evaluate({ by: ['ci'] }, context([], { by: ['ci'] }));
    expect(result.status).toBe('not-applicable');
    expect(result.summary).toBe(
      'nothing to judge: no tests, sbom, vulnerabilities or provenance evidence, so no signature was checked (signedBy.require can demand a kind)',
    );
    expect(result.validated).toEqual([]);
    expect(result.required).toEqual([]);
    expect(result.risks.map((item) => item.text)).toEqual([`signedBy ${result.summary}`]);
    const opaqueOnly = signedByGate.evaluate(
      { by: ['ci'], kinds: ['provenance'] },
      context([record(OPAQUE, null, 'in-toto'), record(TESTS, null)], { by: ['ci'], kinds: ['provenance'] }),
    );
    expect([opaqueOnly.status, opaqueOnly.summary]).toEqual([
      'not-applicable',
      'nothing to judge: no provenance evidence, so no signature was checked (signedBy.require can demand a kind)',
    ]);
  });

  it('fails when a kind listed in `require` has no evidence, and passes once it is there, signed', () => {
    const config: SignedByRequirement = { by: ['ci'], require: ['tests', 'sbom'] };
    const none = signedByGate.evaluate(config, context([], config));
    expect(none.status).toBe('fail');
    expect(none.summary).toBe('no tests, sbom evidence');
    expect(none.required.map((item) => item.text)).toEqual([
      'tests evidence signed by ci is required (signedBy.require), and none was attested',
      'sbom evidence signed by ci is required (signedBy.require), and none was attested',
    ]);
    const SBOM: EvidenceData = {
      kind: 'sbom',
      format: 'cyclonedx',
      components: [],
    } as unknown as EvidenceData;
    const half = signedByGate.evaluate(
      config,
      context([record(TESTS, CI), record(SBOM, null, 'cyclonedx')], config),
    );
    expect(half.status).toBe('fail');
    expect(half.summary).toBe('unsigned evidence: sbom');
    expect(half.required).toHaveLength(1);
    const both = signedByGate.evaluate(
      config,
      context([record(TESTS, CI), record(SBOM, CI, 'cyclonedx')], config),
    );
    expect(both.status).toBe('pass');
  });

  it('fails on a signer name the trust section does not declare', () => {
    const result = signedByGate.evaluate({ by: ['ci', 'ops'] }, context([], { by: ['ci', 'ops'] }));
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toBe(
      "signedBy names ops, which the contract's trust section does not declare (declared: ci, release)",
    );
  });

  it('hides set-aside evidence from the other gates', () => {
    const signed = record(TESTS, CI);
    const unsigned = record(TESTS, null);
    const opaque = record(OPAQUE, null, 'in-toto');
    const stage = context([], { by: ['ci'] }).stage;
    expect(evidenceTrustedFor(stage, [signed, unsigned, opaque])).toEqual([signed, opaque]);
    const plain = { purpose: 'x', config: [], requires: {} } as unknown as ContractStage;
    expect(evidenceTrustedFor(plain, [signed, unsigned])).toEqual([signed, unsigned]);
    expect(partitionBySigner({ by: ['ci'] }, [unsigned]).setAside).toEqual([
      { record: unsigned, reason: 'unsigned' },
    ]);
  });
});
