/**
 * The GitLab CI job (templates/tollgate.yml): runs one verb, prints the decision to the job log,
 * writes a JUnit report of it (GitLab shows it in the merge request), the Markdown decision, and a
 * dotenv file (`TOLLGATE_VERDICT`, `TOLLGATE_DIGEST`, `TOLLGATE_VSA_PATH`) for later jobs; exit
 * codes as in the GitHub Action (pending fails the job unless TOLLGATE_CI_PENDING=succeed).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TollgateError } from '../errors.js';
import { renderDecisionMarkdown, renderDecisionText } from '../report/decision-report.js';
import { toLogText } from '../text/terminal-text.js';
import { decisionToJunit, errorToJunit } from './junit-report.js';
import { digestOf, errorMessage, runVerb, type VerbRun, verbArgv } from './run-verb.js';
import { serverEnv } from './server-call.js';

export async function runGitlabJob(env: NodeJS.ProcessEnv, bin: string): Promise<number> {
  const dir = env.CI_PROJECT_DIR ?? process.cwd();
  const command = (env.TOLLGATE_CI_COMMAND ?? '').trim();
  const report = resolve(dir, env.TOLLGATE_CI_REPORT || 'tollgate-report.xml');
  const dotenv = resolve(dir, env.TOLLGATE_CI_DOTENV || 'tollgate.env');
  const markdown = resolve(dir, 'tollgate-decision.md');
  const pendingSucceeds = env.TOLLGATE_CI_PENDING === 'succeed';
  let run: VerbRun;
  let vsaPath: string | undefined;
  try {
    const argv = verbArgv(command, env.TOLLGATE_CI_ARGS ?? '');
    if (argv[0] === 'promote' && env.TOLLGATE_CI_VSA_PATH && !argv.includes('--vsa-out')) {
      vsaPath = resolve(dir, env.TOLLGATE_CI_VSA_PATH);
      argv.push('--vsa-out', vsaPath);
    }
    let verbEnv = env;
    if (env.TOLLGATE_SERVER_URL) {
      // GitLab hands the job an ID token through `id_tokens:`; the template names it TOLLGATE_ID_TOKEN.
      if (!env.TOLLGATE_ID_TOKEN)
        throw new TollgateError(
          'USAGE',
          'TOLLGATE_SERVER_URL needs TOLLGATE_ID_TOKEN (id_tokens: in the job)',
        );
      verbEnv = serverEnv(env, env.TOLLGATE_SERVER_URL, env.TOLLGATE_ID_TOKEN);
    }
    run = await runVerb(bin, argv, verbEnv);
  } catch (error) {
    const message = error instanceof TollgateError ? error.message : String(error);
    writeFileSync(
      report,
      errorToJunit(command || '(no command)', error instanceof TollgateError ? error.exitCode : 4, message),
    );
    writeFileSync(dotenv, 'TOLLGATE_VERDICT=error\n');
    process.stderr.write(`tollgate: ${toLogText(message)}\n`);
    return error instanceof TollgateError ? error.exitCode : 4;
  }
  const decision = run.decision;
  const lines = [`TOLLGATE_VERDICT=${decision ? decision.verdict : run.exitCode === 0 ? 'ok' : 'error'}`];
  const digest = digestOf(run);
  if (digest) lines.push(`TOLLGATE_DIGEST=${digest}`);
  if (vsaPath && run.exitCode === 0) lines.push(`TOLLGATE_VSA_PATH=${vsaPath}`);
  writeFileSync(dotenv, `${lines.join('\n')}\n`);
  if (decision) {
    writeFileSync(report, decisionToJunit(decision));
    writeFileSync(markdown, renderDecisionMarkdown(decision));
    // The decision comes back from JSON, where `\u001b` is ESC again: a name quoted in it must not
    // colour the job log or open a collapsed section (`\e[0Ksection_start:…`) hiding the verdict.
    process.stdout.write(toLogText(renderDecisionText(decision)));
  } else {
    if (run.exitCode === 0) process.stdout.write(run.stdout);
    else writeFileSync(report, errorToJunit(command, run.exitCode, errorMessage(run)));
  }
  if (run.exitCode === 2 && pendingSucceeds) return 0;
  return run.exitCode;
}
