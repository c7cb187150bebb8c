/**
 * Gates that can be known, without a clock, never to open or never to check anything: each is
 * refused when the contract loads, at its line, saying what was expected.
 */
import { describe, expect, it } from 'vitest';
import { validateContract } from '../../src/contract/load-contract.js';
import { contractErrorOf, tollgateErrorOf } from '../support/builders.js';

/** A contract whose one stage, prod, requires `requires` (YAML indented 6, lines from 8). */
const prodRequiring = (requires: string) => `version: 1
pipeline: shop
artifact: { type: oci }
stages:
  prod:
    purpose: live
    requires:
${requires}
`;

const withWindow = (kind: 'allow' | 'deny', window: string) =>
  prodRequiring(`      windows:\n        ${kind}:\n          - ${window}`);

describe('windows that never occur', () => {
  it.each([
    [
      'the sixth Monday of a month',
      'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6',
      'no occurrence in the 4,801 MONTHLY periods',
    ],
    [
      'the second Monday of a one-day weekly set',
      'FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2',
      'no occurrence in the 10,000 WEEKLY periods',
    ],
    [
      'day 200 of the year in January',
      'FREQ=YEARLY;BYYEARDAY=200;BYMONTH=1',
      'no occurrence in the 401 YEARLY periods',
    ],
    [
      'ISO week 20 in January',
      'FREQ=YEARLY;BYWEEKNO=20;BYMONTH=1',
      'no occurrence in the 401 YEARLY periods',
    ],
    [
      '29 February every fourth year from 2001',
      'FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29',
      'no occurrence in the 101 YEARLY periods',
    ],
    [
      'every seventh day on Tuesdays from a Monday',
      'FREQ=DAILY;INTERVAL=7;BYDAY=TU',
      'no occurrence from its start',
    ],
    [
      'the first Monday on the 15th',
      'FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=15',
      'no occurrence in the 4,801 MONTHLY periods',
    ],
    [
      'an UNTIL before the default start',
      'FREQ=WEEKLY;BYDAY=FR;UNTIL=19991231',
      "UNTIL=19991231 is before the rule's start (2001-01-01T00:00:00)",
    ],
  ])('refuses a freeze on %s, which would never happen', (_name, rrule, expected) => {
    const error = contractErrorOf(withWindow('deny', `{ rrule: "${rrule}", duration: 1d }`));
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.message).toContain(
      'tollgate.yaml:10:22: stages.prod.requires.windows.deny.0.rrule: invalid RRULE',
    );
    expect(error.message).toContain(expected);
    expect(error.message).toContain('never occurs');
  });

  it('refuses an allow window whose UNTIL comes before its own start, which would never open', () => {
    const error = contractErrorOf(
      withWindow(
        'allow',
        '{ rrule: "FREQ=DAILY;UNTIL=20250101T000000Z", start: "2026-01-01T09:00", duration: 8h }',
      ),
    );
    expect(error.message).toContain(
      'stages.prod.requires.windows.allow.0.rrule: invalid RRULE "FREQ=DAILY;UNTIL=20250101T000000Z": UNTIL=20250101T000000Z is before the rule\'s start (2026-01-01T09:00)',
    );
  });

  it.each(['20260230', '20261301', '20260101T240000Z', '20260101T126000Z'])(
    'refuses UNTIL=%s, a date or time that does not exist',
    (until) => {
      const error = contractErrorOf(
        withWindow('deny', `{ rrule: "FREQ=WEEKLY;UNTIL=${until}", duration: 1d }`),
      );
      expect(error.message).toContain(`UNTIL=${until}: no such date or time`);
    },
  );

  it('still loads rules that occur rarely, late, or only up to an UNTIL near their start', () => {
    for (const rrule of [
      // Five Mondays in February: 2016, 2044.
      'FREQ=YEARLY;BYMONTH=2;BYDAY=5MO',
      'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO',
      // From 2001 every third year reaches 2004.
      'FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29',
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;UNTIL=20010106',
      'FREQ=YEARLY;BYWEEKNO=1;BYMONTH=12',
    ])
      expect(
        () => validateContract(withWindow('deny', `{ rrule: "${rrule}", duration: 1d }`), 'tollgate.yaml'),
        rrule,
      ).not.toThrow();
    // Every fourth year from a leap year.
    expect(() =>
      validateContract(
        withWindow(
          'deny',
          '{ rrule: "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", start: "2004-01-01T00:00", duration: 1d }',
        ),
        'tollgate.yaml',
      ),
    ).not.toThrow();
  });
});

