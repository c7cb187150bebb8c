/**
 * Shared plumbing for command actions: building the app context from global flags, printing a
 * decision in the chosen format, and the exit code of a verdict.
 */
import type { Command } from 'commander';
import type { AppContext, AppOptions } from '../app/context.js';
import type { Decision } from '../decision.js';
import { EXIT, TollgateError } from '../errors.js';
import { toLogText } from '../text/terminal-text.js';

export interface GlobalFlags {
  contract?: string;
  dataDir?: string;
  as?: string;
  now?: string;
  json?: boolean;
  markdown?: boolean;
}

/** The flags of the command and every parent, merged. */
export function flagsOf<T extends object = object>(command: Command): GlobalFlags & T {
  return command.optsWithGlobals() as GlobalFlags & T;
}

/** Runs `work` with an app context built from the global flags, closing the store afterwards. */
export async function withContext<T>(
  command: Command,
  work: (ctx: AppContext) => Promise<T>,
  /** The contract file, when the verb names it itself (`contract push FILE`) rather than --contract. */
  contract?: string,
): Promise<T> {
  const { createContext } = await import('../app/context.js');
  const flags = flagsOf(command);
  const options: AppOptions = { env: process.env };
  const file = contract ?? flags.contract;
  if (file !== undefined) options.contract = file;
  if (flags.dataDir !== undefined) options.dataDir = flags.dataDir;
  if (flags.as !== undefined) options.as = flags.as;
  if (flags.now !== undefined) options.now = flags.now;
  const ctx = createContext(options);
  try {
    return await work(ctx);
  } finally {
    await ctx.close();
  }
}

/** The server this run talks to (`--server`, TOLLGATE_SERVER), or undefined to run on the local ledger. */
export async function remoteOfCommand(
  command: Command,
  pipeline?: string,
): Promise<import('./remote.js').Remote | undefined> {
  const { remoteOf } = await import('./remote.js');
  return remoteOf(command, process.env, pipeline);
}

/** Refuses a flag that needs the local ledger or registry when the verb runs on a server. */
export function assertLocalOnly(flag: string, given: unknown, instead: string): void {
  if (given === undefined || given === false) return;
  throw new TollgateError('USAGE', `${flag} does not work with --server: ${instead}`);
}

export function write(text: string): void {
  // Names and reasons quoted from reports, events and arguments must not drive the terminal, nor
  // the CI runner reading the log.
  const safe = toLogText(text);
  process.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

/** Prints a decision as text, JSON or Markdown, and sets the exit code of its verdict. */
export async function printDecision(
  command: Command,
  decision: Decision,
  /** Extra top-level fields for `--json` (a promotion retry's `promotion`). */
  more?: Record<string, unknown>,
): Promise<void> {
  const flags = flagsOf(command);
  const report = await import('../report/decision-report.js');
  if (flags.json) write(report.renderDecisionJson(more ? { ...decision, ...more } : decision));
  else if (flags.markdown) write(report.renderDecisionMarkdown(decision));
  else write(report.renderDecisionText(decision));
  process.exitCode = EXIT[decision.verdict];
}
