/**
 * The GitHub Action (action.yml): runs one verb, writes the Markdown decision to the step summary,
 * sets the outputs `verdict`, `digest` and `vsa-path`, and maps the exit code to the step's result:
 * 0 success; 1 blocked → failure; 2 pending → failure, or success with a warning when `pending:
 * succeed`; 3 input error and 4 infrastructure error → failure with an error annotation.
 */

import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Decision } from '../decision.js';
import { TollgateError } from '../errors.js';
import { renderDecisionMarkdown } from '../report/decision-report.js';
import { toMarkdownText } from '../text/markdown-text.js';
import { toOneLineText, toTerminalText } from '../text/terminal-text.js';
import { digestOf, errorMessage, runVerb, type VerbRun, verbArgv } from './run-verb.js';
import { githubIdToken, serverEnv } from './server-call.js';

/** An input as the runner passes it: `INPUT_<NAME>` with the name upper-cased (hyphens kept). */
export function input(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** Workflow-command escaping (https://github.com/actions/toolkit, command.ts). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function setOutput(env: NodeJS.ProcessEnv, name: string, value: string): void {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  const delimiter = `ghadelimiter_${randomUUID()}`;
  appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

function summary(env: NodeJS.ProcessEnv, markdown: string): void {
  if (env.GITHUB_STEP_SUMMARY)
    appendFileSync(env.GITHUB_STEP_SUMMARY, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
}

function annotate(level: 'error' | 'warning' | 'notice', title: string, message: string): void {
  process.stdout.write(
    `::${level} title=${escapeData(title).replace(/,/g, '%2C').replace(/:/g, '%3A')}::${escapeData(toTerminalText(message))}\n`,
  );
}

/** What a decision requires, one item a line: a new line inside an item is shown, never obeyed. */
function requiredLines(decision: Decision | undefined): string {
  return (decision?.required ?? []).map((r) => toOneLineText(`[${r.gate}] ${r.text}`)).join('\n');
}

/**
 * A message quoted in the step summary as code: an error quotes names and text from the files it
 * read, which as Markdown could open a heading, a link or an HTML comment of their own.
 */
function codeBlock(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${toTerminalText(text)}\n${fence}`;
}

/** Runs the action; returns the process exit code. */
export async function runGithubAction(env: NodeJS.ProcessEnv, bin: string): Promise<number> {
  const command = input(env, 'command');
  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (input(env, 'contract')) childEnv.TOLLGATE_CONTRACT = input(env, 'contract');
  if (input(env, 'ledger-url')) childEnv.TOLLGATE_DATABASE_URL = input(env, 'ledger-url');
  const pendingSucceeds = input(env, 'pending') === 'succeed';
  let run: VerbRun;
  let vsaPath: string | undefined;
  try {
    const argv = verbArgv(command, input(env, 'args'));
    if (argv[0] === 'promote' && input(env, 'vsa-path') && !argv.includes('--vsa-out')) {
      vsaPath = resolve(env.GITHUB_WORKSPACE ?? process.cwd(), input(env, 'vsa-path'));
      argv.push('--vsa-out', vsaPath);
    }
    const server = input(env, 'server-url');
    // With a server the same CLI runs the verb through the server's routes (--server), the job's
    // OIDC ID token as its credential; --vsa-out fetches the VSA the server signed.
    const verbEnv = server
      ? serverEnv(childEnv, server, await githubIdToken(env, input(env, 'oidc-audience') || 'tollgate'))
      : childEnv;
    run = await runVerb(bin, argv, verbEnv);
  } catch (error) {
    const message = error instanceof TollgateError ? error.message : String(error);
    const code = error instanceof TollgateError ? error.exitCode : 4;
    annotate('error', code === 4 ? 'Tollgate infrastructure error' : 'Tollgate input error', message);
    summary(env, `### ❌ tollgate ${toMarkdownText(command)}\n\n${codeBlock(message)}\n`);
    setOutput(env, 'verdict', 'error');
    return 1;
  }
  const decision = run.decision;
  const verdict = decision ? decision.verdict : run.exitCode === 0 ? 'ok' : 'error';
  setOutput(env, 'verdict', verdict);
  const digest = digestOf(run);
  if (digest) setOutput(env, 'digest', digest);
  if (vsaPath && run.exitCode === 0) setOutput(env, 'vsa-path', vsaPath);
  if (decision) summary(env, renderDecisionMarkdown(decision));
  else if (run.exitCode === 0)
    summary(
      env,
      `### ✅ tollgate ${toMarkdownText(command)}\n\n\`\`\`json\n${run.stdout.trim().slice(0, 60_000)}\n\`\`\`\n`,
    );
  else summary(env, `### ❌ tollgate ${toMarkdownText(command)}\n\n${codeBlock(errorMessage(run))}\n`);
  switch (run.exitCode) {
    case 0:
      return 0;
    case 1:
      annotate(
        'error',
        `Tollgate: ${decision?.stage ?? command} blocked`,
        requiredLines(decision) || errorMessage(run),
      );
      return 1;
    case 2: {
      const what = requiredLines(decision);
      const until = decision?.until ? ` until ${decision.until}` : '';
      annotate(
        pendingSucceeds ? 'warning' : 'error',
        `Tollgate: ${decision?.stage ?? command} pending${until}`,
        what || 'pending',
      );
      return pendingSucceeds ? 0 : 1;
    }
    case 3:
      annotate('error', 'Tollgate input error', errorMessage(run));
      return 1;
    default:
      annotate('error', 'Tollgate infrastructure error', errorMessage(run));
      return 1;
  }
}
