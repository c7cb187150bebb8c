/**
 * Real provenance from slsa-verifier's test data (test/fixtures/slsa-verifier/, see SOURCES.md),
 * read the way `tollgate attest provenance` reads it: sniffed, unwrapped, subject-checked,
 * verified against the trust given, predicate normalised. Each row cites what upstream expects of
 * the same file: the test that uses it and the builder, source or error it asserts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWrappedEvidence } from '../../src/app/attest-evidence.js';
import { TollgateError } from '../../src/errors.js';
import { detectFormat } from '../../src/evidence/detect-format.js';
import { normaliseDetected } from '../../src/evidence/normalise-evidence.js';
import type { SigstoreIdentity } from '../../src/trust/identity.js';
import { readPublicKeyFile } from '../../src/trust/keys.js';
import type { TrustSet } from '../../src/trust/signed-input.js';
import { publicGoodTrustedRoot } from '../../src/trust/trusted-root.js';

const DIR = 'test/fixtures/slsa-verifier';
const CLI = 'cli__slsa-verifier__testdata__';
const REGRESSION = 'cli/slsa-verifier/main_regression_test.go';
const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/';
const EXAMPLE = 'https://github.com/slsa-framework/example-package';

const NO_TRUST: TrustSet = { keys: [], identities: [] };
function github(name: string, subject: string): SigstoreIdentity {
  return {
    name,
    issuer: 'https://token.actions.githubusercontent.com',
    subject,
    trustedRoot: publicGoodTrustedRoot(),
  };
}
/** Trusts slsa-github-generator's own workflows, as slsa-verifier's trusted builder list does. */
const GENERATOR_TRUST: TrustSet = { keys: [], identities: [github('generator', `${GENERATOR}*`)] };
const ANY_GITHUB: TrustSet = { keys: [], identities: [github('github', 'https://github.com/*')] };
/** Google's published Cloud Build signing keys (slsa-verifier verifiers/internal/gcb/keys/materials/). */
const GCB_TRUST: TrustSet = {
  keys: ['global-pae-google-hosted-worker_1', 'global-pae-provenanceSigner_1'].map((name) => ({
    name,
    ...readPublicKeyFile(join(DIR, `verifiers__internal__gcb__keys__materials__${name}.key`)),
  })),
  identities: [],
};

function sha(algorithm: 'sha256' | 'sha512', file: string): string {
  return `${algorithm}:${createHash(algorithm)
    .update(readFileSync(join(DIR, file)))
    .digest('hex')}`;
}

async function attestProvenance(file: string, artifactDigest: string, trust: TrustSet) {
  const bytes = readFileSync(join(DIR, file));
  const result = normaliseDetected(detectFormat(bytes.toString('utf8'), file), file, 'provenance');
  if (result.type !== 'wrapped') throw new Error(`${file} is not wrapped`);
  return readWrappedEvidence(result, bytes, file, { artifactDigest, trust, expected: 'provenance' });
}

interface Read {
  predicateType: string;
  builderId: string;
  sourceRepository?: string;
  sourceRef?: string;
  sourceCommit?: string;
}

interface Row {
  file: string;
  /** The artifact: a digest, or a fixture file to hash. */
  artifact: string;
  trust: TrustSet;
  /** Where upstream uses the file, and what it expects. */
  upstream: string;
  /** What is recorded, one entry per record; or the refusal. */
  reads?: Read[];
  signer?: string | null;
  refused?: { code: string; message: RegExp };
}

