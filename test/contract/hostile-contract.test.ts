/**
 * Hostile contracts: names that are JavaScript prototype properties, and contracts too large to
 * parse. Each case here crashed (exit 4) or was accepted before.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertDatabaseUrl } from '../../src/app/open-ledger.js';
import {
  DEFAULT_MAX_CONTRACT_BYTES,
  readContract,
  validateContract,
} from '../../src/contract/load-contract.js';
import { GATE_KEYS } from '../../src/contract/schema.js';
import { stageOf } from '../../src/contract/types.js';
import { decide } from '../../src/decide.js';
import { GATES } from '../../src/gates/index.js';
import { contractErrorOf, tollgateErrorOf } from '../support/builders.js';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';

const base = (extra: string) => `version: 1
pipeline: shop
artifact: { type: oci }
stages:
  dev:
    purpose: fast feedback
${extra}`;

describe('prototype names in a contract', () => {
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'])(
    'refuses `from: %s` when no such stage exists',
    (name) => {
      const error = contractErrorOf(base(`  prod:\n    purpose: live\n    from: ${name}\n`));
      expect(error.code).toBe('CONTRACT_INVALID');
      // A name the stage-name pattern refuses is refused by the pattern; the others name no stage.
      expect(error.message).toMatch(
        new RegExp(
          `tollgate\\.yaml:9:11: stages\\.prod\\.from: (\`?"${name}" names no stage|invalid value|a stage name)`,
        ),
      );
    },
  );

  it('refuses verifiedIn, soak.in and override stages that are prototype names', () => {
    expect(contractErrorOf(base('    requires: { verifiedIn: constructor }\n')).message).toContain(
      'stages.dev.requires.verifiedIn: "constructor" names no stage; stages are dev',
    );
    expect(
      contractErrorOf(base('    requires: { soak: { duration: 1h, in: toString } }\n')).message,
    ).toContain('"toString" names no stage');
    const grant = `${base('')}overrides:\n  - { by: [alice], stages: [constructor] }\n`;
    expect(contractErrorOf(grant).message).toContain('overrides.0.stages.0: "constructor" names no stage');
  });

  it('refuses group:NAME references to prototype names instead of crashing', () => {
    for (const name of ['toString', 'constructor', 'valueOf', 'hasOwnProperty']) {
      const text = base(`    requires: { approvals: { count: 1, from: ["group:${name}"] } }\n`);
      expect(contractErrorOf(text).message).toContain(`"group:${name}" names no group`);
    }
    const grant = `${base('')}groups:\n  leads: [alice]\noverrides:\n  - { by: ["group:toString"] }\n`;
    expect(contractErrorOf(grant).message).toContain('"group:toString" names no group; groups are leads');
  });

  it('refuses signedBy names that are prototype names', () => {
    const error = contractErrorOf(base('    requires: { signedBy: { by: [toString] } }\n'));
    expect(error.message).toContain('"toString" is not a key or identity in the trust section');
  });

  it('accepts a stage named constructor, and looks stages up by their own names only', () => {
    const contract = validateContract(
      base('  constructor:\n    purpose: x\n    from: dev\n'),
      'tollgate.yaml',
    );
    expect(Object.keys(contract.stages)).toEqual(['dev', 'constructor']);
    expect(stageOf(contract, 'constructor').purpose).toBe('x');
    for (const name of ['toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const error = tollgateErrorOf(() => stageOf(contract, name));
      expect(error.code).toBe('STAGE_UNKNOWN');
      expect(() =>
        decide(contract, name, {
          artifact: { digest: fakeDigest('x'), labels: {}, registeredAt: '', source: 'digest' },
        } as never),
      ).toThrow(`no stage "${name}"`);
    }
  });

  it('keeps a group named constructor as a group', () => {
    const text = `${base('    requires: { approvals: { count: 1, from: ["group:constructor"] } }\n')}groups:\n  constructor: [alice]\n`;
    expect(validateContract(text, 'tollgate.yaml').groups).toEqual({ constructor: ['alice'] });
  });
});

describe('names that read alike', () => {
  it('refuses a user written where a group of that name exists, wherever principals are listed', () => {
    // Loaded before: the approval of anyone calling themselves "release-managers" counted.
    const groups = 'groups:\n  release-managers: [alice, bob]\n';
    const approvals = contractErrorOf(
      `${base('    requires: { approvals: { count: 1, from: [release-managers] } }\n')}${groups}`,
    );
    expect(approvals.message).toBe(
      'tollgate.yaml:7:47: stages.dev.requires.approvals.from.0: "release-managers" is a user, but the contract has a group "release-managers"; as written it is one user of that name: write "group:release-managers" for the group, or rename the group',
    );
    // User names load case-folded: `Release-Managers` is the same user.
    for (const section of [
      'admins: [Release-Managers]\n',
      'overrides:\n  - { by: [release-managers] }\n',
      'groups:\n  sre: [release-managers]\n  release-managers: [alice]\n',
    ]) {
      const text = `${base('')}${section}${section.startsWith('groups') ? '' : groups}`;
      expect(contractErrorOf(text).message).toContain(
        '"release-managers" is a user, but the contract has a group',
      );
    }
    const group = `${base('    requires: { approvals: { count: 1, from: ["group:release-managers"] } }\n')}${groups}`;
    expect(validateContract(group, 'tollgate.yaml').groups).toEqual({ 'release-managers': ['alice', 'bob'] });
  });

  it('refuses two groups whose names differ only in case', () => {
    // Loaded before: `group:Leads` named mallory's group, not alice's `leads`.
    const text = `${base('    requires: { approvals: { count: 1, from: ["group:Leads"] } }\n')}groups:\n  leads: [alice]\n  Leads: [mallory]\n`;
    expect(contractErrorOf(text).message).toBe(
      'tollgate.yaml:10:10: groups.Leads: group "Leads" differs from group "leads" only in case; names that read alike must not be two groups: rename one',
    );
    // Full-width and other non-ASCII group names are not group names at all.
    expect(contractErrorOf(`${base('')}groups:\n  ops: [alice]\n  ｏｐｓ: [mallory]\n`).message).toContain(
      'key "ｏｐｓ" is not a group name',
    );
  });
});

describe('gates that check nothing', () => {
  // Each loaded before as a gate a reviewer sees in the YAML: tests and rules showed no gate at
  // all in the decision, windows showed "promotion window open" as validated.
  it.each([
    [
      'tests: []',
      'stages.dev.requires.tests: at least one suite ({ suite: NAME }): an empty `tests` requires no test results',
    ],
    [
      'rules: []',
      'stages.dev.requires.rules: at least one rule ({ name, cel }): an empty `rules` checks nothing',
    ],
    ['windows: {}', 'stages.dev.requires.windows: at least one window in `allow` or `deny`'],
    [
      'windows: { deny: [] }',
      'stages.dev.requires.windows.deny: at least one window: an empty `deny` denies nothing',
    ],
    ['windows: { allow: [] }', 'an empty `allow` restricts nothing, though it reads as allowing no time'],
    // `soak: 0s` passed as "soaked 0s" the moment the digest entered upstream, which `from` already asks.
    [
      'soak: 0s',
      'stages.dev.requires.soak: a soak longer than 0: 0s waits for nothing (to require that the digest entered a stage, name it in `from`)',
    ],
    [
      'soak: { duration: 0h }',
      'stages.dev.requires.soak: a soak longer than 0: 0h waits for nothing (to require that the digest entered a stage, name it in `from`)',
    ],
  ])('refuses `%s`', (gate, message) => {
    const error = contractErrorOf(base(`    requires: { ${gate} }\n`));
    expect(error.message).toMatch(/^tollgate\.yaml:7:\d+: /);
    expect(error.message).toContain(message);
  });

  it.each([
    ['drift: {}', 'drift: { budget: {} }', 'drift: { declared: [{ path: /a, class: other, reason: r }] }'],
  ])('refuses a drift section that names no budget class (`%s` and the like)', (...gates) => {
    for (const gate of gates) {
      const text = `${base('')}  prod:\n    purpose: live\n    from: dev\n    requires: { ${gate} }\n`;
      const error = contractErrorOf(text);
      expect(error.message).toMatch(/^tollgate\.yaml:10:\d+: stages\.prod\.requires\.drift/);
      expect(error.message).toContain('a budget for at least one class');
    }
    const limited = `${base('')}  prod:\n    purpose: live\n    from: dev\n    requires: { drift: { budget: { other: any } } }\n`;
    expect(validateContract(limited, 'tollgate.yaml').stages.prod?.requires.drift).toBeDefined();
  });

  it.each(['"**"', '/**', '"k8s:**"', '/*', '"flagd:/*/*"', '/*/**'])(
    'refuses a declared difference whose path %s is wildcards only, which excused every difference of its class',
    (path) => {
      const drift = `drift: { budget: { security: declared }, declared: [{ path: ${path}, class: security, reason: r }] }`;
      const error = contractErrorOf(
        `${base('')}  prod:\n    purpose: live\n    from: dev\n    requires: { ${drift} }\n`,
      );
      expect(error.code).toBe('CONTRACT_INVALID');
      expect(error.message).toMatch(
        /^tollgate\.yaml:10:\d+: stages\.prod\.requires\.drift\.declared\.0\.path/,
      );
      expect(error.message).toContain('so this declaration would excuse every security difference');
    },
  );

  it('still loads declarations that name something beside their wildcards', () => {
    const drift =
      'drift: { budget: { endpoints: declared }, declared: [{ path: "**/url", class: endpoints, reason: r }, { path: "flagd:/*/default", class: flags, reason: r }, { path: /db/*, class: endpoints, reason: r }] }';
    const text = `${base('')}  prod:\n    purpose: live\n    from: dev\n    requires: { ${drift} }\n`;
    expect(validateContract(text, 'tollgate.yaml').stages.prod?.requires.drift?.declared).toHaveLength(3);
  });

  it('refuses drift on a stage without an upstream, which had nothing to compare and passed', () => {
    const error = contractErrorOf(base('    requires: { drift: { budget: { security: 0 } } }\n'));
    expect(error.message).toBe(
      'tollgate.yaml:7:17: stages.dev.requires.drift: stage dev has no upstream stage (`from`), so there is no config to compare and this gate checks nothing; add `from`, or remove `drift`',
    );
  });

  it('refuses more approvals than the people from names, which no digest could ever get', () => {
    // Loaded before: the gate then refused every digest for want of approvers who do not exist.
    const groups = 'groups: { release-managers: [alice, bob] }\n';
    const approvals = (spec: string) => `${base(`    requires: { approvals: ${spec} }\n`)}${groups}`;
    expect(contractErrorOf(approvals('{ count: 3, from: [group:release-managers] }')).message).toBe(
      'tollgate.yaml:7:37: stages.dev.requires.approvals.count: 3 approvals, but `from` names 2 people (alice, bob): the gate could never pass; lower `count`, or add approvers to `from`',
    );
    // Alice and alice are one person.
    expect(contractErrorOf(approvals('{ count: 2, from: [Alice, alice] }')).message).toContain(
      '2 approvals, but `from` names 1 person (alice)',
    );
    const three = approvals('{ count: 3, from: [group:release-managers, carol] }');
    expect(validateContract(three, 'tollgate.yaml').stages.dev?.requires.approvals?.count).toBe(3);
    expect(
      validateContract(base('    requires: { approvals: { count: 5 } }\n'), 'tollgate.yaml').pipeline,
    ).toBe('shop');
  });

  it('refuses soak and verifiedIn naming the stage they guard, which no first promotion could meet', () => {
    // Loaded before: a digest is decided before it enters the stage, so it never soaked or was verified there.
    const prod = (requires: string) =>
      `${base('')}  prod:\n    purpose: live\n    from: dev\n    requires: ${requires}\n`;
    expect(contractErrorOf(prod('{ verifiedIn: prod }')).message).toBe(
      'tollgate.yaml:10:29: stages.prod.requires.verifiedIn: "prod" is the stage this requirement guards; a digest is checked before it enters prod, so it cannot have soaked or been verified there yet and the gate would refuse every first promotion: name an upstream stage',
    );
    expect(contractErrorOf(prod('{ soak: { duration: 1h, in: [dev, prod] } }')).message).toContain(
      'stages.prod.requires.soak.in.1: "prod" is the stage this requirement guards',
    );
    expect(
      validateContract(prod('{ verifiedIn: dev, soak: { duration: 1h, in: dev } }'), 'tollgate.yaml')
        .pipeline,
    ).toBe('shop');
  });

  it('still loads a stage that requires nothing, which every decision lists as risk', () => {
    expect(validateContract(base('    requires: {}\n'), 'tollgate.yaml').stages.dev?.requires).toEqual({});
  });
});

