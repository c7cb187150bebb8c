/**
 * The guided demo (`tollgate demo`, `npm start`): a walk of the example pipeline in
 * examples/checkout, each step a real CLI call printed with its output. Steps are data; add yours
 * in order. `{digest}` is replaced by the digest the register step printed.
 */
export interface DemoStep {
  /** What the step shows, printed before it. */
  say: string;
  args: string[];
  /** Who acts (TOLLGATE_ACTOR). */
  actor?: string;
  /** The clock for this step (TOLLGATE_NOW). */
  now?: string;
  /** The exit code this step must end with; the demo stops when another one comes. */
  expect: number;
  /** Copy a file inside the demo directory before the step (`[from, to]`), shown as `cp from to`. */
  copy?: [from: string, to: string];
  /** Capture the digest from this step's JSON output. */
  captureDigest?: boolean;
}

export const DEMO_STEPS: DemoStep[] = [
  {
    say: 'The contract: dev → staging → prod, each stage with its entry requirements.',
    args: ['validate'],
    expect: 0,
  },
  {
    say: 'CI builds the artifact and registers it by digest, with immutable labels.',
    args: [
      'register',
      '--file',
      'build/checkout-1.4.2.txt',
      '--label',
      'version=1.4.2',
      '--label',
      'commit=9f3c2ab',
      '--label',
      'author=dana',
      '--json',
    ],
    actor: 'ci-bot',
    now: '2026-11-23T09:00:00Z',
    expect: 0,
    captureDigest: true,
  },
  {
    say: 'CI attests the unit test results for that digest.',
    args: ['attest', 'tests', '--artifact', '{digest}', '--suite', 'unit', 'reports/unit.xml'],
    actor: 'ci-bot',
    now: '2026-11-23T09:02:00Z',
    expect: 0,
  },
  {
    say: 'May it enter dev?',
    args: ['check', 'dev', '--artifact', '{digest}'],
    actor: 'ci-bot',
    now: '2026-11-23T09:03:00Z',
    expect: 0,
  },
  {
    say: 'Promote it into dev: the decision is recorded in the ledger.',
    args: ['promote', 'dev', '--artifact', '{digest}'],
    actor: 'ci-bot',
    now: '2026-11-23T09:04:00Z',
    expect: 0,
  },
  {
    say: 'Integration tests ran (two skipped: the payment sandbox was down).',
    args: ['attest', 'tests', '--artifact', '{digest}', '--suite', 'integration', 'reports/integration.xml'],
    actor: 'ci-bot',
    now: '2026-11-23T10:00:00Z',
    expect: 0,
  },
  {
    say: 'Promote into staging: allowed, and the skipped tests are named as remaining risk.',
    args: ['promote', 'staging', '--artifact', '{digest}'],
    actor: 'ci-bot',
    now: '2026-11-23T10:05:00Z',
    expect: 0,
  },
  {
    say: "How far is prod's config from staging's? Declared differences pass with their reasons; an undeclared flag default change is over the flags budget (0).",
    args: ['drift', 'staging', 'prod'],
    now: '2026-11-23T10:06:00Z',
    expect: 1,
  },
  {
    say: 'Try prod straight away: BLOCKED — the required list says exactly what is missing.',
    args: ['check', 'prod', '--artifact', '{digest}'],
    actor: 'ci-bot',
    now: '2026-11-23T10:06:00Z',
    expect: 1,
  },
  {
    say: 'The end-to-end suite runs against staging and its results are attested as produced there.',
    args: [
      'attest',
      'tests',
      '--artifact',
      '{digest}',
      '--suite',
      'e2e',
      '--in',
      'staging',
      'reports/e2e-staging.xml',
    ],
    actor: 'ci-bot',
    now: '2026-11-23T11:00:00Z',
    expect: 0,
  },
  {
    say: 'The express-shipping default was flipped in prod by mistake: align it with staging, and the drift is within budget.',
    copy: ['fixes/prod.flagd.json', 'flags/prod.flagd.json'],
    args: ['drift', 'staging', 'prod'],
    now: '2026-11-23T11:30:00Z',
    expect: 0,
  },
  {
    say: 'Now prod is allowed; promote it.',
    args: ['promote', 'prod', '--artifact', '{digest}'],
    actor: 'ci-bot',
    now: '2026-11-24T11:00:00Z',
    expect: 0,
  },
  { say: 'What runs where.', args: ['status'], expect: 0 },
  { say: 'Every promotion into prod.', args: ['history', 'prod'], expect: 0 },
  { say: 'The ledger is hash-chained: recompute it.', args: ['ledger', 'verify'], expect: 0 },
];