describe('allow windows open at all times', () => {
  it.each([
    ['FREQ=DAILY', '1d', 'DAILY, each occurrence lasting 1d'],
    ['FREQ=HOURLY', '60m', 'HOURLY, each occurrence lasting 60m'],
    ['FREQ=WEEKLY;BYDAY=MO;BYHOUR=9', '7d', 'WEEKLY, each occurrence lasting 7d'],
    ['FREQ=DAILY;INTERVAL=2', '50h', 'DAILY every 2, each occurrence lasting 50h'],
  ])(
    'refuses %s lasting %s without a freeze beside it: the gate would check nothing',
    (rrule, duration, what) => {
      const error = contractErrorOf(withWindow('allow', `{ rrule: "${rrule}", duration: ${duration} }`));
      expect(error.message).toContain(
        `stages.prod.requires.windows.allow.0.duration: the window is open all the time: ${what}, runs into the next, so \`allow\` restricts nothing and, with no \`deny\`, this gate checks nothing`,
      );
    },
  );

  it('still loads windows with gaps, a later start, or a freeze beside them', () => {
    for (const window of [
      '{ rrule: "FREQ=DAILY;BYHOUR=8", duration: 23h }',
      // A calendar day of 25 hours leaves an hour of 24h uncovered where clocks go back.
      '{ rrule: "FREQ=DAILY;BYHOUR=8", duration: 24h, tz: Europe/Berlin }',
      '{ rrule: "FREQ=WEEKLY;INTERVAL=2", duration: 1w }',
      '{ rrule: "FREQ=DAILY", start: "2030-01-01T00:00", duration: 1d }',
    ])
      expect(() => validateContract(withWindow('allow', window), 'tollgate.yaml'), window).not.toThrow();
    const withFreeze = withWindow('allow', '{ rrule: "FREQ=DAILY", duration: 1d }').replace(
      '      windows:\n',
      '      windows:\n        deny: [{ rrule: "FREQ=WEEKLY;BYDAY=FR", duration: 1d }]\n',
    );
    expect(() => validateContract(withFreeze, 'tollgate.yaml')).not.toThrow();
  });
});

const threeStages = (requires: string) => `version: 1
pipeline: shop
artifact: { type: oci }
stages:
  dev:
    purpose: fast feedback
  staging:
    purpose: release candidates
    from: dev
    requires:
      ${requires}
  perf:
    purpose: load tests
    from: staging
  prod:
    purpose: live
    from: perf
`;

describe('evidence asked of a stage the digest reaches only later', () => {
  it.each([
    [
      'tests: [{ suite: e2e, in: prod }]',
      '11:33',
      'stages.staging.requires.tests.0.in',
      'been tested',
      'name staging itself or a stage upstream of it',
    ],
    [
      'verifiedIn: [dev, perf]',
      '11:25',
      'stages.staging.requires.verifiedIn.1',
      'been verified',
      'name a stage upstream of it',
    ],
    [
      'soak: { duration: 1h, in: perf }',
      '11:33',
      'stages.staging.requires.soak.in',
      'soaked',
      'name a stage upstream of it',
    ],
  ])('refuses %s, which no first promotion could meet', (requires, at, path, what, hint) => {
    const error = contractErrorOf(threeStages(requires));
    const stage = /in: (\w+)|, (\w+)\]/.exec(requires)!;
    const named = stage[1] ?? stage[2];
    expect(error.message).toBe(
      `tollgate.yaml:${at}: ${path}: "${named}" comes after staging (its \`from\` leads back to staging): a digest enters staging before it can enter ${named}, so it cannot have ${what} there yet and the gate would refuse every first promotion; ${hint}`,
    );
  });

  it('still loads evidence asked of an upstream stage, a stage on another branch, and a suite run in the stage itself', () => {
    const contract = validateContract(
      threeStages('tests: [{ suite: unit, in: dev }, { suite: e2e, in: staging }]').replace(
        '  prod:',
        '  canary:\n    purpose: a branch\n    from: dev\n    requires: { verifiedIn: staging }\n  prod:',
      ),
      'tollgate.yaml',
    );
    expect(Object.keys(contract.stages)).toEqual(['dev', 'staging', 'perf', 'canary', 'prod']);
  });
});

