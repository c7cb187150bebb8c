/**
 * YAML that parses but means something else to the loader than to a reviewer: each loaded before,
 * with a weaker or different meaning than it shows (src/contract/yaml-traps.ts).
 */
import { describe, expect, it } from 'vitest';
import { diffContracts } from '../../src/contract/contract-diff.js';
import { validateContract, validateContractInForce } from '../../src/contract/load-contract.js';
import { contractErrorOf } from '../support/builders.js';

const HEAD = `version: 1
pipeline: shop
artifact: { type: oci }
`;

describe('merge keys whose outcome the map does not show', () => {
  // Loaded before as prod requiring only soak: the merged tests and approvals were dropped.
  const REPLACED = `${HEAD}x-gated: &gated
  purpose: gated
  requires:
    tests: [{ suite: unit, minTests: 50 }]
    approvals: { count: 2 }
stages:
  dev: { purpose: d }
  prod:
    <<: *gated
    from: dev
    requires:
      soak: 1h
`;

  it('refuses a map written beside a merge that also gives it, naming what it drops', () => {
    const error = contractErrorOf(REPLACED);
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.message).toBe(
      'tollgate.yaml:14:5: "requires" is written here and also merged by <<; a merge is shallow, so this map replaces the merged one whole and drops its tests, approvals: write the whole "requires" here without merging it, or merge inside it (requires: { <<: *name, … })',
    );
  });

  it('refuses a gate written beside a merge into requires that also gives it', () => {
    const error = contractErrorOf(`${HEAD}x-strict: &strict
  approvals: { count: 2 }
stages:
  dev: { purpose: d }
  prod:
    purpose: live
    from: dev
    requires:
      <<: *strict
      approvals: { count: 1 }
`);
    expect(error.message).toMatch(/^tollgate\.yaml:13:7: "approvals" is written here and also merged by <</);
  });

  it('refuses a list written beside a merge that also gives it', () => {
    const error = contractErrorOf(`${HEAD}x-unit: &unit
  tests: [{ suite: unit }]
stages:
  dev:
    purpose: d
    requires:
      <<: *unit
      tests: [{ suite: e2e }]
`);
    expect(error.message).toContain('tollgate.yaml:11:7: "tests" is written here and also merged by <<');
    expect(error.message).toContain('this list replaces the merged one whole');
  });

  it('refuses a stage merged into stages and written again', () => {
    const error = contractErrorOf(`${HEAD}x-stages: &stages
  prod: { purpose: live, requires: { approvals: { count: 3 } } }
stages:
  <<: *stages
  dev: { purpose: d }
  prod: { purpose: live }
`);
    expect(error.message).toMatch(/^tollgate\.yaml:9:3: "prod" is written here .* and drops its requires/);
  });

  it('refuses two maps merged with different values for one key, and two merge keys in one map', () => {
    const anchors = `${HEAD}x-two: &two { approvals: { count: 2 } }
x-one: &one { approvals: { count: 1 } }
stages:
  dev:
    purpose: d
    requires:
`;
    // YAML takes the first: this loaded as count 1.
    expect(contractErrorOf(`${anchors}      <<: [*one, *two]\n`).message).toBe(
      'tollgate.yaml:10:11: "approvals" is merged from two maps that give it differently; YAML takes the first, which a reader may not expect: give "approvals" here, or in one of the merged maps only',
    );
    // The second `<<` was ignored: this loaded as count 2, although *one comes last.
    expect(contractErrorOf(`${anchors}      <<: *two\n      <<: *one\n`).message).toMatch(
      /^tollgate\.yaml:11:7: a second merge key \(<<\) in one map/,
    );
  });

  it('still takes a scalar written beside a merge, the same map written again, and maps merged without conflict', () => {
    const contract = validateContract(
      `${HEAD}x-gated: &gated
  purpose: gated
  requires: { tests: [{ suite: unit }] }
x-signed: &signed { sbom: required }
x-same: &same { sbom: required, approvals: { count: 2 } }
stages:
  dev:
    <<: *gated
    purpose: fast feedback
    requires: { tests: [{ suite: unit }] }
  prod:
    purpose: live
    from: dev
    requires:
      <<: [*signed, *same]
      soak: 1h
`,
      'tollgate.yaml',
    );
    expect(contract.stages.dev?.purpose).toBe('fast feedback');
    expect(contract.stages.dev?.requires.tests).toHaveLength(1);
    expect(Object.keys(contract.stages.prod?.requires ?? {}).sort()).toEqual(['approvals', 'sbom', 'soak']);
  });

  it('still reads a contract already in force that an older Tollgate accepted, and diffs it', () => {
    const contract = validateContractInForce(REPLACED, 'pinned', '.');
    expect(Object.keys(contract.stages.prod?.requires ?? {})).toEqual(['soak']);
    const after = REPLACED.replace('    requires:\n      soak: 1h\n', '');
    expect(diffContracts(REPLACED, after).stages).toEqual([
      expect.objectContaining({
        stage: 'prod',
        change: 'changed',
        added: ['approvals', 'tests'],
        removed: ['soak'],
      }),
    ]);
  });
});