describe('names and settings that would silently match nothing', () => {
  const twoStages = (requires: string, extra = '') =>
    `${base('')}  prod:\n    purpose: live\n    from: dev\n    requires: ${requires}\n${extra}`;

  it("refuses a suite's `in` that names no stage", () => {
    // Loaded before: evidence "in stagin" never exists, and the reviewer read staging.
    expect(contractErrorOf(twoStages('{ tests: [{ suite: e2e, in: stagin }] }')).message).toBe(
      'tollgate.yaml:10:43: stages.prod.requires.tests.0.in: "stagin" names no stage; stages are dev, prod',
    );
    expect(validateContract(twoStages('{ tests: [{ suite: e2e, in: dev }] }'), 'tollgate.yaml')).toBeTruthy();
  });

  it('refuses an override grant for a gate that does not exist, suggesting the nearest', () => {
    const text = twoStages('{ soak: 1h }', 'overrides:\n  - { by: [alice], gates: [sok] }\n');
    expect(contractErrorOf(text).message).toBe(
      'tollgate.yaml:12:28: overrides.0.gates.0: "sok" is not a gate; did you mean "soak"?',
    );
  });

  it('knows every gate key the registry has, and no other', () => {
    expect([...GATE_KEYS].sort()).toEqual(GATES.map((gate) => gate.key).sort());
  });

  it('refuses a rollback watched for no time', () => {
    const text = `${base('')}    rollback: { within: 0s, when: [{ name: errors, prometheus: up, above: 1 }] }\n`;
    expect(contractErrorOf(text).message).toBe(
      'tollgate.yaml:7:25: stages.dev.rollback.within: a `within` longer than 0: the conditions would never be watched after a promotion',
    );
  });
});

