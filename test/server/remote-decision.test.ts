/**
 * The remote CLI's exit code is the gate of a CI job: it comes from a decision the server made
 * about the artifact and stage asked, never from whatever answered. A server URL pointing at the
 * wrong service, an older server, or a proxy that answers its own JSON (or another request's
 * decision) must fail the job (exit 4), never let it through.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeDigest, runCli } from '../support/cli.js';

const D = fakeDigest('remote-decision');
const OTHER = fakeDigest('another');
let answer = '{}';
let status = 200;
let fake: Server;
let url: string;
let cwd: string;

beforeAll(async () => {
  fake = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'tollgate-entry': '7 sha256:00' });
    res.end(answer);
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  cwd = mkdtempSync(join(tmpdir(), 'tollgate-remote-decision-'));
});
afterAll(async () => {
  rmSync(cwd, { recursive: true, force: true });
  await new Promise((resolve) => fake.close(resolve));
});

function decision(overrides: Record<string, unknown>): string {
  return JSON.stringify({
    verdict: 'allowed',
    pipeline: 'shop',
    stage: 'prod',
    purpose: 'live',
    artifact: { digest: D, labels: {} },
    contract: { file: 'tollgate.yaml', digest: `sha256:${'0'.repeat(64)}` },
    actor: 'ci',
    evaluatedAt: '2026-12-06T12:00:00.000Z',
    gates: [],
    validated: [],
    risks: [],
    required: [],
    ...overrides,
  });
}

describe('a remote decision', () => {
  it('that is not a decision about the artifact and stage asked fails the job (exit 4), as do drift and rollback answers', async () => {
    const env = { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: 'tg_test', TOLLGATE_PIPELINE: 'shop' };
    const cases: Array<[string, string, number]> = [
      ['an empty document', '{}', 200],
      ['a verdict no decision has', decision({ verdict: 'toString' }), 200],
      ['no gates', decision({ gates: undefined }), 200],
      ['another artifact', decision({ artifact: { digest: OTHER, labels: {} } }), 200],
      ['another stage', decision({ stage: 'dev' }), 200],
      ['another pipeline', decision({ pipeline: 'billing' }), 200],
      ['an empty document, recorded', '{}', 201],
    ];
    for (const [index, [what, body, code]] of cases.entries()) {
      answer = body;
      status = code;
      // Every verb and format once; then the machine's reading (--json), which exited 0 on {}.
      const runs =
        index === 0
          ? [['check'], ['check', '--json'], ['check', '--markdown'], ['promote'], ['promote', '--json']]
          : [
              ['check', '--json'],
              ['promote', '--json'],
            ];
      for (const [verb, ...format] of runs) {
        const run = await runCli([verb!, 'prod', '--artifact', D, ...format], { cwd, env });
        const label = `${what}: ${verb} ${format.join(' ')}`;
        expect(run.code, `${label}\n${run.stdout}\n${run.stderr}`).toBe(4);
        expect(run.stderr, label).toContain('is not a decision');
        expect(run.stderr, label).not.toContain('internal error');
      }
    }
    // Asked by a sha512, a decision about a sha256 is one about what was asked only when the
    // server's passport of that sha256 records the sha512: here it records none.
    answer = decision({});
    status = 200;
    const SHA512 = `sha512:${'ab'.repeat(64)}`;
    for (const verb of ['check', 'promote']) {
      const run = await runCli([verb, 'prod', '--artifact', SHA512, '--json'], { cwd, env });
      expect(run.code, `${verb} by sha512\n${run.stdout}\n${run.stderr}`).toBe(4);
      expect(run.stderr).toContain(`it is about artifact ${D}, not ${SHA512}`);
    }
    // The other verbs whose exit code is read from the answer: drift (1 over budget) and a
    // rollback check (1 tripped), which exited 0 on {} as "within budget" and "healthy".
    answer = '{}';
    status = 200;
    for (const args of [
      ['drift', 'dev', 'prod', '--json'],
      ['rollback', 'check', 'prod', '--json'],
      ['rollback', 'check', 'prod'],
    ]) {
      const run = await runCli(args, { cwd, env });
      expect(run.code, `${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(4);
      expect(run.stderr).toMatch(/is not a (drift report|rollback check)/);
    }
    // The decision asked for passes as it is.
    answer = decision({});
    status = 200;
    const allowed = await runCli(['check', 'prod', '--artifact', D, '--json'], { cwd, env });
    expect(allowed.code, allowed.stderr).toBe(0);
  });
});
