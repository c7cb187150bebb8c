/**
 * A pipeline or stage name is at most 128 characters (NAME_PATTERN, src/contract/schema.ts): the
 * most the API's addresses take. `tollgate init --pipeline`, `tollgate token create` and the
 * server's sign-in rules took names of any length, so a 200-character name was written into a
 * contract that then failed to load, or into a token or rule that could never name a real pipeline.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServerConfig } from '../../src/server/config.js';
import { makeWorkspace, runCli, THREE_STAGES } from '../support/cli.js';

const LONGEST = `p${'a'.repeat(127)}`;
const TOO_LONG = `p${'a'.repeat(199)}`;
const RULE = 'lower-case letters, digits, ".", "_" or "-", at most 128 characters';

describe('pipeline and stage names outside contracts', () => {
  it('init refuses a pipeline name longer than a contract takes, and writes nothing', async () => {
    const dir = makeWorkspace('');
    const file = join(dir, 'long.yaml');
    const refused = await runCli(['init', file, '--pipeline', TOO_LONG], { cwd: dir });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`--pipeline "${TOO_LONG}": expected a pipeline name: ${RULE}`);
    expect(existsSync(file)).toBe(false);
    // The longest name init takes is one a contract loads.
    const written = await runCli(['init', 'edge.yaml', '--pipeline', LONGEST], { cwd: dir });
    expect(written.code, written.stderr).toBe(0);
    const validate = await runCli(['validate', 'edge.yaml'], { cwd: dir });
    expect(validate.code, validate.stderr).toBe(0);
  });

  it('token create refuses a pipeline or stage name longer than 128 characters', async () => {
    const dir = makeWorkspace(THREE_STAGES);
    const env = { TOLLGATE_DATA_DIR: join(dir, 'state') };
    const pipeline = await runCli(['token', 'create', '--role', 'ci', '--pipeline', TOO_LONG], {
      cwd: dir,
      env,
    });
    expect(pipeline.code).toBe(3);
    expect(pipeline.stderr).toContain(`"${TOO_LONG}" is not a pipeline or stage name: ${RULE}`);
    const stage = await runCli(
      ['token', 'create', '--role', 'approver', '--pipeline', 'checkout', '--stage', TOO_LONG],
      { cwd: dir, env },
    );
    expect(stage.code).toBe(3);
    expect(stage.stderr).toContain(`"${TOO_LONG}" is not a pipeline or stage name: ${RULE}`);
    const listed = await runCli(['token', 'list', '--json'], { cwd: dir, env });
    expect(JSON.parse(listed.stdout || '[]')).toEqual([]);
    const longest = await runCli(
      ['token', 'create', '--role', 'ci', '--pipeline', LONGEST, '--name', 'ci-bot'],
      {
        cwd: dir,
        env,
      },
    );
    expect(longest.code, longest.stderr).toBe(0);
  });

  it('a server config refuses a sign-in rule naming a pipeline or stage longer than 128 characters', () => {
    const login = (pipelines: string, stages = '') =>
      `login:\n  issuer: https://sso.example.com\n  clientId: tollgate\n  redirectUri: https://tollgate.example.com/auth/callback\n  principalClaim: sub\n  rules:\n    - match: {}\n      role: approver\n      pipelines: [${pipelines}]\n${stages}`;
    expect(() => parseServerConfig(login(TOO_LONG), 'server.yaml')).toThrow(
      `server.yaml:9:19: login.rules.0.pipelines.0: a pipeline name (${RULE}), or * for every pipeline`,
    );
    expect(() =>
      parseServerConfig(login('checkout', `      stages: [${TOO_LONG}]\n`), 'server.yaml'),
    ).toThrow(`server.yaml:10:16: login.rules.0.stages.0: a stage name: ${RULE}`);
    expect(
      parseServerConfig(login(LONGEST, '      stages: [prod]\n'), 'server.yaml').login?.rules[0]?.pipelines,
    ).toEqual([LONGEST]);
  });
});
