import { describe, expect, it } from 'vitest';
import { provenanceRequirement } from '../../src/contract/requires/provenance.js';
import { evaluateProvenance } from '../../src/gates/provenance-gate.js';
import { provenance, testsRecord } from '../support/builders.js';

const req = (r: unknown) => provenanceRequirement.parse(r);
const COMMIT = '9f3c2a1b4d5e6f708192a3b4c5d6e7f8091a2b3c';
const labelled = { labels: { commit: COMMIT } };
const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/*@refs/tags/v*';

describe('provenance gate', () => {
  it('fails without provenance, saying how to supply it', () => {
    const result = evaluateProvenance(req('required'), [testsRecord()], labelled);
    expect(result.status).toBe('fail');
    expect(result.required[0]?.text).toContain('`tollgate attest provenance --artifact DIGEST FILE`');
  });

  it('"required" accepts any builder, validates it, and notes that nothing was constrained', () => {
    const record = provenance();
    const result = evaluateProvenance(req('required'), [record], labelled);
    expect(result.status).toBe('pass');
    expect(result.validated[0]?.text).toContain(
      'from https://github.com/example-shop/checkout@9f3c2a1b4d5e (build type https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
    );
    expect(result.validated[0]?.evidence).toEqual([record.id]);
    expect(result.risks[0]?.text).toBe(
      'provenance is present but the contract accepts any builder and source',
    );
  });

  it('passes unsigned provenance as the attester wrote it, but says it is unsigned; signed provenance is not flagged', () => {
    const unsigned = evaluateProvenance(req({ builderId: GENERATOR }), [provenance()], labelled);
    expect(unsigned.status).toBe('pass');
    expect(unsigned.risks.map((risk) => risk.text)).toEqual([
      'provenance from https://github.com/example-shop/checkout@9f3c2a1b4d5e is unsigned: its builder and source are only what the attester wrote (`signedBy` with kinds [provenance] makes only signed provenance count)',
    ]);
    const signed = provenance({}, { signer: { name: 'ci', method: 'key', subject: 'k' } });
    const result = evaluateProvenance(req({ builderId: GENERATOR }), [signed], labelled);
    expect(result.status).toBe('pass');
    expect(result.risks).toEqual([]);
  });

  it('validates only the claim of unsigned provenance, and the build itself only when signed', () => {
    // What the approver reads under Validated: an unsigned record is what its attester wrote, so
    // it is no "built by" fact; a signed one is, and says who signed it.
    const unsigned = evaluateProvenance(req({ builderId: GENERATOR }), [provenance()], labelled);
    expect(unsigned.validated.map((item) => item.text)).toEqual([
      expect.stringMatching(/^unsigned provenance claims: built by https:\/\/github\.com\/slsa-framework\//),
    ]);
    const signed = provenance({}, { signer: { name: 'ci', method: 'key', subject: 'k' } });
    const result = evaluateProvenance(req({ builderId: GENERATOR }), [signed], labelled);
    expect(result.validated.map((item) => item.text)).toEqual([
      expect.stringMatching(/^built by https:\/\/github\.com\/slsa-framework\/.*; signed by ci, recorded /),
    ]);
  });

  it('passes a builder id matching the pattern and fails one that does not, naming both', () => {
    expect(evaluateProvenance(req({ builderId: GENERATOR }), [provenance()], labelled).status).toBe('pass');
    const result = evaluateProvenance(
      req({ builderId: GENERATOR }),
      [provenance({ builderId: 'https://evil.example/builder' })],
      labelled,
    );
    expect(result.status).toBe('fail');
    expect(result.required[0]?.text).toContain(
      `builder https://evil.example/builder does not match ${GENERATOR}`,
    );
  });

  it('does not let a builder id pattern star reach over the first @ into a branch named like a ref', () => {
    const workflows = 'https://github.com/acme/shop/.github/workflows';
    const onMain = req({ builderId: `${workflows}/*.yml@refs/heads/main` });
    // A push of evil.yml to the branch `x/a.yml@refs/heads/main`: a plain glob lets the star run over the first @.
    const branch = `${workflows}/evil.yml@refs/heads/x/a.yml@refs/heads/main`;
    const evil = evaluateProvenance(onMain, [provenance({ builderId: branch })], labelled);
    expect(evil.status).toBe('fail');
    expect(evil.required[0]?.text).toContain(
      `builder ${branch} does not match ${workflows}/*.yml@refs/heads/main (a "*" does not reach over the builder id's first "@", which parts workflow from ref: the ref after it is "refs/heads/x/a.yml@refs/heads/main")`,
    );
    const other = `${workflows}/x.yml@refs/heads/evil`;
    expect(evaluateProvenance(onMain, [provenance({ builderId: other })], labelled).status).toBe('fail');
    // The generator pattern, and a branch ending in what its tag part expects.
    const tagged = req({ builderId: GENERATOR });
    const lookalike =
      'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/evil.yml@refs/heads/x@refs/tags/v2';
    expect(evaluateProvenance(tagged, [provenance({ builderId: lookalike })], labelled).status).toBe('fail');
    // The honest ones still pass.
    const release = `${workflows}/release.yml@refs/heads/main`;
    expect(evaluateProvenance(onMain, [provenance({ builderId: release })], labelled).status).toBe('pass');
    const generator =
      'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0';
    expect(evaluateProvenance(tagged, [provenance({ builderId: generator })], labelled).status).toBe('pass');
    expect(
      evaluateProvenance(
        req({ builderId: 'https://cloudbuild.googleapis.com/*' }),
        [provenance({ builderId: 'https://cloudbuild.googleapis.com/GoogleHostedWorker' })],
        labelled,
      ).status,
    ).toBe('pass');
  });

  it('matches the source repository without scheme, case or .git when the pattern has no scheme', () => {
    const pattern = req({ sourceRepository: 'github.com/example-shop/*' });
    expect(
      evaluateProvenance(
        pattern,
        [provenance({ sourceRepository: 'https://GitHub.com/Example-Shop/checkout.git' })],
        labelled,
      ).status,
    ).toBe('pass');
    const fork = evaluateProvenance(
      pattern,
      [provenance({ sourceRepository: 'https://github.com/attacker/checkout' })],
      labelled,
    );
    expect(fork.status).toBe('fail');
    expect(fork.required[0]?.text).toContain(
      'source https://github.com/attacker/checkout does not match github.com/example-shop/*',
    );
  });

  it('with a scheme in the pattern, the scheme must match too', () => {
    const pattern = req({ sourceRepository: 'https://github.com/example-shop/checkout' });
    expect(
      evaluateProvenance(
        pattern,
        [provenance({ sourceRepository: 'http://github.com/example-shop/checkout' })],
        labelled,
      ).status,
    ).toBe('fail');
    expect(evaluateProvenance(pattern, [provenance()], labelled).status).toBe('pass');
  });

  it('fails when a source pattern is set but the provenance names no repository', () => {
    const record = provenance();
    delete (record.data as { sourceRepository?: string }).sourceRepository;
    const result = evaluateProvenance(req({ sourceRepository: 'github.com/*' }), [record], labelled);
    expect(result.required[0]?.text).toContain('it names no source repository');
  });

  describe('commitMatchesLabel', () => {
    const policy = req({ commitMatchesLabel: true });

    it('passes when the source commit equals the commit label (case-insensitive)', () => {
      expect(
        evaluateProvenance(policy, [provenance()], { labels: { commit: COMMIT.toUpperCase() } }).status,
      ).toBe('pass');
    });

    it('fails on a different commit, naming both', () => {
      const result = evaluateProvenance(policy, [provenance()], { labels: { commit: 'deadbeef' } });
      expect(result.status).toBe('fail');
      expect(result.required[0]?.text).toContain(
        `source commit ${COMMIT} is not the artifact's commit label deadbeef`,
      );
    });

    it('fails when the artifact has no commit label, saying how to set one', () => {
      const result = evaluateProvenance(policy, [provenance()], { labels: {} });
      expect(result.required.map((r) => r.text)).toEqual([
        'the artifact has no `commit` label to compare the provenance with; register it with `--label commit=SHA`',
      ]);
    });

    it('fails when the provenance names no commit', () => {
      const record = provenance();
      delete (record.data as { sourceCommit?: string }).sourceCommit;
      expect(evaluateProvenance(policy, [record], labelled).required[0]?.text).toContain(
        'it names no source commit',
      );
    });
  });

  it('fails when any of several provenance records breaks the policy', () => {
    const good = provenance();
    const other = provenance({ sourceCommit: '0000000000000000000000000000000000000000' });
    const result = evaluateProvenance(req({ commitMatchesLabel: true }), [good, other], labelled);
    expect(result.status).toBe('fail');
    expect(result.validated).toHaveLength(1);
    expect(result.required).toHaveLength(1);
    expect(result.required[0]?.evidence).toEqual([other.id]);
  });

  it('the contract accepts "required" or the object form, nothing else', () => {
    expect(provenanceRequirement.safeParse('optional').success).toBe(false);
    expect(provenanceRequirement.safeParse({ builder: 'x' }).success).toBe(false);
    expect(req({})).toEqual({ commitMatchesLabel: false });
  });
});