const ROWS: Row[] = [
  {
    file: `${CLI}gha_go__v1.2.1__binary-linux-amd64-push-v14.intoto.jsonl`,
    // The artifact binary (2 MB) is not copied; its SHA-256 is the statement's subject.
    artifact: 'sha256:fc17ff544643d2bebf1f1f180b554630f048980f7be76f9cd3254510b2854aaa',
    trust: NO_TRUST,
    upstream: `${REGRESSION} Test_runVerifyGHAArtifactPath "versioned v14 match push-v14": source github.com/slsa-framework/example-package, builder builder_go_slsa3.yml@refs/tags/v1.2.1`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v0.2',
        builderId: `${GENERATOR}builder_go_slsa3.yml@refs/tags/v1.2.1`,
        sourceRepository: EXAMPLE,
        sourceRef: 'refs/tags/v14',
        sourceCommit: '16fd7557ee886bdc622b95e6eb3b44de3ebf56df',
      },
    ],
    // No trust declared: read, and recorded as unsigned (nothing was verified).
    signer: null,
  },
  {
    file: `${CLI}gha_go__v1.2.1__binary-linux-amd64-push-v14.intoto.jsonl`,
    artifact: 'sha256:fc17ff544643d2bebf1f1f180b554630f048980f7be76f9cd3254510b2854aaa',
    trust: GENERATOR_TRUST,
    upstream: `${REGRESSION}: slsa-verifier verifies this keyless envelope by finding its entry in Rekor online; the file holds no log entry`,
    refused: { code: 'SIGNATURE_INVALID', message: /signed keylessly .* cannot be verified offline/ },
  },
  {
    file: `${CLI}gha_generic__v2.1.0__binary-linux-amd64-push-v14.intoto.jsonl`,
    artifact: 'sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa',
    trust: GENERATOR_TRUST,
    upstream: `${REGRESSION} Test_runVerifyGHAArtifactPath "versioned v14 match push-v14" for gha_generic/v2.1.0: builder generator_generic_slsa3.yml@refs/tags/v2.1.0`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v0.2',
        builderId: `${GENERATOR}generator_generic_slsa3.yml@refs/tags/v2.1.0`,
        sourceRepository: EXAMPLE,
        sourceRef: 'refs/tags/v14',
        sourceCommit: '4d329c75e7ec1725f7c9ce917a8799d408d06be3',
      },
    ],
    signer: `${GENERATOR}generator_generic_slsa3.yml@refs/tags/v2.1.0`,
  },
  {
    file: `${CLI}gha_generic__v2.1.0__binary-linux-amd64-push-v14.intoto.jsonl`,
    artifact: `sha256:${'0'.repeat(64)}`,
    trust: GENERATOR_TRUST,
    upstream: `${REGRESSION} "multiple subject no match": a provenance for another artifact fails with ErrorMismatchHash`,
    refused: {
      code: 'EVIDENCE_SUBJECT_MISMATCH',
      message:
        /the statement is about sha256:376e7e01.*\(gha_generic-binary-linux-amd64-v14\), not about the artifact sha256:0{64}/,
    },
  },
  {
    file: `${CLI}gha_delegator__v2.1.0__binary-linux-amd64-workflow_dispatch.build.slsa`,
    artifact: `${CLI}gha_delegator__v2.1.0__binary-linux-amd64-workflow_dispatch`,
    trust: GENERATOR_TRUST,
    upstream: `${REGRESSION} "valid main branch default" for gha_delegator (BYOB): builder example-trw builder_high-perms_slsa3.yml, signed by the delegator workflow`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v1',
        builderId:
          'https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml@refs/tags/v2.1.0',
        sourceRepository: EXAMPLE,
        sourceRef: 'refs/heads/main',
        sourceCommit: '4d329c75e7ec1725f7c9ce917a8799d408d06be3',
      },
    ],
    signer: `${GENERATOR}delegator_generic_slsa3.yml@refs/tags/v2.1.0`,
  },
  {
    // A v0.1 bundle whose certificate chain carries the public-good root itself.
    file: `${CLI}gha_container-based__v1.7.0__binary-linux-amd64-workflow_dispatch.intoto.sigstore`,
    artifact: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    trust: GENERATOR_TRUST,
    upstream: `${REGRESSION} Test_runVerifyGHAContainerBased "valid main branch default" (v1.7.0 reads .intoto.sigstore): builder builder_container-based_slsa3.yml`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v1',
        builderId: `${GENERATOR}builder_container-based_slsa3.yml@refs/tags/v1.7.0`,
        sourceRepository: EXAMPLE,
        sourceRef: 'refs/heads/main',
        sourceCommit: '62cb1f1e485829bafe8bbec8b9900c0cb7624fe7',
      },
    ],
    signer: `${GENERATOR}builder_container-based_slsa3.yml@refs/tags/v1.7.0`,
  },
  {
    file: `${CLI}bcr__MODULE.bazel.intoto.jsonl`,
    artifact: `${CLI}bcr__MODULE.bazel`,
    trust: {
      keys: [],
      identities: [
        github('bcr', 'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@*'),
      ],
    },
    upstream: `${REGRESSION} Test_runVerifyGithubAttestation "module.bazel using publishing builder"`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v1',
        builderId:
          'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1',
        sourceRepository: 'https://github.com/aspect-build/rules_lint',
        sourceRef: 'refs/heads/publish-to-bcr',
        sourceCommit: '8f70009fde0c94ade6ce2a054b94718c819126ec',
      },
    ],
    signer: 'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1',
  },
  {
    file: `${CLI}bcr__MODULE-wrong-signer.bazel.intoto.jsonl`,
    artifact: `${CLI}bcr__MODULE-wrong-signer.bazel`,
    trust: {
      keys: [],
      identities: [
        github('bcr', 'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@*'),
      ],
    },
    upstream: `${REGRESSION} Test_runVerifyGithubAttestation "module.bazel wrong signer": fails; its predicate claims publish.yaml, but a workflow of loosebazooka/aa-test signed it`,
    refused: {
      code: 'SIGNATURE_INVALID',
      message:
        /certificate subject is "https:\/\/github\.com\/loosebazooka\/aa-test\/\.github\/workflows\/malicious_attestation\.yaml@refs\/heads\/main"/,
    },
  },
  {
    // With a pattern that trusts any GitHub workflow, the signature verifies: the record then
    // names the real signer, and builderId stays what the predicate claims (see docs/trust.md).
    file: `${CLI}bcr__MODULE-wrong-signer.bazel.intoto.jsonl`,
    artifact: `${CLI}bcr__MODULE-wrong-signer.bazel`,
    trust: ANY_GITHUB,
    upstream: `${REGRESSION} Test_runVerifyGithubAttestation "module.bazel wrong signer"`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v1',
        builderId:
          'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1',
        sourceRepository: 'https://github.com/aspect-build/rules_lint',
        sourceRef: 'refs/heads/publish-to-bcr',
        sourceCommit: '8f70009fde0c94ade6ce2a054b94718c819126ec',
      },
    ],
    signer:
      'https://github.com/loosebazooka/aa-test/.github/workflows/malicious_attestation.yaml@refs/heads/main',
  },
  ...[`${CLI}binary-linux-amd64-multi-subject-first`, `${CLI}binary-linux-amd64-multi-subject-second`].map(
    (artifact): Row => ({
      file: `${CLI}binary-linux-amd64-multi-subject-first.intoto.jsonl`,
      artifact,
      trust: NO_TRUST,
      upstream: `${REGRESSION} "multiple subject first and second match": one provenance names both artifacts`,
      reads: [
        {
          predicateType: 'https://slsa.dev/provenance/v0.2',
          builderId: `${GENERATOR}generator_generic_slsa3.yml@refs/heads/main`,
          sourceRepository: EXAMPLE,
          sourceRef: 'refs/heads/main',
          sourceCommit: '60a179bd9181657528c7b14243f07511b4f63cf5',
        },
      ],
      signer: null,
    }),
  ),
  {
    file: `${CLI}binary-linux-amd64-multi-subject-first.intoto.jsonl`,
    // binary-linux-amd64-sharded (not in the mirror); its digest is not among the subjects.
    artifact: 'sha256:e14616a4eec58f082fd6bea05de02dd9eba193379ddb15b5eb7e7e3880d0ccec',
    trust: NO_TRUST,
    upstream: `${REGRESSION} "multiple subject no match": ErrorMismatchHash`,
    refused: { code: 'EVIDENCE_SUBJECT_MISMATCH', message: /\(artifact1\), sha256:89cfc695.* \(artifact2\)/ },
  },
  {
    file: `${CLI}binary-linux-amd64-untrusted-builder.intoto.jsonl`,
    artifact: 'sha256:b01c4f22b92c57fe1c94ba99b568e8d704bbf544882784b5b8c765fc32e627c4',
    trust: NO_TRUST,
    upstream: `${REGRESSION} "malicious: untrusted builder": ErrorUntrustedReusableWorkflow; unverified, the builder it names is still asraa's fork, which a builderId pattern refuses`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v0.2',
        builderId:
          'https://github.com/asraa/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/tags/v1.4.0',
        sourceRepository: 'https://github.com/asraa/slsa-on-github-test',
        sourceRef: 'refs/heads/main',
        sourceCommit: 'd674cb41a5d97a117426ef18c6881b3185f4e33a',
      },
    ],
    signer: null,
  },
  {
    file: `${CLI}npm__gha__provenance-npm-test-cli-v1-prega.tgz.json`,
    artifact: `${CLI}npm__gha__provenance-npm-test-cli-v1-prega.tgz`,
    trust: { keys: [], identities: [github('sigstore-js', 'https://github.com/sigstore/sigstore-js/*')] },
    upstream: `${REGRESSION} Test_runVerifyNpmPackage, pre-GA cases, "valid npm CLI builder v1": builder https://github.com/actions/runner/github-hosted, source github.com/sigstore/sigstore-js`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v1',
        builderId: 'https://github.com/actions/runner/github-hosted',
        sourceRepository: 'https://github.com/sigstore/sigstore-js',
        sourceRef: 'refs/heads/main',
        sourceCommit: '46e7056ff9912ebfee5298d94024895a9fea76c0',
      },
    ],
    signer: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
  },
  {
    file: `${CLI}npm__gha__provenance-npm-test-cli-v1-prega.tgz.json`,
    artifact: `sha256:${'0'.repeat(64)}`,
    trust: NO_TRUST,
    upstream: `${REGRESSION} Test_runVerifyNpmPackage: the package's subject is its sha512`,
    refused: {
      code: 'EVIDENCE_SUBJECT_MISMATCH',
      message:
        /attestations\[1\]\.bundle: the statement is about sha512:f06fbf5c.* \(pkg:npm\/sigstore@2\.3\.1\)/,
    },
  },
  {
    file: `${CLI}npm__gha__provenance-npm-test-cli-v1-prega-invalidsigprov.tgz.json`,
    artifact: `${CLI}npm__gha__provenance-npm-test-cli-v1-prega.tgz`,
    trust: { keys: [], identities: [github('sigstore-js', 'https://github.com/sigstore/sigstore-js/*')] },
    upstream: `${REGRESSION} Test_runVerifyNpmPackage, pre-GA cases, "invalid signature provenance npm CLI v1": ErrorInvalidSignature`,
    refused: {
      code: 'SIGNATURE_INVALID',
      message:
        /attestations\[1\]\.bundle: bundle does not verify: sigstore-js: TLOG_BODY_ERROR: DSSE payload hash mismatch/,
    },
  },
  {
    // Tollgate reads the provenance only; npm's publish attestation (the tampered one here) is
    // neither read nor vouched for. slsa-verifier checks it too and fails.
    file: `${CLI}npm__gha__provenance-npm-test-cli-v1-prega-invalidsigpub.tgz.json`,
    artifact: `${CLI}npm__gha__provenance-npm-test-cli-v1-prega.tgz`,
    trust: { keys: [], identities: [github('sigstore-js', 'https://github.com/sigstore/sigstore-js/*')] },
    upstream: `${REGRESSION} Test_runVerifyNpmPackage, pre-GA cases, "invalid signature publish npm CLI v1": ErrorInvalidSignature (the publish attestation)`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v1',
        builderId: 'https://github.com/actions/runner/github-hosted',
        sourceRepository: 'https://github.com/sigstore/sigstore-js',
        sourceRef: 'refs/heads/main',
        sourceCommit: '46e7056ff9912ebfee5298d94024895a9fea76c0',
      },
    ],
    signer: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
  },
  {
    // 2023: a v0.2 bundle whose chain carries the public-good root.
    file: `${CLI}npm__gha__provenance-npm-test-ossf.tgz.json`,
    artifact: `${CLI}npm__gha__provenance-npm-test-ossf.tgz`,
    trust: GENERATOR_TRUST,
    upstream: `${REGRESSION} Test_runVerifyNpmPackage "valid npm OSSF builder": builder builder_nodejs_slsa3.yml, source github.com/laurentsimon/provenance-npm-test`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v0.2',
        builderId: `${GENERATOR}builder_nodejs_slsa3.yml@refs/tags/v1.6.0`,
        sourceRepository: 'https://github.com/laurentsimon/provenance-npm-test',
        sourceRef: 'refs/heads/main',
        sourceCommit: '34490b44db557f009617bcb92b8780f972c189ab',
      },
    ],
    signer: `${GENERATOR}delegator_lowperms-generic_slsa3.yml@refs/tags/v1.6.0`,
  },
  {
    file: `${CLI}gcb_container__v0.3__gcloud-container-github.json`,
    artifact: 'sha256:f472ca4b68898c951ac3b476cba919d0d56fca4ced631fabcead51e4b2b690e7',
    trust: NO_TRUST,
    upstream: `${REGRESSION} Test_runVerifyGCBArtifactImage "valid main branch default": builder GoogleHostedWorker, source github.com/laurentsimon/gcb-tests`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v0.1',
        builderId: 'https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3',
        sourceRepository: 'https://github.com/laurentsimon/gcb-tests',
        sourceCommit: '01ce393d04eb6df2a7b2b3e95d4126e687afb7ae',
      },
    ],
    signer: null,
  },
  {
    file: `${CLI}gcb_container__v0.3__gcloud-container-github.json`,
    artifact: 'sha256:f472ca4b68898c951ac3b476cba919d0d56fca4ced631fabcead51e4b2b690e7',
    trust: GCB_TRUST,
    upstream: `${REGRESSION} "valid main branch default": signed with the us-west2 regional key over the bare payload (not DSSE's PAE), which slsa-verifier accepts for Cloud Build`,
    refused: {
      code: 'SIGNATURE_INVALID',
      message: /provenance\[0\]\.envelope: none of the 1 DSSE signature verifies/,
    },
  },
  {
    file: `${CLI}gcb_container__v0.3__gcloud-container-github.json`,
    artifact: 'sha256:f472ca4b68898c951ac3b476cba919d0d56fca4ced631fabcead51e4b2b690e7',
    trust: GENERATOR_TRUST,
    upstream: `${REGRESSION} "valid main branch default": a key-signed envelope, while this contract trusts only keyless identities`,
    refused: {
      code: 'SIGNATURE_INVALID',
      message:
        /provenance\[0\]\.envelope: a bare DSSE envelope can only be verified with a trusted key, and the contract trusts only keyless identities \(generator\)/,
    },
  },
  {
    file: `${CLI}gcb_container__v0.3__gcloud-container-gcs.json`,
    artifact: 'sha256:71efcbb3f03f5914dcde87e38d3813f63982b475f76887babf25f76fff760d3c',
    trust: NO_TRUST,
    upstream: `${REGRESSION} Test_runVerifyGCBArtifactImage "valid main branch gcs": upstream takes the gs:// tarball (materials[0]) as the source; "definedInMaterial": "-1" and no git commit, so Tollgate names no repository (a sourceRepository policy then fails closed)`,
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v0.1',
        builderId: 'https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3',
      },
    ],
    signer: null,
  },
  {
    file: `${CLI}gcb_container__v0.3__gcloud-container-mismatch-payload-digest.json`,
    artifact: 'sha256:f472ca4b68898c951ac3b476cba919d0d56fca4ced631fabcead51e4b2b690e7',
    trust: NO_TRUST,
    upstream: `${REGRESSION} Test_runVerifyGCBArtifactImage "invalid payload digest": ErrorNoValidSignature`,
    refused: {
      code: 'EVIDENCE_SUBJECT_MISMATCH',
      message: /provenance\[0\]\.envelope: the statement is about sha256:f472ca4b.*690e8/,
    },
  },
  {
    file: 'verifiers__internal__gcb__testdata__v1.0-gcloud-container-github.json',
    artifact: 'sha256:7e9b6e7ba2842c91cf49f3e214d04a7a496f8214356f41d81a6e6dcad11f11e3',
    trust: GCB_TRUST,
    upstream:
      'verifiers/internal/gcb/provenance_test.go "v1.0 correct includes v0.1 provenance": builder https://cloudbuild.googleapis.com/GoogleHostedWorker',
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v1',
        builderId: 'https://cloudbuild.googleapis.com/GoogleHostedWorker',
        sourceRepository: 'https://github.com/khalkie/gcb-prod-prov',
        sourceRef: 'refs/heads/main',
        sourceCommit: '2ce3f90facdb51aeb950d5bc641e981be61fdf48',
      },
      {
        predicateType: 'https://slsa.dev/provenance/v0.1',
        builderId: 'https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3',
        sourceRepository: 'https://github.com/khalkie/gcb-prod-prov',
        sourceCommit: '2ce3f90facdb51aeb950d5bc641e981be61fdf48',
      },
    ],
    signer: 'key',
  },
  {
    file: 'verifiers__internal__gcb__testdata__v1.0-gcloud-container-gitlab.json',
    artifact: 'sha256:7e9b6e7ba2842c91cf49f3e214d04a7a496f8214356f41d81a6e6dcad11f11e3',
    trust: NO_TRUST,
    upstream:
      'verifiers/internal/gcb/provenance_test.go "v1.0-format provenance gitlab public": builder GoogleHostedWorker, source https://gitlab.com/proctorprober/khalk-slsav1 (its dependency is written repo@@ref)',
    reads: [
      {
        predicateType: 'https://slsa.dev/provenance/v1',
        builderId: 'https://cloudbuild.googleapis.com/GoogleHostedWorker',
        sourceRepository: 'https://gitlab.com/proctorprober/khalk-slsav1',
        sourceRef: 'refs/heads/testbranch',
        sourceCommit: 'f5ebb9038a13d099ac8732efaa3706c608b76b1f',
      },
      {
        predicateType: 'https://slsa.dev/provenance/v0.1',
        builderId: 'https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3',
        sourceRepository: 'https://gitlab.com/proctorprober/khalk-slsav1',
        sourceCommit: 'f5ebb9038a13d099ac8732efaa3706c608b76b1f',
      },
    ],
    signer: null,
  },
  {
    file: 'verifiers__internal__gcb__testdata__gcloud-container-empty-provenance.json',
    artifact: 'sha256:f472ca4b68898c951ac3b476cba919d0d56fca4ced631fabcead51e4b2b690e7',
    trust: NO_TRUST,
    upstream: 'verifiers/internal/gcb/provenance_test.go "invalid provenance empty": ErrorInvalidDssePayload',
    refused: {
      code: 'EVIDENCE_INVALID',
      message: /provenance_summary\.provenance must be a list of \{"envelope": …\}, found an object/,
    },
  },
  {
    file: 'verifiers__internal__gcb__testdata__gcloud-container-no-provenance.json',
    artifact: 'sha256:f472ca4b68898c951ac3b476cba919d0d56fca4ced631fabcead51e4b2b690e7',
    trust: NO_TRUST,
    upstream:
      'verifiers/internal/gcb/testdata (no upstream test reads it): gcloud output with no provenance_summary',
    refused: {
      code: 'EVIDENCE_INVALID',
      message: /this list holds no attestation, so there is no SLSA provenance to record/,
    },
  },
  {
    file: 'verifiers__internal__gha__testdata__bundle__mismatch-tlog.intoto.sigstore',
    artifact: 'sha256:2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71',
    trust: GENERATOR_TRUST,
    upstream: 'verifiers/internal/gha/bundle_test.go "mismatch rekor entry": ErrorMismatchSignature',
    refused: { code: 'SIGNATURE_INVALID', message: /bundle does not verify/ },
  },
  {
    file: 'verifiers__internal__gha__testdata__bundle__mismatch-tlog.intoto.sigstore',
    artifact: 'sha256:2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71',
    trust: NO_TRUST,
    upstream: "verifiers/internal/gha/bundle_test.go: a SLSA v1 draft predicate, whose fields are not v1's",
    refused: {
      code: 'EVIDENCE_INVALID',
      message: /found predicate type https:\/\/slsa\.dev\/provenance\/v1\.0\?draft/,
    },
  },
  {
    file: 'verifiers__internal__gha__testdata__npm-att-mismatch-prov-payloadtype.intoto.sigstore',
    artifact:
      'sha512:29d19f26233f4441328412b34fd73ed104ecfef62f14097890cccf7455b521b65c5acff851849faa85c85395aa22d401436f01f3afb61b19c780e906c88c7f20',
    trust: NO_TRUST,
    upstream: 'verifiers/internal/gha/npm_test.go "prov incorrect att payload type": ErrorInvalidDssePayload',
    refused: {
      code: 'EVIDENCE_INVALID',
      message: /attestations\[0\]\.bundle: DSSE payload type is "application\/vnd\.in-toto\+jsonA"/,
    },
  },
];

