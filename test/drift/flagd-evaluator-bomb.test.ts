/**
 * flagd evaluators may refer to other evaluators (`{"$ref": "name"}`), and each reference is written
 * out in full into the flag's targeting. Forty levels that each use the level below twice are 2^40
 * copies from a file of a few kilobytes: the reader ran until it was killed. Refused instead, as
 * a YAML alias bomb is.
 */
import { describe, expect, it } from 'vitest';
import { driftYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = driftYaml('        budget: { flags: 0 }', { config: ['flags/STAGE.flagd.json'] });

function flags(levels: number): string {
  const evaluators: Record<string, unknown> = { e0: { '==': [{ var: 'email' }, 'a@example.com'] } };
  for (let i = 1; i < levels; i++)
    evaluators[`e${i}`] = { or: [{ $ref: `e${i - 1}` }, { $ref: `e${i - 1}` }] };
  return JSON.stringify({
    $evaluators: evaluators,
    flags: {
      beta: {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: { if: [{ $ref: `e${levels - 1}` }, 'on', 'off'] },
      },
    },
  });
}

describe('flagd evaluator bomb', () => {
  it('is refused instead of written out 2^40 times', async () => {
    const small = flags(3);
    const dir = makeWorkspace(CONTRACT, {
      'flags/staging.flagd.json': small,
      'flags/prod.flagd.json': flags(40),
    });
    // The kill turns a stall into a failure rather than a hung test run.
    const result = await runCli(['drift', 'staging', 'prod'], { cwd: dir, killAfterMs: 60_000 });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'flags/prod.flagd.json: invalid flagd definition: flag "beta": its evaluators ($ref) expand to too many values',
    );
  }, 90_000);
});
