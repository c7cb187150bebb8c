/**
 * What the CI shells share: the verb to run from a CI's inputs, run as a child `tollgate` process
 * (the same binary, so behaviour never differs from the command line), its decision read from
 * `--json`, and the exit code's meaning.
 */
import { spawn } from 'node:child_process';
import type { Decision } from '../decision.js';
import { TollgateError } from '../errors.js';

/** Verbs the CI shells run. */
export const CI_VERBS = ['check', 'promote', 'attest', 'register', 'copy', 'publish', 'verify'] as const;

/** Splits an argument string as a POSIX shell would for words and quotes (no expansion): newlines separate too. */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote) throw new TollgateError('USAGE', `args: unclosed ${quote} quote`);
  if (started) args.push(current);
  return args;
}

export interface VerbRun {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The decision, for check and promote. */
  decision?: Decision;
  /** The parsed JSON output of other verbs, when they printed JSON. */
  json?: unknown;
}

/** The argv of the verb: the command's words and the arguments, with `--json` added for machine-readable output. */
export function verbArgv(command: string, args: string): string[] {
  const words = splitArgs(command);
  const verb = words[0];
  if (!verb || !(CI_VERBS as readonly string[]).includes(verb)) {
    throw new TollgateError(
      'USAGE',
      `command "${command}": expected one of ${CI_VERBS.join(', ')} (e.g. "promote prod" or "attest tests")`,
    );
  }
  const argv = [...words, ...splitArgs(args)];
  if (!argv.includes('--json')) argv.push('--json');
  return argv;
}

/** Runs `tollgate ARGV` with the given environment and collects what it says. */
export function runVerb(bin: string, argv: string[], env: NodeJS.ProcessEnv): Promise<VerbRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { env, stdio: ['inherit', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const run: VerbRun = { argv, exitCode: code ?? 4, stdout, stderr };
      try {
        const json = JSON.parse(stdout) as unknown;
        run.json = json;
        if (
          (argv[0] === 'check' || argv[0] === 'promote') &&
          typeof json === 'object' &&
          json &&
          'verdict' in json
        ) {
          run.decision = json as Decision;
        }
      } catch {
        // not JSON (an error before any output)
      }
      resolve(run);
    });
  });
}

/** The last `tollgate: …` line of standard error: the message of an input or infrastructure error. */
export function errorMessage(run: VerbRun): string {
  const lines = run.stderr.split('\n').filter((line) => line.startsWith('tollgate: '));
  return (lines.at(-1) ?? run.stderr.trim().split('\n').at(-1) ?? `exit ${run.exitCode}`).replace(
    /^tollgate: /,
    '',
  );
}

/** The digest a run was about: the decision's, or what register/copy printed. */
export function digestOf(run: VerbRun): string | undefined {
  if (run.decision) return run.decision.artifact.digest;
  const json = run.json as { digest?: unknown } | undefined;
  return typeof json?.digest === 'string' ? json.digest : undefined;
}