describe('CEL rules whose evaluation would stall decisions', () => {
  const rule = (cel: string) =>
    base(`    requires:\n      rules:\n        - name: r\n          cel: '${cel}'\n`);
  const list = `[${Array.from({ length: 1000 }, (_, i) => i).join(',')}]`;

  it('refuses comprehensions nested three deep: a billion steps from three lists of 1,000', () => {
    // Loaded before; evaluating it would take tens of seconds per decision (10^7 steps took 0.3 s).
    const error = contractErrorOf(rule(`${list}.all(a, ${list}.all(b, ${list}.all(c, a + b + c >= 0)))`));
    expect(error.message).toMatch(
      /^tollgate\.yaml:10:16: stages\.dev\.requires\.rules\.0\.cel: rule "r": CEL: comprehensions \(all, exists, exists_one, map, filter\) nested 3 deep; at most 2/,
    );
  });

  it('refuses a matches() pattern that backtracks exponentially on a crafted label', () => {
    // Loaded before; a version label of 40 digits and an x kept one decision busy for minutes.
    const error = contractErrorOf(rule('artifact.labels.version.matches("^([0-9]+\\\\.?)+$")'));
    expect(error.message).toMatch(
      /^tollgate\.yaml:10:16: stages\.dev\.requires\.rules\.0\.cel: rule "r": CEL: the pattern "\^\(\[0-9\]\+\\\\\.\?\)\+\$" of matches\(\) \(column 33 of the expression\) repeats a group that itself repeats or alternates/,
    );
    expect(contractErrorOf(rule('artifact.labels.v.matches("(\\\\d|\\\\w)+x")')).message).toContain(
      'repeats a group that itself repeats or alternates',
    );
    expect(contractErrorOf(rule('artifact.labels.v.matches("(a+)\\\\1")')).message).toContain(
      'refers back to a group',
    );
    expect(contractErrorOf(rule('artifact.labels.v.matches(artifact.labels.pattern)')).message).toContain(
      'matches() takes its pattern as a string written in the rule',
    );
    expect(contractErrorOf(rule('artifact.labels.v.matches("[a-")')).message).toContain(
      'is not a valid regular expression',
    );
  });

  it('refuses a matches() pattern JavaScript reads other than RE2, so a negated rule cannot pass by it', () => {
    // Loaded before; cel-js read \z as the letter z, so the rule held for the branch main itself.
    const error = contractErrorOf(rule('!artifact.labels.branch.matches("^main\\\\z")'));
    expect(error.message).toMatch(
      /^tollgate\.yaml:10:16: stages\.dev\.requires\.rules\.0\.cel: rule "r": CEL: the pattern "\^main\\\\z" of matches\(\) \(column 33 of the expression\) uses the escape \\z, which JavaScript, the engine cel-js runs, reads as the letter z/,
    );
  });

  it('takes matches() patterns that cannot blow up', () => {
    for (const cel of [
      'artifact.labels.version.matches("^v?[0-9]+(\\\\.[0-9]+)*$")',
      'artifact.labels.branch.matches("^(release|hotfix)/[a-z0-9-]+$")',
      'artifact.labels.ticket.matches("^[A-Z]+-[0-9]+$")',
      'artifact.labels.name.matches("^[a-z]+(-[a-z0-9]+)+$")',
    ])
      expect(() => validateContract(rule(cel), 'tollgate.yaml'), cel).not.toThrow();
  });

  it('refuses a chain of operators too long to read, saying so rather than the stack overflow', () => {
    const error = contractErrorOf(
      rule(Array.from({ length: 10_000 }, (_, i) => `artifact.labels.v == "${i}"`).join(' || ')),
    );
    expect(error.message).toContain('rule "r": CEL: the expression nests too deeply to read');
    expect(error.message).not.toContain('call stack');
  });

  it('takes two levels, and comprehensions chained or side by side', () => {
    for (const cel of [
      'approvals.exists(a, a.decision == "approve" && ["alice", "bob"].exists(n, n == a.actor))',
      'promotions.filter(p, p.trusted).map(p, p.stage).all(s, s != "") && approvals.all(a, [1].all(x, x == 1))',
    ])
      expect(validateContract(rule(cel), 'tollgate.yaml').stages.dev?.requires.rules).toHaveLength(1);
  });

  it('takes a walk down into each item, which does not multiply, however deep', () => {
    const walk =
      'evidence.sbom.records.all(r, r.data.components.all(c, c.licenses.all(l, l in ["MIT", "Apache-2.0"])))';
    expect(validateContract(rule(walk), 'tollgate.yaml').stages.dev?.requires.rules).toHaveLength(1);
    // One more list inside the walk multiplies it once: two levels.
    const inner =
      'evidence.sbom.records.all(r, r.data.components.all(c, promotions.all(p, p.stage != c.name)))';
    expect(validateContract(rule(inner), 'tollgate.yaml').stages.dev?.requires.rules).toHaveLength(1);
    // The same depth over lists that are not the enclosing item is three lists multiplied.
    expect(
      contractErrorOf(
        rule('evidence.sbom.records.all(r, promotions.all(p, approvals.all(a, a.actor != p.actor)))'),
      ).message,
    ).toContain('nested 3 deep; at most 2');
  });
});

