/**
 * The JUnit report a CI reader scans names the artifact by its short digest only when no other
 * registered artifact shares it; with a look-alike the suite carries the full digest and a warning,
 * and a test case of its own names the look-alike, so the short form never stands for both.
 */
import { describe, expect, it } from 'vitest';
import { decisionToJunit } from '../../src/ci/junit-report.js';
import { decide } from '../../src/decide.js';
import { factsOf } from '../support/builders.js';
import { APPROVED_PROD, GENUINE, IMPOSTOR } from '../support/lookalikes.js';

const CONTRACT = APPROVED_PROD;
const ARTIFACT = {
  digest: IMPOSTOR,
  labels: { version: '1.0.0' },
  registeredAt: '2026-11-26T08:00:00.000Z',
  source: 'digest' as const,
};

describe('the JUnit report with a look-alike', () => {
  it('names the full digest in the suite and adds a warning test case, and stays short without one', () => {
    const decision = decide(
      CONTRACT,
      'prod',
      factsOf({
        artifact: ARTIFACT,
        lookalikes: [{ digest: GENUINE, registeredBy: 'ci', registeredAt: '2026-11-24T09:00:00.000Z' }],
      }),
    );
    const junit = decisionToJunit(decision);
    expect(junit).toContain(`<testsuite name="prod ← ${IMPOSTOR} (WARNING: look-alike): blocked"`);
    expect(junit).not.toContain(`${IMPOSTOR.slice(0, 19)}:`);
    expect(junit).toContain(
      `name="artifact: WARNING look-alike of ${GENUINE}, registered by ci at 2026-11-24T09:00:00.000Z: compare the full digest ${IMPOSTOR}"`,
    );
    // The extra case is counted, and is no failure: a look-alike never blocks.
    expect(junit).toContain(`tests="${decision.gates.length + 1}" failures="2"`);

    // With no look-alike registered, the short form is kept and nothing is flagged.
    const plain = decisionToJunit(decide(CONTRACT, 'prod', factsOf({ artifact: ARTIFACT })));
    expect(plain).toContain('<testsuite name="prod ← sha256:0123456789ab: blocked"');
    expect(plain).not.toContain('look-alike');
  });
});