describe('tags, numbers and YAML versions', () => {
  const stage = (purpose: string, requires = '{}') =>
    `${HEAD}stages:\n  dev:\n    purpose: ${purpose}\n    requires: ${requires}\n`;

  it.each([
    ['!custom d', '!custom'],
    ['!!js/regexp /x/', '!!js/regexp'],
    ['!!binary aGVsbG8=', '!!binary'],
    ['!!timestamp 2026-01-01', '!!timestamp'],
  ])('refuses the tag in %s at the value', (value, tag) => {
    expect(contractErrorOf(stage(value)).message).toBe(
      `tollgate.yaml:6:14: tag ${tag}: a contract gives tags no meaning; expected a plain value (remove the tag)`,
    );
  });

  it('refuses !!set and !!omap, and takes the core tags', () => {
    expect(contractErrorOf(stage('d', '{ tests: !!set { ? a } }')).message).toContain('tag !!set');
    expect(contractErrorOf(`${HEAD}stages: !!omap\n  - dev: { purpose: d }\n`).message).toContain(
      'tollgate.yaml:4:9: tag !!omap',
    );
    const contract = validateContract(
      stage('!!str 42', '!!map { tests: !!seq [{ suite: unit, minTests: !!int 5 }] }'),
      'tollgate.yaml',
    );
    expect(contract.stages.dev?.purpose).toBe('42');
    expect(contract.stages.dev?.requires.tests?.[0]?.minTests).toBe(5);
  });

  it.each([
    ['010', 'number 010: YAML 1.1 reads a leading zero as octal (8), YAML 1.2 as decimal (10)'],
    ['0o10', 'number 0o10: write 8 in decimal'],
    ['0x1', 'number 0x1: write 1 in decimal'],
  ])('refuses the count %s, which YAML versions or readers take differently', (count, message) => {
    const error = contractErrorOf(stage('d', `{ tests: [{ suite: unit, maxFailed: ${count} }] }`));
    expect(error.message).toMatch(new RegExp(`^tollgate\\.yaml:7:51: ${message.replace(/[().]/g, '\\$&')}`));
  });

  // Loaded before as 10, 16 and 15: a tag let a quoted count past the check of its notation.
  it.each([
    ['!!int "010"', 57, 'number 010: YAML 1.1 reads a leading zero as octal (8), YAML 1.2 as decimal (10)'],
    ['!!int "0x10"', 57, 'number 0x10: write 16 in decimal'],
    ["!<tag:yaml.org,2002:int> '0o17'", 76, 'number 0o17: write 15 in decimal'],
  ])('refuses the count %s, a tag making a quoted notation a number', (count, column, message) => {
    const error = contractErrorOf(stage('d', `{ tests: [{ suite: unit, maxFailed: ${count} }] }`));
    expect(error.message.startsWith(`tollgate.yaml:7:${column}: ${message}`)).toBe(true);
  });

  it('takes decimal counts, and a leading zero in text', () => {
    const contract = validateContract(
      stage('"007"', '{ tests: [{ suite: "010", minTests: 10, maxFailed: 0 }] }'),
      'tollgate.yaml',
    );
    expect(contract.stages.dev?.requires.tests?.[0]).toMatchObject({
      suite: '010',
      minTests: 10,
      maxFailed: 0,
    });
  });

  it('refuses %YAML 1.1, under which yes and 010 load as true and 8, and takes %YAML 1.2', () => {
    const body = `---\n${stage('d', '{ tests: [{ suite: unit, minTests: 10 }] }')}`;
    const error = contractErrorOf(`# shop\n%YAML 1.1\n${body}`);
    expect(error.message).toBe(
      'tollgate.yaml:2:1: %YAML 1.1: a contract is read as YAML 1.2; under 1.1, yes, on, 010 and 1_000 would quietly mean true, true, 8 and 1000: remove the directive',
    );
    expect(validateContract(`%YAML 1.2\n${body}`, 'tollgate.yaml').stages.dev?.purpose).toBe('d');
  });
});

describe('keys that load as another name than they show', () => {
  // Loaded before as stage "1" with purpose lax and no approvals: YAML holds 1 and "1" as two
  // keys, the loaded contract one, and the stricter definition above was dropped without a word.
  it('refuses two keys of one map that load as one name, at the second', () => {
    const stages = `${HEAD}stages:
  1:
    purpose: strict
    requires: { approvals: { count: 2 } }
  "1":
    purpose: lax
`;
    expect(contractErrorOf(stages).message).toBe(
      'tollgate.yaml:8:3: key "1" loads as the name "1", as the key 1 on line 5 does, and would replace it; expected each name once: remove or rename one',
    );
    const groups = `${HEAD}groups:\n  true: [alice]\n  "true": [mallory]\nstages:\n  dev: { purpose: d }\n`;
    expect(contractErrorOf(groups).message).toMatch(
      /^tollgate\.yaml:6:3: key "true" loads as the name "true", as the key true on line 5 does/,
    );
  });

  it.each([
    ['1.10', '1.1'],
    ['True', 'true'],
    ['1e3', '1000'],
    ['~', ''],
  ])('refuses the key %s, which loads as the name %j', (key, loaded) => {
    const error = contractErrorOf(`${HEAD}stages:\n  ${key}:\n    purpose: d\n`);
    expect(error.message).toBe(
      `tollgate.yaml:5:3: key ${key} loads as the name ${JSON.stringify(loaded)}, not as written; quote it ("${key}") if it is a name`,
    );
  });

  it('takes keys written as numbers or booleans that load as written, and quoted ones', () => {
    const contract = validateContract(
      `${HEAD}stages:\n  1: { purpose: one }\n  "1.10": { purpose: quoted }\n  true: { purpose: yes }\n`,
      'tollgate.yaml',
    );
    expect(Object.keys(contract.stages)).toEqual(['1', '1.10', 'true']);
  });
});