describe('contract size limit', () => {
  it(`refuses a contract over ${DEFAULT_MAX_CONTRACT_BYTES} bytes before parsing it`, () => {
    // Invalid YAML past the limit: a parse would report it; the limit must be what is reported.
    const text = `version: 1\n${'#'.repeat(DEFAULT_MAX_CONTRACT_BYTES)}\n: : :\n`;
    const error = contractErrorOf(text);
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.message).toContain(`over the limit of ${DEFAULT_MAX_CONTRACT_BYTES} bytes`);
    expect(error.message).toContain('TOLLGATE_CONTRACT_MAX_BYTES');
  });

  it('counts bytes, not characters', () => {
    // 400,000 three-byte characters: 1.2 MB in UTF-8 although under a million characters.
    const text = base(`    # ${'€'.repeat(400_000)}\n`);
    expect(text.length).toBeLessThan(DEFAULT_MAX_CONTRACT_BYTES);
    expect(contractErrorOf(text).message).toMatch(/contract is \d+ bytes, over the limit/);
  });

  it('reads a file only up to the limit, and takes a raised limit', () => {
    const dir = makeWorkspace(base(`    # ${'x'.repeat(DEFAULT_MAX_CONTRACT_BYTES)}\n`));
    const file = join(dir, 'tollgate.yaml');
    const error = tollgateErrorOf(() => readContract(file));
    expect(error.message).toMatch(
      /tollgate\.yaml: contract is 10\d{5} bytes, over the limit of 1048576 bytes/,
    );
    expect(readContract(file, { maxBytes: 2 * DEFAULT_MAX_CONTRACT_BYTES }).pipeline).toBe('shop');
    writeFileSync(file, base(''));
    expect(tollgateErrorOf(() => readContract(file, { maxBytes: 10 })).message).toContain(
      'over the limit of 10 bytes',
    );
  });

  it('refuses a file that is not UTF-8 at the first invalid byte, and keeps the digest of the bytes', () => {
    // Decoded leniently before, a Latin-1 "é" became U+FFFD: the contract loaded with a digest that no
    // sha256sum of the file gives, the same for any other invalid byte there.
    const text = base('    # caf\u00e9\n');
    const dir = makeWorkspace(text);
    const file = join(dir, 'tollgate.yaml');
    writeFileSync(file, Buffer.from(text, 'latin1'));
    const error = tollgateErrorOf(() => readContract(file));
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.message).toBe(
      `${file}:7:10: the file is not UTF-8 text; expected a contract saved as UTF-8 (convert it, e.g. with \`iconv -t UTF-8\`)`,
    );
    const bytes = Buffer.from(`\ufeff${text}`, 'utf8');
    writeFileSync(file, bytes);
    expect(readContract(file).digest).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  });
});

