import { describe, expect, it } from 'vitest';
import { normaliseRepository, parseSlsaProvenance } from '../../src/evidence/slsa-provenance-parser.js';
import { tollgateErrorOf } from '../support/builders.js';
import { sampleJson } from './scan-helpers.js';

type Statement = { predicateType: string; predicate: unknown };

describe('parseSlsaProvenance', () => {
  it('v1 from the GitHub workflow build type: builder, repository, ref and the commit of that repository', () => {
    const s = sampleJson('slsa-v1.intoto.json') as Statement;
    expect(parseSlsaProvenance(s.predicate, s.predicateType, 'prov.json')).toEqual({
      kind: 'provenance',
      predicateType: 'https://slsa.dev/provenance/v1',
      builderId:
        'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0',
      buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
      sourceRepository: 'https://github.com/example-shop/checkout',
      sourceRef: 'refs/tags/v1.4.2',
      sourceCommit: '9f3c2a1b4d5e6f708192a3b4c5d6e7f8091a2b3c',
      invocationId: 'https://github.com/example-shop/checkout/actions/runs/11987654321/attempts/1',
    });
  });

  it('v1 without workflow parameters: the first resolved dependency with a git commit is the source', () => {
    const predicate = {
      buildDefinition: {
        buildType: 'https://example.com/buildtypes/make@v1',
        externalParameters: {},
        resolvedDependencies: [
          { uri: 'https://example.com/toolchain.tar.gz', digest: { sha256: 'ab' } },
          { uri: 'git+https://gitlab.com/acme/app.git@refs/heads/main', digest: { gitCommit: 'ABCDEF0123' } },
        ],
      },
      runDetails: { builder: { id: 'https://ci.example.com/builder' } },
    };
    expect(parseSlsaProvenance(predicate, 'https://slsa.dev/provenance/v1', 'p.json')).toMatchObject({
      sourceRepository: 'https://gitlab.com/acme/app',
      sourceRef: 'refs/heads/main',
      sourceCommit: 'abcdef0123',
    });
  });

  it('v0.2: configSource uri and sha1 (lower-cased)', () => {
    const s = sampleJson('slsa-v0.2.intoto.json') as Statement;
    expect(parseSlsaProvenance(s.predicate, s.predicateType, 'prov.json')).toEqual({
      kind: 'provenance',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      builderId:
        'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.9.0',
      buildType: 'https://github.com/slsa-framework/slsa-github-generator/generic@v1',
      sourceRepository: 'https://github.com/example-shop/checkout',
      sourceRef: 'refs/heads/main',
      sourceCommit: '9f3c2a1b4d5e6f708192a3b4c5d6e7f8091a2b3c',
      invocationId: '11987654321-1',
    });
  });

  it('refuses a v1 predicate without a builder id, and an unknown predicate type', () => {
    const error = tollgateErrorOf(() =>
      parseSlsaProvenance(
        { buildDefinition: { buildType: 't' }, runDetails: { builder: {} } },
        'https://slsa.dev/provenance/v1',
        'p.json',
      ),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain('at predicate.runDetails.builder.id: expected a string');
    expect(
      tollgateErrorOf(() => parseSlsaProvenance({}, 'https://example.com/other', 'p.json')).message,
    ).toContain('at predicateType: expected "https://slsa.dev/provenance/v1"');
  });
});

describe('normaliseRepository', () => {
  it('drops git+, the @ref and .git, keeps user info before the path', () => {
    expect(normaliseRepository('git+https://github.com/a/b.git@refs/heads/main')).toEqual({
      repository: 'https://github.com/a/b',
      ref: 'refs/heads/main',
    });
    expect(normaliseRepository('ssh://git@github.com/a/b')).toEqual({
      repository: 'ssh://git@github.com/a/b',
    });
    expect(normaliseRepository('https://github.com/a/b/')).toEqual({ repository: 'https://github.com/a/b' });
  });
});
