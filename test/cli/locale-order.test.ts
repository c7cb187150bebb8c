/**
 * A decision is the same text on every machine: findings are listed in code-unit order, not in
 * the machine locale's collation (under LANG=da_DK, "aa" sorts after "z").
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stagingYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';

const DIGEST = `sha256:${'4c'.repeat(32)}`;
const CONTRACT = stagingYaml('      vulnerabilities: { critical: 0, high: 0 }', 'artifact: { type: oci }');

const result = (id: string) =>
  `{"ruleId": "${id}", "level": "error", "message": {"text": "${id}"}, "properties": {"security-severity": "8.1"}}`;

describe('findings in a decision, on machines with different locales (built CLI)', () => {
  it('names them in the same order under LANG=da_DK.UTF-8 as under C.UTF-8', async () => {
    const dir = makeWorkspace(CONTRACT);
    expect((await runCli(['register', '--digest', DIGEST], { cwd: dir })).code).toBe(0);
    const ids = ['GHSA-zzzz-0000-0001', 'GHSA-aaaa-0000-0002', 'GHSA-Bbbb-0000-0003'];
    writeFileSync(
      join(dir, 'scan.sarif'),
      `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "s"}}, "results": [${ids.map(result).join(', ')}]}]}`,
    );
    expect((await runCli(['attest', 'scan', '--artifact', DIGEST, 'scan.sarif'], { cwd: dir })).code).toBe(0);
    const required = async (lang: string) => {
      const check = await runCli(['check', 'staging', '--artifact', DIGEST, '--json'], {
        cwd: dir,
        env: { LANG: lang, LC_ALL: lang },
      });
      return (JSON.parse(check.stdout).required as Array<{ text: string }>).map((r) => r.text);
    };
    const danish = await required('da_DK.UTF-8');
    expect(danish).toEqual(await required('C.UTF-8'));
    const text = danish.join('\n');
    // Code-unit order: "B" (0x42) before "a" (0x61) before "z".
    expect(text.indexOf('GHSA-Bbbb')).toBeLessThan(text.indexOf('GHSA-aaaa'));
    expect(text.indexOf('GHSA-aaaa')).toBeLessThan(text.indexOf('GHSA-zzzz'));
    expect(text.indexOf('GHSA-Bbbb')).toBeGreaterThan(-1);
  });
});