describe('deeply nested YAML', () => {
  // Refused before by the stack running out ("invalid YAML: Maximum call stack size exceeded"), at a
  // position somewhere in the middle of the nesting, or not at all with a smaller stack.
  const head = 'version: 1\npipeline: shop\n';
  const levels = 10_000;
  const deep: Record<string, string> = {
    'flow lists': `${head}artifact: ${'['.repeat(levels)}${']'.repeat(levels)}\n`,
    'flow maps': `${head}artifact: ${'{a: '.repeat(levels)}1${'}'.repeat(levels)}\n`,
    'block lists on one line': `${head}artifact:\n  ${'- '.repeat(levels)}x\n`,
    'block maps': `${head}artifact:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} x\n`,
    'lists and maps': `${head}artifact: ${'[{a: '.repeat(levels / 2)}1${'}]'.repeat(levels / 2)}\n`,
    'an anchor of a deep list': `${head}x-deep: &deep ${'['.repeat(levels)}${']'.repeat(levels)}\nartifact: *deep\n`,
  };

  it.each(Object.keys(deep))('refuses %s nested 10,000 deep, naming the line and the limit', (name) => {
    const error = contractErrorOf(deep[name]!);
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.message).toMatch(
      /^tollgate\.yaml:\d+:\d+: lists and maps nested more than 64 levels deep; /,
    );
    expect(error.message).not.toContain('call stack');
  });

  it('names the first list past the limit', () => {
    // The top-level map is level 1: `x-n` holds 63 more levels, the 64th `[` is one too many.
    const nested = (n: number) => `${base('')}x-n: ${'['.repeat(n)}${']'.repeat(n)}\n`;
    expect(validateContract(nested(63), 'tollgate.yaml').pipeline).toBe('shop');
    expect(contractErrorOf(nested(64)).message).toMatch(
      /^tollgate\.yaml:7:69: lists and maps nested more than 64 levels deep/,
    );
  });

  it('refuses aliases that nest a document past the limit, each part of it within the limit', () => {
    // Forty levels of lists, each holding the one before by alias: 1,600 levels once resolved.
    const chain = Array.from(
      { length: 40 },
      (_, i) => `x-${i}: &a${i} ${'['.repeat(40)}${i === 0 ? '1' : `*a${i - 1}`}${']'.repeat(40)}`,
    ).join('\n');
    const error = contractErrorOf(`${base('')}${chain}\n`);
    expect(error.message).toMatch(
      /^tollgate\.yaml:\d+:\d+: with its aliases resolved, lists and maps nested more than 64 levels deep/,
    );
  });

  it('refuses an alias inside the list or map it names, which would be endless', () => {
    for (const [text, where] of [
      [`${base('')}x-loop: &loop [ *loop ]\n`, '7:17'],
      [base('    requires: &r { tests: *r }\n'), '7:27'],
    ] as const)
      expect(contractErrorOf(text).message).toContain(
        `tollgate.yaml:${where}: alias *${where === '7:17' ? 'loop' : 'r'} is inside the list or map`,
      );
  });
});