const withRule = (cel: string) =>
  prodRequiring(`      rules:\n        - name: gate\n          cel: '${cel}'`);

describe('CEL rules that judge nothing', () => {
  it.each(['true', '1 == 1', '!false', '"a" == "a"', '[1, 2].all(x, x > 0)', 'size("abc") == 3'])(
    'refuses %s, which reads nothing of the promotion and passes or fails every digest alike',
    (cel) => {
      const error = contractErrorOf(withRule(cel));
      expect(error.message).toContain(
        'tollgate.yaml:10:16: stages.prod.requires.rules.0.cel: rule "gate": CEL: the rule reads nothing of the promotion',
      );
    },
  );

  it('refuses a rule or-ed with true, naming the column of the true', () => {
    const error = contractErrorOf(withRule('artifact.labels.?kind.orValue("") == "app" || true'));
    expect(error.message).toContain(
      '`|| true` (column 47 of the expression) makes the rule true whatever the rest says',
    );
  });

  it('still loads rules that read the promotion, however short', () => {
    for (const cel of [
      'has(artifact.labels.ticket)',
      'now > timestamp("2026-01-01T00:00:00Z")',
      'approvals.exists(a, a.actor == "dana") || stage.name == "dev"',
    ])
      expect(() => validateContract(withRule(cel), 'tollgate.yaml'), cel).not.toThrow();
  });
});

describe('the budget of expansion one contract load may spend on windows', () => {
  /** A contract with stages a and b, each denying the given rules. */
  const twoStagesDenying = (a: string[], b: string[]) => `version: 1
pipeline: shop
artifact: { type: oci }
stages:
${[
  ['a', a],
  ['b', b],
]
  .map(
    ([stage, rules]) =>
      `  ${stage}:\n    purpose: ${stage}\n    requires:\n      windows:\n        deny:\n${(rules as string[])
        .map((rrule) => `          - { rrule: "${rrule}", duration: 1d }`)
        .join('\n')}`,
  )
  .join('\n')}
`;
  const SIXTH_MONDAY = 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6';

  it('refuses many windows that never occur as too costly, naming the first over budget, across stages', () => {
    // Each costs 4,801 periods: six fit in the default 30,000, the seventh (b's third) does not.
    const error = contractErrorOf(
      twoStagesDenying(Array(4).fill(SIXTH_MONDAY), Array(500).fill(SIXTH_MONDAY)),
    );
    expect(error.code).toBe('CONTRACT_INVALID');
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[6]).toMatch(
      /^tollgate\.yaml:\d+:\d+: stages\.b\.requires\.windows\.deny\.2\.rrule: invalid RRULE/,
    );
    expect(lines[6]).toContain('too costly to check');
    expect(lines.slice(0, 6).every((line) => line.includes('never occurs'))).toBe(true);
  });

  it('counts the budget passed with the load, not one per windows section', () => {
    const error = tollgateErrorOf(() =>
      validateContract(twoStagesDenying([SIXTH_MONDAY], [SIXTH_MONDAY]), 'tollgate.yaml', '.', {
        expansionPeriods: 4_801,
      }),
    );
    expect(error.message).toContain('stages.b.requires.windows.deny.0.rrule');
    expect(error.message).toContain('too costly to check');
  });

  it('loads an ordinary contract of BYSETPOS windows within a budget of a few periods', () => {
    const ordinary = [
      'FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1',
      'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1',
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
      'FREQ=YEARLY;BYMONTH=9;BYDAY=MO;BYSETPOS=1',
      'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24,25,26;BYSETPOS=1',
    ];
    const contract = validateContract(twoStagesDenying(ordinary, ordinary), 'tollgate.yaml', '.', {
      expansionPeriods: 10,
    });
    expect(contract.stages.b?.requires.windows?.deny).toHaveLength(5);
  });
});
