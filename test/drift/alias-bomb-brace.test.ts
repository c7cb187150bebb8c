/**
 * An alias bomb is refused by the alias budget (src/drift/yaml-reader.ts), but a check that ran
 * before it, for a mapping key that is a map (started by any `{` or `?` in the file, even in a
 * comment), walked the parsed documents with the aliases still shared: once per path through the
 * graph, 9^10 paths for ten levels of nine aliases, minutes of CPU before the budget ever ran.
 */
import { describe, expect, it } from 'vitest';
import { driftYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = driftYaml('        budget: { security: 0 }');

function bomb(levels: number): string {
  const lines = [
    '# a comment with a { in it',
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ];
  for (let i = 1; i < levels; i++) {
    const name = `l${i}`;
    const previous = i === 1 ? 'a' : `l${i - 1}`;
    lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('YAML alias bomb with a brace', () => {
  it('is refused by the alias budget instead of walked path by path', async () => {
    const dir = makeWorkspace(CONTRACT, { 'values/staging.yaml': 'a: 1\n', 'values/prod.yaml': bomb(14) });
    // The kill turns a stall into a failure rather than a hung test run.
    const result = await runCli(['drift', 'staging', 'prod'], { cwd: dir, killAfterMs: 60_000 });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('values/prod.yaml: YAML aliases expand to too many values');
    expect(result.stderr).toContain('an alias bomb is refused');
  }, 90_000);
});
