import { describe, expect, it } from 'vitest';
import { stagingYaml } from '../support/builders.js';
import { copyFixture, makeWorkspace, runCli } from '../support/cli.js';

const DIGEST = `sha256:${'7c1ab0f1c0e4a6c1d8d4e2e0b1f6f2d4a9e1c3b5d7f9a1c3e5b7d9f1a3c5e7b9'}`;
const contract = (scanners: string) =>
  stagingYaml(`      vulnerabilities: { critical: 0${scanners} }`, 'artifact: { type: oci }');

interface Gate {
  gate: string;
  status: string;
  required: Array<{ text: string }>;
  risks: Array<{ text: string }>;
}

/** The vulnerabilities gate of `check staging` after ESLint's SARIF is attested as the only scan. */
async function lintOnly(scanners: string): Promise<Gate | undefined> {
  const dir = makeWorkspace(contract(scanners));
  const run = (args: string[]) => runCli(args, { cwd: dir });
  expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
  const sarif = copyFixture(dir, 'sarif/simple-example.sarif', 'eslint.sarif');
  expect((await run(['attest', 'scan', '--artifact', DIGEST, sarif])).code).toBe(0);
  const check = await run(['check', 'staging', '--artifact', DIGEST, '--json']);
  return (JSON.parse(check.stdout).gates as Gate[]).find((g) => g.gate === 'vulnerabilities');
}

describe('vulnerabilities.scanners in a contract file (built CLI)', () => {
  it('blocks on an ESLint SARIF as the only scan when the contract says scanners: [trivy]', async () => {
    const gate = await lintOnly(', scanners: [trivy]');
    expect(gate?.status).toBe('fail');
    expect(gate?.required.map((r) => r.text)).toEqual([
      'a vulnerability scan by trivy (the scanners the contract names) for this digest: `tollgate attest scan --artifact DIGEST FILE`',
    ]);
    expect(gate?.risks.map((r) => r.text)).toEqual([
      "ESLint's SARIF scan is not from a scanner the contract names (trivy): its 1 finding(s) are not counted",
    ]);
  });

  it('without scanners still counts it, naming ESLint as remaining risk', async () => {
    const gate = await lintOnly('');
    expect(gate?.status).toBe('pass');
    expect(gate?.risks.map((r) => r.text).join('\n')).toContain(
      'scan by ESLint counted as a vulnerability scan, but eslint is not a vulnerability scanner Tollgate knows',
    );
  });
});