describe('slsa-verifier test data through attest provenance', () => {
  for (const row of ROWS) {
    const trusted =
      row.trust === NO_TRUST
        ? 'no trust'
        : `trusting ${[...row.trust.keys, ...row.trust.identities].map((t) => t.name).join(', ')}`;
    it(`${row.file.replace(CLI, '')} (${trusted}): ${row.refused ? `refused, ${row.refused.code}` : 'read'} — ${row.upstream}`, async () => {
      const artifact = row.artifact.includes(':')
        ? row.artifact
        : sha(row.artifact.endsWith('.tgz') ? 'sha512' : 'sha256', row.artifact);
      const reading = attestProvenance(row.file, artifact, row.trust);
      if (row.refused) {
        const error = await reading.then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        if (!(error instanceof TollgateError))
          throw new Error(`expected a TollgateError, got ${String(error)}`);
        expect(error.code).toBe(row.refused.code);
        expect(error.message.startsWith(`${row.file}: `)).toBe(true);
        expect(error.message).toMatch(row.refused.message);
        return;
      }
      const { items } = await reading;
      expect(items.map((item) => item.format)).toEqual(items.map(() => 'slsa'));
      expect(
        items.map(({ data }) => {
          const {
            kind,
            buildType: _buildType,
            invocationId: _invocationId,
            ...read
          } = data as Read & {
            kind: string;
            buildType: string;
            invocationId?: string;
          };
          expect(kind).toBe('provenance');
          return read;
        }),
      ).toEqual(row.reads);
      for (const { signer } of items) {
        if (row.signer === null) expect(signer).toBeNull();
        else if (row.signer === 'key') expect(signer?.method).toBe('key');
        else expect(signer).toMatchObject({ method: 'sigstore', subject: row.signer });
      }
    });
  }
});
