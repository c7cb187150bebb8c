/**
 * The CLI entry: commander parses arguments; each command lives in ./commands/ and imports the
 * application layer lazily, so `tollgate --version` loads almost nothing. This file holds the one
 * top-level catch that turns errors into messages and exit codes (docs/cli.md).
 */
import { Command, CommanderError } from 'commander';
import { EXIT, TollgateError } from '../errors.js';
import { maskSecretsInText } from '../text/secret-detector.js';
import { toLogText } from '../text/terminal-text.js';
import { COMMANDS } from './commands/index.js';
import { flagOf } from './flags.js';
import { assertRemoteVerb } from './remote.js';

declare const TOLLGATE_VERSION: string;

export function buildProgram(): Command {
  const program = new Command('tollgate')
    .description('Promotion as entry contracts: what is validated, what risk remains, what is required.')
    .version(typeof TOLLGATE_VERSION === 'string' ? TOLLGATE_VERSION : '0.0.0-dev', '-V, --version')
    .option('-c, --contract <file>', 'contract file (default: tollgate.yaml, or TOLLGATE_CONTRACT)')
    .option(
      '--data-dir <dir>',
      'embedded ledger directory (default: .tollgate/ beside the contract, or TOLLGATE_DATA_DIR)',
    )
    .option('--as <name>', 'act as this person (default: TOLLGATE_ACTOR, the CI identity, or the OS user)')
    .option('--now <time>', 'evaluate at this ISO 8601 time (default: TOLLGATE_NOW, or the real time)')
    .option(
      '--server <url>',
      'run the verb on this Tollgate server (or TOLLGATE_SERVER; credential in TOLLGATE_TOKEN, pipeline from TOLLGATE_PIPELINE or the contract)',
    )
    .showHelpAfterError('(run with --help for usage)')
    // Commander's own refusals (an unknown option, flags that exclude each other, a missing
    // argument) read like every other error: `tollgate: …` (docs/cli.md), not `error: …`.
    .configureOutput({
      outputError: (text, write) => write(`tollgate: ${text.replace(/^error: /, '')}`),
    })
    .exitOverride()
    // A ledger verb without a route must never run locally when a server is named.
    .hook('preAction', (_program, action) => assertRemoteVerb(action, process.env));
  for (const define of COMMANDS) define(program);
  return program;
}

/** Parses argv, runs the command, and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander; they already printed.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    )
      return 0;
    return EXIT.input;
  }
  if (error instanceof TollgateError) {
    // Use cases name request fields in domain words; here they are named by the flags that fill them.
    process.stderr.write(`tollgate: ${toLogText(error.describe(flagOf))}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  // An unexpected error can quote anything (a URL, a file's text): the secret detector masks it.
  process.stderr.write(
    `tollgate: internal error (please report it): ${toLogText(maskSecretsInText(detail))}\n`,
  );
  return EXIT.infrastructure;
}
