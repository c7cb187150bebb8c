/**
 * `tollgate attest provenance` and `check` on real provenance from slsa-verifier's test data
 * (test/fixtures/slsa-verifier/, SOURCES.md): an npm registry attestation list verified against a
 * keyless GitHub identity, its tampered twin, and Cloud Build's list verified with Google's keys.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixture, FIXTURES, makeWorkspace, runCli } from '../support/cli.js';

const NPM = 'slsa-verifier/cli__slsa-verifier__testdata__npm__gha__provenance-npm-test-cli-v1-prega';
const GCB_KEY =
  'slsa-verifier/verifiers__internal__gcb__keys__materials__global-pae-google-hosted-worker_1.key';
const GCB_V0_KEY =
  'slsa-verifier/verifiers__internal__gcb__keys__materials__global-pae-provenanceSigner_1.key';

const CONTRACT = `version: 1
pipeline: sigstore-js
artifact: { type: file }
trust:
  keys:
    gcb: gcb.pub
    gcb-v01: gcb-v01.pub
  identities:
    release:
      issuer: https://token.actions.githubusercontent.com
      subject: https://github.com/sigstore/sigstore-js/.github/workflows/*
stages:
  staging:
    purpose: release candidate
    requires:
      signedBy: { by: [release, gcb, gcb-v01], kinds: [provenance] }
      provenance:
        builderId: "https://github.com/actions/runner/github-hosted"
        sourceRepository: "github.com/sigstore/*"
`;

describe('attest provenance on real npm and Cloud Build attestation lists (built CLI)', () => {
  it('records the verified npm provenance, refuses its tampered twin, and check passes on it', async () => {
    const dir = makeWorkspace(CONTRACT);
    copyFixture(dir, GCB_KEY, 'gcb.pub');
    copyFixture(dir, GCB_V0_KEY, 'gcb-v01.pub');
    const run = (args: string[]) => runCli(args, { cwd: dir });
    // npm's subjects are the tarball's sha512 (slsa-verifier main_regression_test.go, pre-GA
    // "valid npm CLI builder v1": source github.com/sigstore/sigstore-js, builder github-hosted).
    const tarball = readFileSync(join(FIXTURES, `${NPM}.tgz`));
    const digest = `sha512:${createHash('sha512').update(tarball).digest('hex')}`;
    expect((await run(['register', '--digest', digest])).code).toBe(0);

    const list = copyFixture(dir, `${NPM}.tgz.json`, 'sigstore-2.3.1.json');
    const recorded = await run(['attest', 'provenance', '--artifact', digest, list]);
    expect(recorded.stderr).toBe('');
    expect(recorded.code).toBe(0);
    expect(recorded.stdout).toBe(
      'recorded provenance: built by https://github.com/actions/runner/github-hosted from https://github.com/sigstore/sigstore-js@46e7056ff9912ebfee5298d94024895a9fea76c0, signed by release\n',
    );

    // "invalid signature provenance npm CLI v1": ErrorInvalidSignature upstream.
    const tampered = copyFixture(dir, `${NPM}-invalidsigprov.tgz.json`, 'tampered.json');
    const refused = await run(['attest', 'provenance', '--artifact', digest, tampered]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      `${tampered}: attestations[1].bundle: bundle does not verify: release: TLOG_BODY_ERROR: DSSE payload hash mismatch`,
    );

    const check = await run(['check', 'staging', '--artifact', digest, '--json']);
    const decision = JSON.parse(check.stdout) as {
      verdict: string;
      gates: Array<{ gate: string; status: string }>;
    };
    expect(decision.gates.find((gate) => gate.gate === 'provenance')?.status).toBe('pass');
    expect(decision.gates.find((gate) => gate.gate === 'signedBy')?.status).toBe('pass');
  });

  it('records both Cloud Build provenances of one build, each verified with its own key', async () => {
    const dir = makeWorkspace(CONTRACT);
    copyFixture(dir, GCB_KEY, 'gcb.pub');
    copyFixture(dir, GCB_V0_KEY, 'gcb-v01.pub');
    const run = (args: string[]) => runCli(args, { cwd: dir });
    const digest = 'sha256:7e9b6e7ba2842c91cf49f3e214d04a7a496f8214356f41d81a6e6dcad11f11e3';
    expect((await run(['register', '--digest', digest])).code).toBe(0);
    const file = copyFixture(
      dir,
      'slsa-verifier/verifiers__internal__gcb__testdata__v1.0-gcloud-container-github.json',
    );
    const recorded = await run(['attest', 'provenance', '--artifact', digest, '--json', file]);
    expect(recorded.stderr).toBe('');
    const shown = JSON.parse(recorded.stdout) as Array<{
      signer: { name: string };
      data: { predicateType: string; builderId: string; sourceRepository: string };
    }>;
    expect(
      shown.map((record) => [record.data.predicateType, record.data.builderId, record.signer.name]),
    ).toEqual([
      ['https://slsa.dev/provenance/v1', 'https://cloudbuild.googleapis.com/GoogleHostedWorker', 'gcb'],
      [
        'https://slsa.dev/provenance/v0.1',
        'https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3',
        'gcb-v01',
      ],
    ]);
    // The contract wants GitHub-hosted npm builds from sigstore/*: both Cloud Build records fail it.
    const check = await run(['check', 'staging', '--artifact', digest, '--json']);
    expect(check.code).toBe(1);
    const decision = JSON.parse(check.stdout) as { required: Array<{ gate: string; text: string }> };
    const unmet = decision.required
      .filter((item) => item.gate === 'provenance')
      .map((item) => item.text)
      .sort();
    expect(unmet).toEqual([
      'provenance from https://github.com/khalkie/gcb-prod-prov@2ce3f90facdb (builder https://cloudbuild.googleapis.com/GoogleHostedWorker): builder https://cloudbuild.googleapis.com/GoogleHostedWorker does not match https://github.com/actions/runner/github-hosted; source https://github.com/khalkie/gcb-prod-prov does not match github.com/sigstore/*',
      'provenance from https://github.com/khalkie/gcb-prod-prov@2ce3f90facdb (builder https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3): builder https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3 does not match https://github.com/actions/runner/github-hosted; source https://github.com/khalkie/gcb-prod-prov does not match github.com/sigstore/*',
    ]);
  });
});