describe('database URLs', () => {
  it.each([
    ['postgres://localhost:abc/test', 'has the port "abc"'],
    ['postgres://u:hunter2@localhost:99999/test', 'has the port "99999"'],
    ['postgres://u:hunter2@[::1/test', 'IPv6 host without its closing "]"'],
    ['postgres://:5432/test', 'is not a valid URL'],
    ['mysql://localhost/test', 'must be a postgres:// or postgresql:// URL'],
  ])('refuses %s as a usage error without echoing it', (url, why) => {
    const error = tollgateErrorOf(() => assertDatabaseUrl(url));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(why);
    expect(error.message).not.toContain('hunter2');
  });

  it('accepts the URLs PostgreSQL users write', () => {
    for (const url of [
      'postgres://127.0.0.1:5432/test',
      'postgresql://user:p%40ss@db.example.com/app?sslmode=require',
      'postgres://[::1]:5432/test',
      'postgres:///test',
    ])
      expect(() => assertDatabaseUrl(url)).not.toThrow();
  });
});

describe('the CLI with prototype names', () => {
  const CONTRACT = `version: 1
pipeline: shop
artifact: { type: oci }
stages:
  dev:
    purpose: fast feedback
    config: [dev.env]
    requires:
      tests: [{ suite: constructor }, { suite: __proto__ }, { suite: toString }]
      rules:
        - name: labels are data
          cel: 'artifact.labels["constructor"] == "y" && has(artifact.labels.valueof) && !has(artifact.labels.tostring)'
  constructor:
    purpose: a stage with an unlucky name
    from: dev
    config: [constructor.env]
    requires:
      approvals: { count: 1, from: ["group:constructor"] }
      windows: { deny: [{ from: 2000-01-01, until: 2000-01-02 }] }
groups:
  constructor: [alice]
`;
  const D = fakeDigest('proto');
  const report = `<testsuite name="s"><testcase classname="constructor" name="__proto__"/></testsuite>`;

  it('runs every command on a stage named constructor, suites and labels named like prototype members', async () => {
    const dir = makeWorkspace(CONTRACT, {
      'r.xml': report,
      'dev.env': 'constructor=1\nvalueOf=a\n',
      'constructor.env': 'constructor=2\nvalueOf=a\n',
    });
    const run = (...args: string[]) => runCli(args, { cwd: dir });
    const reg = await run('register', '--digest', D, '--label', 'constructor=y', '--label', 'valueof=z');
    expect(reg.code, reg.stderr).toBe(0);
    for (const suite of ['constructor', '__proto__', 'toString']) {
      const attest = await run('attest', 'tests', '--artifact', D, '--suite', suite, 'r.xml');
      expect(attest.code, attest.stderr).toBe(0);
    }
    const dev = await run('promote', 'dev', '--artifact', D);
    expect(dev.code, dev.stdout + dev.stderr).toBe(0);
    expect(dev.stdout).toContain('3 of 3 suite(s) pass');
    const pending = await run('check', 'constructor', '--artifact', D);
    expect(pending.code, pending.stdout + pending.stderr).toBe(2);
    expect(
      (
        await runCli(['approve', 'constructor', '--artifact', D], {
          cwd: dir,
          env: { TOLLGATE_ACTOR: 'alice' },
        })
      ).code,
    ).toBe(0);
    const promoted = await run('promote', 'constructor', '--artifact', D);
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    for (const args of [
      ['windows', 'constructor'],
      ['drift', 'dev', 'constructor'],
      ['history', 'constructor'],
      ['status'],
      ['explain', D],
    ]) {
      const result = await run(...args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
  });

  it.each([
    ['check', 'toString', '--artifact', D],
    ['promote', '__proto__', '--artifact', D],
    ['approve', 'hasOwnProperty', '--artifact', D],
    ['windows', 'valueOf'],
    ['drift', 'toString', 'dev'],
    ['history', '__proto__'],
    ['rollback', 'check', 'toString'],
  ])('answers %s %s with "no stage" (exit 3)', async (...args) => {
    const dir = makeWorkspace(CONTRACT);
    expect((await runCli(['register', '--digest', D], { cwd: dir })).code).toBe(0);
    const result = await runCli(args, { cwd: dir });
    expect(result.code, result.stderr).toBe(3);
    const name = args.find((arg) => /^(toString|__proto__|hasOwnProperty|valueOf)$/.test(arg));
    expect(result.stderr).toContain(`no stage "${name}"; stages are dev, constructor`);
  });

  it('refuses an oversized contract and a malformed database URL with exit 3', async () => {
    const dir = makeWorkspace(`${CONTRACT}# ${'x'.repeat(DEFAULT_MAX_CONTRACT_BYTES)}\n`, {
      'dev.env': 'A=1\n',
      'constructor.env': 'A=1\n',
    });
    const big = await runCli(['validate'], { cwd: dir });
    expect(big.code).toBe(3);
    expect(big.stderr).toContain('over the limit of 1048576 bytes');
    const raised = await runCli(['validate'], { cwd: dir, env: { TOLLGATE_CONTRACT_MAX_BYTES: '2M' } });
    expect(raised.code, raised.stderr).toBe(0);
    const url = await runCli(['status'], {
      cwd: makeWorkspace(CONTRACT),
      env: { TOLLGATE_DATABASE_URL: 'postgres://u:hunter2@localhost:abc/test' },
    });
    expect(url.code).toBe(3);
    expect(url.stderr).toContain('TOLLGATE_DATABASE_URL has the port "abc"');
    expect(url.stderr).not.toContain('hunter2');
  });
});
