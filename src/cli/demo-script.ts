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

/** An admission controller's check of the staging verdict, with the verifier's public key only. */
const VERIFY_STAGING = [
  'verify',
  'staging.vsa.json',
  '--key',
  'keys/verifier.pub',
  '--digest',
  '{digest}',
  '--stage',
  'staging',
];

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
    say: 'CI attests the SBOM syft wrote (CycloneDX 1.6): components, SPDX licences, package URLs.',
    args: ['attest', 'sbom', '--artifact', '{digest}', 'attestations/sbom.cdx.json'],
    actor: 'ci-bot',
    now: '2026-11-23T10:00:30Z',
    expect: 0,
  },
  {
    say: "And Grype's scan: one critical (libexpat) that staging allows until 2026-12-31 with a reason, one high, within the limits (critical 0, high 2).",
    args: ['attest', 'scan', '--artifact', '{digest}', 'reports/grype.json'],
    actor: 'ci-bot',
    now: '2026-11-23T10:00:40Z',
    expect: 0,
  },
  {
    say: 'CI signs its build provenance (an in-toto SLSA v1 statement) with its key: a DSSE envelope.',
    args: [
      'sign',
      '--key',
      'keys/ci.key',
      '--output',
      'provenance.dsse.json',
      'attestations/provenance.intoto.json',
    ],
    actor: 'ci-bot',
    now: '2026-11-23T10:01:00Z',
    expect: 0,
  },
  {
    say: 'Attest it: the statement must name this digest, and the signature must verify with trust.keys.ci (staging requires signedBy ci for provenance).',
    args: ['attest', 'statement', '--artifact', '{digest}', 'provenance.dsse.json'],
    actor: 'ci-bot',
    now: '2026-11-23T10:02:00Z',
    expect: 0,
  },
  {
    say: 'Promote into staging: allowed, the skipped tests are named as remaining risk, and Tollgate signs its verdict (a SLSA VSA).',
    args: ['promote', 'staging', '--artifact', '{digest}', '--vsa-out', 'staging.vsa.json'],
    actor: 'ci-bot',
    now: '2026-11-23T10:05:00Z',
    expect: 0,
  },
  {
    say: "An admission controller's view, with the verifier's public key only: the verdict is signed and names staging, but it is a demo's, decided at a clock the demo set, so it admits nothing (exit 1).",
    args: VERIFY_STAGING,
    expect: 1,
  },
  {
    say: 'Told that this is a demo (--allow-demo), the same check admits this digest to staging.',
    args: [...VERIFY_STAGING, '--allow-demo'],
    expect: 0,
  },
  {
    say: 'The same verdict does not admit it to prod (exit 1).',
    args: [
      'verify',
      'staging.vsa.json',
      '--key',
      'keys/verifier.pub',
      '--digest',
      '{digest}',
      '--stage',
      'prod',
      '--allow-demo',
    ],
    expect: 1,
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
  // People and time (docs/policy.md): prod also needs 24h in staging and two approvals from
  // release-managers, never by the author (dana) nor the promoter.
  {
    say: 'Tests and drift are fine now, but prod is PENDING (exit 2): the soak in staging ends at an exact time, and two approvals are missing; it names who can give them.',
    args: ['check', 'prod', '--artifact', '{digest}'],
    actor: 'ci-bot',
    now: '2026-11-23T11:35:00Z',
    expect: 2,
  },
  {
    say: 'The author approves her own release: recorded, but it does not count (notBy: author).',
    args: ['approve', 'prod', '--artifact', '{digest}'],
    actor: 'dana',
    now: '2026-11-23T11:40:00Z',
    expect: 0,
  },
  {
    say: 'Two release managers approve.',
    args: ['approve', 'prod', '--artifact', '{digest}', '--comment', 'release notes reviewed'],
    actor: 'alice',
    now: '2026-11-23T13:00:00Z',
    expect: 0,
  },
  {
    say: '(second approval)',
    args: ['approve', 'prod', '--artifact', '{digest}'],
    actor: 'bob',
    now: '2026-11-23T14:00:00Z',
    expect: 0,
  },
  {
    say: 'Approvals are complete; only the soak is left, and the decision says until when.',
    args: ['check', 'prod', '--artifact', '{digest}'],
    actor: 'ci-bot',
    now: '2026-11-23T14:05:00Z',
    expect: 2,
  },
  {
    say: 'The next morning (the clock is set with TOLLGATE_NOW): 24h in staging and two eligible approvals, outside the weekend freeze — allowed; promote it.',
    args: ['promote', 'prod', '--artifact', '{digest}'],
    actor: 'ci-bot',
    now: '2026-11-24T11:00:00Z',
    expect: 0,
  },
  // The contract is pinned (docs/contract.md): the first promotion recorded it in the ledger.
  {
    say: 'The rules are pinned: the first promotion recorded this contract. Promoting under a looser file is refused (exit 3), naming both digests.',
    args: ['-c', 'fixes/loose.yaml', 'promote', 'prod', '--artifact', '{digest}', '--again'],
    actor: 'mallory',
    now: '2026-11-24T11:10:00Z',
    expect: 3,
  },
  {
    say: 'Recording the looser contract needs an admin of the contract in force; the admins it names itself do not count.',
    args: ['-c', 'fixes/loose.yaml', 'contract', 'update'],
    actor: 'mallory',
    now: '2026-11-24T11:11:00Z',
    expect: 3,
  },
  {
    say: 'Every version of the contract, with who recorded it and how.',
    args: ['contract', 'versions'],
    now: '2026-11-24T11:12:00Z',
    expect: 0,
  },
  // Rollback (docs/rollback.md): 1.5.0 follows 1.4.2 into prod, its error rate trips, and the
  // ledger names 1.4.2 as the last known good digest. The digest is that of build/checkout-1.5.0.txt.
  {
    say: 'A day later CI builds 1.5.0 and walks it through dev and staging the same way.',
    args: [
      'register',
      '--file',
      'build/checkout-1.5.0.txt',
      '--label',
      'version=1.5.0',
      '--label',
      'author=dana',
    ],
    actor: 'ci-bot',
    now: '2026-11-25T09:00:00Z',
    expect: 0,
  },
  {
    say: "1.5.0's own unit test run (the same report file attested for two digests would block the second: an unsigned report names no build).",
    args: [
      'attest',
      'tests',
      '--artifact',
      'sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9',
      '--suite',
      'unit',
      'reports/unit-1.5.0.xml',
    ],
    actor: 'ci-bot',
    now: '2026-11-25T09:02:00Z',
    expect: 0,
  },
  {
    say: 'Into dev.',
    args: [
      'promote',
      'dev',
      '--artifact',
      'sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9',
    ],
    actor: 'ci-bot',
    now: '2026-11-25T09:05:00Z',
    expect: 0,
  },
  {
    say: 'Integration tests for 1.5.0.',
    args: [
      'attest',
      'tests',
      '--artifact',
      'sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9',
      '--suite',
      'integration',
      'reports/integration-1.5.0.xml',
    ],
    actor: 'ci-bot',
    now: '2026-11-25T10:00:00Z',
    expect: 0,
  },
  {
    say: "Grype's CycloneDX output for 1.5.0 is an SBOM and a scan in one file: `attest evidence` detects it and records both.",
    args: [
      'attest',
      'evidence',
      '--artifact',
      'sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9',
      'reports/grype-1.5.0.cdx.json',
    ],
    actor: 'ci-bot',
    now: '2026-11-25T10:01:00Z',
    expect: 0,
  },
  {
    say: 'Into staging.',
    args: [
      'promote',
      'staging',
      '--artifact',
      'sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9',
    ],
    actor: 'ci-bot',
    now: '2026-11-25T10:05:00Z',
    expect: 0,
  },
  {
    say: 'End-to-end tests in staging for 1.5.0.',
    args: [
      'attest',
      'tests',
      '--artifact',
      'sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9',
      '--suite',
      'e2e',
      '--in',
      'staging',
      'reports/e2e-staging-1.5.0.xml',
    ],
    actor: 'ci-bot',
    now: '2026-11-25T12:00:00Z',
    expect: 0,
  },
  {
    say: '1.5.0 fixes checkout timeouts customers are hitting: two release managers approve it for prod.',
    args: [
      'approve',
      'prod',
      '--artifact',
      'sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9',
      '--comment',
      'fix for INC-42',
    ],
    actor: 'alice',
    now: '2026-11-25T13:00:00Z',
    expect: 0,
  },
  {
    say: '(second approval)',
    args: [
      'approve',
      'prod',
      '--artifact',
      'sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9',
    ],
    actor: 'bob',
    now: '2026-11-25T13:30:00Z',
    expect: 0,
  },
  {
    say: 'Release manager carol promotes 1.5.0 before its 24h soak, overriding that gate with a reason (only `overrides` actors may): the soak shows as waived and as risk; the decision names 1.4.2 as the rollback target.',
    args: [
      'promote',
      'prod',
      '--artifact',
      'sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9',
      '--override',
      'soak',
      '--reason',
      'INC-42: checkout timeouts; staging verified for 4h',
    ],
    actor: 'carol',
    now: '2026-11-25T14:00:00Z',
    expect: 0,
  },
  {
    say: 'Twenty minutes later the error rate has been above 2% for 5 minutes: the condition TRIPS (exit 1).',
    args: ['rollback', 'check', 'prod'],
    now: '2026-11-25T14:20:00Z',
    expect: 1,
  },
  {
    say: 'Roll back: the ledger records who, why and the values; 1.5.0 is marked rolled-back; the deploy command gets the previous digest.',
    args: [
      'rollback',
      'prod',
      '--exec',
      'echo "deploy $TOLLGATE_DIGEST to $TOLLGATE_STAGE (replacing $TOLLGATE_PREVIOUS_DIGEST)"',
    ],
    actor: 'oncall-kim',
    now: '2026-11-25T14:21:00Z',
    expect: 0,
  },
  {
    say: "1.4.2's passport: every piece of evidence (kind, format, signer, stage, time) and its standing in each stage.",
    args: ['explain', '{digest}'],
    now: '2026-11-25T14:30:00Z',
    expect: 0,
  },
  { say: 'What runs where.', args: ['status'], expect: 0 },
  { say: 'Every promotion into prod.', args: ['history', 'prod'], expect: 0 },
  { say: 'The ledger is hash-chained: recompute it.', args: ['ledger', 'verify'], expect: 0 },
];
