/**
 * Policy benchmarks (issue 5):
 * - window evaluation: the open/closed timeline of a stage with 20 window rules (weekly, daily,
 *   monthly and one-off, in five time zones) over a whole year, in-process; target ≤ 5 ms.
 *   Baseline: the same occurrence starts computed with naive UTC date arithmetic (no RRULE, no
 *   time zones), to show what correctness costs.
 * - CEL: rule evaluations per second with each rule compiled once; target ≥ 50,000/s. Baseline:
 *   the same rule written as a plain JavaScript function.
 */
import { buildRuleContext, compileRule, evaluateRule } from '../src/policy/cel.js';
import { compileWindows } from '../src/policy/window-compile.js';
import type { WindowSpec } from '../src/policy/window-spec.js';
import { windowState, windowTimeline } from '../src/policy/window-timeline.js';
import { type BenchResult, interleaved } from './bench-util.js';

const DAY = 86_400_000;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney', 'UTC'];
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

function twentyRules(): { deny: WindowSpec[]; allow: WindowSpec[] } {
  const deny: WindowSpec[] = [];
  for (let i = 0; i < 10; i++) {
    deny.push({
      rrule: `FREQ=WEEKLY;BYDAY=${DAYS[i % 7]};BYHOUR=${(i * 5) % 24}`,
      duration: `${1 + (i % 5)}h`,
      tz: ZONES[i % 5]!,
    });
  }
  for (let i = 0; i < 4; i++)
    deny.push({ rrule: `FREQ=DAILY;BYHOUR=${2 + i};BYMINUTE=30`, duration: '20m', tz: ZONES[i]! });
  for (let i = 0; i < 2; i++)
    deny.push({ rrule: `FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=${15 + i}`, duration: '2d17h', tz: ZONES[i]! });
  deny.push({ from: '2026-12-21', until: '2027-01-04', tz: 'Europe/Berlin' });
  deny.push({ from: '2027-04-02T12:00', until: '2027-04-06T08:00', tz: 'Europe/Berlin' });
  const allow: WindowSpec[] = [
    { rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7', duration: '12h', tz: 'Europe/Berlin' },
    { rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9', duration: '8h', tz: 'America/New_York' },
  ];
  return { deny, allow };
}

/** A fresh copy of the rules (new names), so nothing is cached from an earlier round. */
let generation = 0;
function freshWindows() {
  generation++;
  const { deny, allow } = twentyRules();
  const rename = (w: WindowSpec, i: number) => ({ ...w, name: `g${generation}-${i}` });
  return compileWindows({ deny: deny.map(rename), allow: allow.map(rename) });
}

function benchWindows(): BenchResult[] {
  const warm = compileWindows(twentyRules());
  const start = new Date('2026-06-01T00:00:00Z');
  const end = new Date(start.getTime() + 365 * DAY);
  const decisionTime = new Date('2026-11-28T10:00:00Z');
  let periods = 0;
  // Naive baseline: weekly/daily starts by adding fixed milliseconds in UTC.
  const naive = () => {
    let count = 0;
    for (let r = 0; r < 20; r++) {
      const step = r < 10 || r >= 18 ? 7 * DAY : DAY;
      for (let t = start.getTime() + r * 3_600_000; t < end.getTime(); t += step)
        count += new Date(t).getUTCDay() >= 0 ? 1 : 0;
    }
    return count;
  };
  const timed = (fn: () => unknown) => () => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  windowTimeline(warm, start, end);
  const year = interleaved(
    30,
    timed(() => {
      periods = windowTimeline(warm, start, end).length;
    }),
    timed(naive),
  );
  const yearCold = interleaved(
    5,
    () => {
      const windows = freshWindows();
      const t = performance.now();
      windowTimeline(windows, start, end);
      return performance.now() - t;
    },
    timed(naive),
  );
  const stateCold = interleaved(
    30,
    () => {
      const windows = freshWindows();
      const t = performance.now();
      windowState(windows, decisionTime);
      return performance.now() - t;
    },
    timed(naive),
  );
  const note = 'baseline = naive UTC arithmetic for the same starts (no RRULE, no zones)';
  return [
    {
      name: 'windows: 20 rules, full-year timeline (expansion cached per contract load)',
      target: '≤ 5 ms',
      value: year.value,
      baseline: year.baseline,
      ratio: year.value / year.baseline,
      unit: 'ms',
      pass: year.value <= 5,
      note: `${periods} open/closed periods; ${note}`,
    },
    {
      name: 'windows: 20 rules, first decision in a process (open now? next opening?)',
      target: '≤ 5 ms',
      value: stateCold.value,
      baseline: stateCold.baseline,
      ratio: stateCold.value / stateCold.baseline,
      unit: 'ms',
      pass: stateCold.value <= 5,
      note: `what \`check\`/\`promote\` compute, nothing cached; ${note}`,
    },
    {
      name: 'windows: 20 rules, full-year timeline from cold (informational)',
      target: 'none',
      value: yearCold.value,
      baseline: yearCold.baseline,
      ratio: yearCold.value / yearCold.baseline,
      unit: 'ms',
      pass: true,
      note: `first expansion of a whole year in a new process (rrule-temporal in real zones); ${note}`,
    },
  ];
}

function benchCel(): BenchResult[] {
  const source = 'artifact.labels.?kind.orValue("") != "hotfix" || has(artifact.labels.ticket)';
  const second =
    'upstream.staging.verified && now - upstream.staging.at >= duration("24h") && evidence.tests.suites.e2e.failed == 0';
  const context = buildRuleContext({
    artifact: {
      digest: `sha256:${'a'.repeat(64)}`,
      labels: { kind: 'hotfix', ticket: 'OPS-1' },
      registeredAt: '2026-11-20T08:00:00Z',
      source: 'digest',
      author: 'dana',
    },
    stage: { name: 'prod', purpose: 'live', from: ['staging'] },
    actor: { name: 'alice', groups: ['release-managers'] },
    now: new Date('2026-11-27T12:00:00Z'),
    evidence: [
      {
        stage: 'staging',
        format: 'junit',
        signer: null,
        actor: 'ci',
        recordedAt: '2026-11-26T10:00:00Z',
        data: { kind: 'tests', suite: 'e2e', tests: 120, passed: 120, failed: 0, errored: 0, skipped: 0 } as {
          kind: string;
        },
      },
    ],
    promotions: [{ seq: 3, stage: 'staging', status: 'verified', actor: 'ci', at: '2026-11-26T09:00:00Z' }],
    approvals: [],
  });
  const program = (text: string) => {
    const compiled = compileRule(text);
    if (!compiled.ok) throw new Error(compiled.message);
    return compiled.program;
  };
  const rules = [program(source), program(second)];
  const N = 20_000;
  let ok = 0;
  const cel = () => {
    const t = performance.now();
    for (let i = 0; i < N; i++) {
      const outcome = evaluateRule(rules[i & 1]!, context);
      if (outcome.ok && outcome.value) ok++;
    }
    return (N / (performance.now() - t)) * 1000;
  };
  const plain = () => {
    const labels = { kind: 'hotfix', ticket: 'OPS-1' } as Record<string, string>;
    const t = performance.now();
    for (let i = 0; i < N; i++) if ((labels.kind ?? '') !== 'hotfix' || 'ticket' in labels) ok++;
    return (N / (performance.now() - t)) * 1000;
  };
  const rate = interleaved(15, cel, plain);
  return [
    {
      name: 'CEL: rule evaluations per second, compiled once',
      target: '≥ 50,000/s',
      value: rate.value,
      baseline: rate.baseline,
      ratio: rate.value / rate.baseline,
      unit: 'evals/s',
      pass: rate.value >= 50_000 && ok > 0,
      note: 'two rules alternating (labels with optional lookup; upstream soak, duration and evidence); baseline = the first rule as a JavaScript function',
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  return [...benchWindows(), ...benchCel()];
}
