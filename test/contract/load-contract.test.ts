import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractJsonSchema } from '../../src/contract/json-schema.js';
import { validateContract, validateContractInForce } from '../../src/contract/load-contract.js';
import { nearestKey } from '../../src/contract/schema-issues.js';
import { starterContract } from '../../src/contract/starter-contract.js';
import { contractErrorOf } from '../support/builders.js';
import { ROOT, THREE_STAGES } from '../support/cli.js';

describe('validateContract', () => {
  it('accepts the three-stage contract and normalises from and config', () => {
    const contract = validateContract(THREE_STAGES, 'tollgate.yaml');
    expect(Object.keys(contract.stages)).toEqual(['dev', 'staging', 'prod']);
    expect(contract.stages.staging?.from).toBe('dev');
    expect(contract.stages.dev?.config).toEqual([]);
    expect(contract.stages.staging?.requires.tests?.[1]).toMatchObject({
      suite: 'integration',
      maxSkipped: 1,
      maxFailed: 0,
    });
    expect(contract.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('accepts the example pipeline and the starter contract', () => {
    const example = readFileSync(join(ROOT, 'examples/checkout/tollgate.yaml'), 'utf8');
    expect(validateContract(example, 'examples/checkout/tollgate.yaml').pipeline).toBe('checkout');
    expect(validateContract(starterContract('svc'), 'tollgate.yaml').stages.prod?.from).toBe('staging');
  });

  it('names file, line, column and the nearest key for an unknown key', () => {
    const error = contractErrorOf(
      THREE_STAGES.replace('    purpose: live', '    purpose: live\n    requries: {}'),
    );
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.message).toContain(
      'tollgate.yaml:18:5: unknown key "requries" in stages.prod; did you mean "requires"?',
    );
    expect(error.position).toEqual({ file: 'tollgate.yaml', line: 18, column: 5 });
  });

  it('suggests keys inside a test suite requirement', () => {
    const error = contractErrorOf(
      THREE_STAGES.replace('{ suite: integration, maxSkipped: 1 }', '{ suite: integration, maxSkiped: 1 }'),
    );
    expect(error.message).toMatch(
      /tollgate\.yaml:15:\d+: unknown key "maxSkiped" in stages\.staging\.requires\.tests\.1; did you mean "maxSkipped"\?/,
    );
  });

  it('reports a wrong type with what was expected and what was found', () => {
    const error = contractErrorOf(THREE_STAGES.replace('minTests: 2', 'minTests: "two"'));
    expect(error.message).toMatch(
      /tollgate\.yaml:8:\d+: stages\.dev\.requires\.tests\.0\.minTests: expected number, found string "two"/,
    );
  });

  it('points at a map key its schema refuses and says what it must be', () => {
    const error = contractErrorOf(
      THREE_STAGES.replace('  staging:', '  Staging:').replace('from: staging', 'from: dev'),
    );
    expect(error.message).toBe(
      'tollgate.yaml:9:3: stages: key "Staging" is not a stage name: lower-case letters, digits, ".", "_" or "-", at most 128 characters',
    );
    expect(error.position).toEqual({ file: 'tollgate.yaml', line: 9, column: 3 });
  });

  it('refuses a pipeline or stage name longer than the API takes, saying the limit', () => {
    // 128 characters is the most a name in an address of the API may have: a longer one loaded
    // here would give a pipeline whose every page and approval the server refuses.
    const long = `s${'x'.repeat(128)}`;
    const stage = contractErrorOf(THREE_STAGES.replaceAll(/\bstaging\b/g, long));
    expect(stage.message.split('\n')[0]).toBe(
      `tollgate.yaml:9:3: stages: key "${long}" is not a stage name: lower-case letters, digits, ".", "_" or "-", at most 128 characters`,
    );
    const pipeline = contractErrorOf(THREE_STAGES.replace('pipeline: shop', `pipeline: ${long}`));
    expect(pipeline.message).toMatch(
      /^tollgate\.yaml:2:\d+: pipeline: a pipeline name: .*, at most 128 characters/,
    );
    const longest = long.slice(0, 128);
    const contract = validateContract(
      THREE_STAGES.replace('pipeline: shop', `pipeline: ${longest}`).replaceAll(/\bstaging\b/g, longest),
      'tollgate.yaml',
    );
    expect(contract.pipeline).toBe(longest);
    expect(Object.keys(contract.stages)).toContain(longest);
  });

  it('refuses an upstream stage listed twice in from', () => {
    const error = contractErrorOf(
      THREE_STAGES.replace('    from: staging', '    from: [staging, dev, staging]'),
    );
    expect(error.message).toBe(
      'tollgate.yaml:18:26: stages.prod.from: "staging" is listed twice; expected each upstream stage once',
    );
  });

  it("names YAML's infinities instead of calling them null", () => {
    const error = contractErrorOf(THREE_STAGES.replace('minTests: 2', 'minTests: .inf'));
    expect(error.message).toMatch(/minTests: expected a finite number, found \.inf$/);
  });

  it('refuses a from that names no stage, suggesting the nearest', () => {
    const error = contractErrorOf(THREE_STAGES.replace('from: staging', 'from: stagin'));
    expect(error.message).toContain('tollgate.yaml:18:11: stages.prod.from: "stagin" names no stage');
    expect(error.message).toContain('did you mean "staging"?');
  });

  it('refuses a cycle in from and shows it', () => {
    const cyclic = THREE_STAGES.replace(
      '    purpose: fast feedback',
      '    purpose: fast feedback\n    from: prod',
    );
    const error = contractErrorOf(cyclic);
    expect(error.message).toMatch(/tollgate\.yaml:7:11: stages\.dev\.from: cycle dev → prod → staging → dev/);
  });

  it('refuses invalid YAML and duplicate keys with a position', () => {
    expect(contractErrorOf('version: 1\npipeline: [unclosed\n').message).toMatch(
      /^tollgate\.yaml:\d+:\d+: invalid YAML/,
    );
    expect(contractErrorOf('version: 1\nversion: 1\n').message).toMatch(
      /tollgate\.yaml:2:1: invalid YAML: .*[Uu]nique/,
    );
  });

  it('refuses a contract that is not a map', () => {
    expect(contractErrorOf('- a\n- b\n').message).toContain('expected a map');
  });

  it('shares settings through anchors, merge keys and top-level x- keys', () => {
    const contract = validateContract(
      `version: 1
pipeline: shop
artifact: { type: file }
x-gated: &gated
  purpose: gated
  requires:
    tests: [{ suite: unit, minTests: 5 }]
stages:
  dev:
    <<: *gated
  staging:
    <<: *gated
    purpose: release candidate
    from: dev
`,
      'tollgate.yaml',
    );
    expect(Object.keys(contract)).not.toContain('x-gated');
    expect(contract.stages.dev).toMatchObject({
      purpose: 'gated',
      requires: { tests: [{ suite: 'unit', minTests: 5 }] },
    });
    // A key written beside the merge wins over the merged one.
    expect(contract.stages.staging).toMatchObject({ purpose: 'release candidate', from: 'dev' });
    expect(contract.stages.staging?.requires.tests?.[0]).toMatchObject({ suite: 'unit', minTests: 5 });
    // Only top-level keys: an x- key inside a stage is still an unknown key.
    expect(
      contractErrorOf(THREE_STAGES.replace('    purpose: live', '    purpose: live\n    x-note: hi')).message,
    ).toContain('tollgate.yaml:18:5: unknown key "x-note" in stages.prod');
  });

  it('refuses a merge key that does not merge a map, and a list or map used as a key', () => {
    const merge = contractErrorOf(
      THREE_STAGES.replace('stages:', 'x-list: &list [a, b]\nstages:').replace(
        '    purpose: live',
        '    purpose: live\n    <<: *list',
      ),
    );
    expect(merge.code).toBe('CONTRACT_INVALID');
    expect(merge.message).toBe(
      'tollgate.yaml:19:9: a merge key (<<) takes a map, an alias of one (*name), or a list of those',
    );
    // A merge of an alias to no anchor is reported as that.
    expect(
      contractErrorOf(THREE_STAGES.replace('    purpose: live', '    purpose: live\n    <<: *nowhere'))
        .message,
    ).toBe(
      'tollgate.yaml:18:9: alias *nowhere names no anchor above it; expected &nowhere defined earlier in the file',
    );
    const listKey = contractErrorOf(THREE_STAGES.replace('  prod:', '  ? [prod]\n  :'));
    expect(listKey.message).toBe('tollgate.yaml:16:5: a list used as a key; expected a name');
  });

  it('refuses an alias to no anchor, and an alias expansion bomb, at the alias', () => {
    const unresolved = contractErrorOf(
      THREE_STAGES.replace('    purpose: live', '    purpose: live\n    rollback: *nowhere'),
    );
    expect(unresolved.code).toBe('CONTRACT_INVALID');
    expect(unresolved.message).toBe(
      'tollgate.yaml:18:15: alias *nowhere names no anchor above it; expected &nowhere defined earlier in the file',
    );
    const bomb = contractErrorOf(
      `version: 1
pipeline: shop
artifact: { type: file }
x-a: &a [x, x, x, x, x, x, x, x, x, x]
x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
stages:
  dev: { purpose: a }
`,
    );
    expect(bomb.message).toMatch(/^tollgate\.yaml:5:\d+: aliases expand to more than 100 nodes/);
  });

  // Pointed before at the line naming the alias (`requires: *req`), at the map holding the merge,
  // and at the key of a stage named by a number: never at the value that is wrong.
  it('names the line of a wrong value given through an alias, a merge key or a number key', () => {
    const head = 'version: 1\npipeline: shop\nartifact: { type: file }\n';
    const aliased = contractErrorOf(
      `${head}x-req: &req\n  tests: [{ suite: unit, minTests: -1 }]\nstages:\n  dev:\n    purpose: d\n    requires: *req\n`,
    );
    expect(aliased.message).toMatch(/^tollgate\.yaml:5:36: stages\.dev\.requires\.tests\.0\.minTests: /);
    const unknown = contractErrorOf(
      `${head}x-req: &req\n  tets: [{ suite: unit }]\nstages:\n  dev:\n    purpose: d\n    requires: *req\n`,
    );
    expect(unknown.message).toMatch(/^tollgate\.yaml:5:3: unknown key "tets" in stages\.dev\.requires/);
    const merged = contractErrorOf(
      `${head}x-gated: &gated\n  purpose: 5\nstages:\n  dev:\n    <<: *gated\n    from: [dev2]\n  dev2: { purpose: d }\n`,
    );
    expect(merged.message).toMatch(/^tollgate\.yaml:5:12: stages\.dev\.purpose: expected string/);
    const numbered = contractErrorOf(`${head}stages:\n  1:\n    purpose: 5\n`);
    expect(numbered.message).toMatch(/^tollgate\.yaml:6:14: stages\.1\.purpose: expected string/);
  });

  // Loaded before: 99 aliases of one list of 1,000 items are 99,000 items, and a list of 100,000
  // items so shared by 99 stages took a 200 KB contract 13 s and 470 MB to load, at every command.
  it('refuses aliases that repeat more of the document than any contract shares, at the alias', () => {
    const list = Array.from({ length: 1000 }, (_, i) => `c${i}.yaml`).join(', ');
    const stages = Array.from({ length: 99 }, (_, i) => `  s${i}: { purpose: p, config: *files }`);
    const text = `version: 1\npipeline: shop\nartifact: { type: file }\nx-files: &files [${list}]\nstages:\n${stages.join('\n')}\n`;
    expect(contractErrorOf(text).message).toBe(
      'tollgate.yaml:15:29: aliases repeat more than 10,000 lists, maps and values of the document; expected a contract that shares a few settings by alias, not a YAML expansion (write long lists once)',
    );
    const shared = stages.slice(0, 9).join('\n');
    const fits = `version: 1\npipeline: shop\nartifact: { type: file }\nx-files: &files [${list}]\nstages:\n${shared}\n`;
    expect(Object.keys(validateContract(fits, 'tollgate.yaml').stages)).toHaveLength(9);
    // A contract an older Tollgate pinned still reads, so its admins can replace it.
    expect(Object.keys(validateContractInForce(text, 'tollgate.yaml', '.').stages)).toHaveLength(99);
  });

  it('finds near keys only when they are close', () => {
    expect(nearestKey('tets', ['tests', 'from'])).toBe('tests');
    expect(nearestKey('zzzzzzzz', ['tests', 'from'])).toBeUndefined();
  });
});

describe('JSON Schema', () => {
  it('is generated from the same definition and committed up to date', () => {
    const generated = contractJsonSchema();
    const committed = JSON.parse(readFileSync(join(ROOT, 'schema/tollgate.schema.json'), 'utf8'));
    expect(committed).toEqual(generated);
    const stage = (
      generated as {
        properties: { stages: { additionalProperties: { properties: Record<string, unknown> } } };
      }
    ).properties.stages.additionalProperties;
    expect(Object.keys(stage.properties)).toEqual(
      expect.arrayContaining(['purpose', 'from', 'config', 'requires']),
    );
    expect(JSON.stringify(generated)).toContain('"additionalProperties":false');
    // Top-level x- keys, which the loader ignores, are allowed to editors too.
    expect(generated).toMatchObject({ additionalProperties: false, patternProperties: { '^x-': {} } });
  });

  it('is named by tollgate init at the address of the repository the docs point CI at', () => {
    const id = contractJsonSchema().$id as string;
    expect(starterContract('svc').split('\n')[0]).toBe(`# yaml-language-server: $schema=${id}`);
    // The GitHub Action the README and docs/ci.md use lives in the same repository as the schema.
    const docs = ['README.md', 'docs/ci.md'].map((file) => readFileSync(join(ROOT, file), 'utf8')).join('\n');
    const repositories = new Set([...docs.matchAll(/uses: ([\w.-]+\/tollgate)@/g)].map((match) => match[1]));
    expect([...repositories]).toHaveLength(1);
    expect(id).toBe(
      `https://raw.githubusercontent.com/${[...repositories][0]}/main/schema/tollgate.schema.json`,
    );
  });
});
