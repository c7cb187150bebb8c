import type { Command } from 'commander';
import type { rollbackDocument } from '../../app/documents.js';
import { shortHash } from '../../artifact/digest.js';
import { EXIT, TollgateError } from '../../errors.js';
import type { RollbackCheck } from '../../rollback/check.js';
import { toLogText } from '../../text/terminal-text.js';
import { assertLocalOnly, flagsOf, remoteOfCommand, withContext, write } from '../run.js';

type RollbackDocument = ReturnType<typeof rollbackDocument>;

async function printCheck(command: Command, check: RollbackCheck): Promise<void> {
  if (flagsOf(command).json) {
    write(JSON.stringify(check, null, 2));
    return;
  }
  const { formatRollbackCheck } = await import('../../rollback/report.js');
  write(formatRollbackCheck(check));
}

/**
 * `tollgate rollback STAGE [--exec CMD]` and `tollgate rollback check STAGE`.
 * Exit codes of `rollback check`: 0 healthy, 1 tripped, 2 inconclusive, 3 query error, 4 unreachable.
 * Exit codes of `rollback`: 0 recorded (and CMD succeeded), 3 no target (nothing recorded), 4 CMD failed.
 */
export function defineRollback(program: Command): void {
  const rollback = program
    .command('rollback')
    .description(
      "undo the stage's current promotion: record it in the ledger, name the last known good digest, run --exec",
    )
    .argument('<stage>', 'the stage to roll back')
    .option(
      '--exec <command>',
      'run this shell command with TOLLGATE_DIGEST (target), TOLLGATE_PREVIOUS_DIGEST, TOLLGATE_STAGE',
    )
    .option('--reason <text>', 'why (required when no rollback condition has tripped)')
    .option('--json', 'print the result as JSON')
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{ exec?: string; reason?: string }>(command);
      const remote = await remoteOfCommand(command);
      const done: RollbackDocument = remote
        ? (
            await remote.request<RollbackDocument>('POST', remote.stagePath(stage, '/rollbacks'), {
              json: flags.reason === undefined ? {} : { reason: flags.reason },
            })
          ).document
        : await withContext(command, async (ctx) => {
            const { rollbackStage } = await import('../../app/rollback.js');
            const { rollbackDocument } = await import('../../app/documents.js');
            const result = await rollbackStage(
              ctx,
              stage,
              flags.reason === undefined ? {} : { reason: flags.reason },
            );
            return rollbackDocument(result, stage);
          });
      if (flags.json) write(JSON.stringify(done, null, 2));
      else {
        const target = done.to.pinned
          ? 'pinned target'
          : `last known good, promoted ${done.to.promotion?.at} (ledger #${done.to.promotion?.seq})`;
        write(
          [
            `rolled back ${stage}: ${done.from.artifact} → ${done.to.digest} (${target})`,
            `  why: ${done.reason}`,
            `  recorded by ${done.actor}: ledger entry #${done.seq} ${shortHash(done.hash)}; promotion #${done.from.seq} is now rolled-back`,
            `  deploy ${done.to.digest}`,
          ].join('\n'),
        );
      }
      if (flags.exec) {
        // The deploy is this machine's, also when the rollback was recorded on a server.
        const { runRollbackCommand } = await import('../rollback-command.js');
        const code = await runRollbackCommand(flags.exec, done, stage, {
          env: process.env,
          stdout: flags.json ? 'stderr' : 'inherit',
        });
        if (code !== 0) {
          process.stderr.write(
            `tollgate: the rollback is recorded, but the command exited ${code}: deploy ${done.to.digest} by hand\n`,
          );
          process.exitCode = EXIT.infrastructure;
        }
      }
    });

  rollback
    .command('check')
    .description(
      "evaluate the stage's rollback conditions once; exit 0 healthy, 1 tripped, 2 inconclusive, 3 query error, 4 unreachable",
    )
    .argument('<stage>', 'the stage whose current promotion is checked')
    .option('--artifact <digest>', 'check the latest promotion of this digest instead of the current one')
    .option('--json', 'print the result as JSON')
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{ artifact?: string }>(command);
      const remote = await remoteOfCommand(command);
      const check: RollbackCheck = remote
        ? remote.rollbackCheckOf<RollbackCheck>(
            (
              await remote.request('GET', remote.stagePath(stage, '/rollback-check'), {
                query: { artifact: flags.artifact },
              })
            ).document,
            stage,
            flags.artifact,
          )
        : await withContext(command, async (ctx) => {
            const { rollbackCheck } = await import('../../app/rollback.js');
            return rollbackCheck(ctx, stage, flags.artifact === undefined ? {} : { digest: flags.artifact });
          });
      await printCheck(command, check);
      process.exitCode = check.exitCode;
    });
}

/** `tollgate watch STAGE [--rollback] [--exec CMD]`. */
export function defineWatch(program: Command): void {
  program
    .command('watch')
    .description(
      'evaluate the rollback conditions every interval until `within` has passed or a condition trips',
    )
    .argument(
      '[stage]',
      "the stage whose current promotion is watched; with --server, only this stage's entries are shown",
    )
    .option('--rollback', 'roll back when a condition trips')
    .option('--exec <command>', 'with --rollback: the rollback command (see `tollgate rollback --exec`)')
    .option('--json', 'print each evaluation (with --server: each ledger entry) as one JSON line')
    .option(
      '--pipeline <name>',
      "with --server: the pipeline to follow (default TOLLGATE_PIPELINE, the contract's)",
    )
    .option(
      '--after <seq>',
      'with --server: start after this ledger entry (0: from the first); default: only new entries',
    )
    .option('--count <n>', 'with --server: stop after this many entries')
    .action(async (stage: string | undefined, _options, command: Command) => {
      const flags = flagsOf<{ rollback?: boolean; exec?: string; after?: string; count?: string }>(command);
      const remote = await remoteOfCommand(command);
      if (remote) {
        await followRemote(remote, stage, flags);
        return;
      }
      for (const [flag, value] of [
        ['--pipeline', flagsOf<{ pipeline?: string }>(command).pipeline],
        ['--after', flags.after],
        ['--count', flags.count],
      ] as const)
        if (value !== undefined)
          throw new TollgateError(
            'USAGE',
            `${flag} works with --server (it follows a server's event stream)`,
          );
      if (stage === undefined)
        throw new TollgateError(
          'USAGE',
          "watch needs the stage whose rollback conditions it evaluates (with --server and no stage, it follows the pipeline's ledger entries)",
        );
      await withContext(command, async (ctx) => {
        const { watchStage, rollbackStage } = await import('../../app/rollback.js');
        const { renewed } = await import('../../app/services.js');
        const { formatRollbackCheck } = await import('../../rollback/report.js');
        const result = await watchStage(ctx, stage, {
          onCheck: (check) => write(flags.json ? JSON.stringify(check) : formatRollbackCheck(check)),
        });
        const note = {
          tripped: 'a condition tripped',
          'window-ended': `the watch window ended at ${result.last.watchEndsAt}`,
          'fixed-clock': 'the clock is fixed (--now / TOLLGATE_NOW): evaluated once',
          superseded: `${stage} no longer runs the watched promotion of ${result.last.digest} (promoted ${result.last.promotedAt}): it now runs ${result.supersededBy?.digest} (promoted ${result.supersededBy?.promotedAt}), after a rollback or another promotion; the watched promotion was not watched to the end of its window, so this is not a pass (exit ${result.exitCode})`,
        }[result.ended];
        process.stderr.write(`watch ${stage}: stopped after ${result.evaluations} evaluation(s): ${note}\n`);
        if (result.exitCode !== result.last.exitCode)
          process.stderr.write(
            `watch ${stage}: not healthy: ${result.unseen} of ${result.evaluations} evaluation(s) could not see the metrics (an error, unreachable, or a warned answer), and a breach then would not have been seen; the last evaluation covers only its own window\n`,
          );
        process.exitCode = result.exitCode;
        if (result.ended === 'tripped' && flags.rollback) {
          // Recorded at the time the condition tripped, not when the watch began.
          const done = await rollbackStage(renewed(ctx), stage, { check: result.last });
          write(
            `rolled back ${stage}: ${done.from.artifact} → ${done.to.digest}; ledger entry #${done.entry.seq}`,
          );
          if (flags.exec) {
            const { runRollbackCommand } = await import('../rollback-command.js');
            const code = await runRollbackCommand(flags.exec, done, stage, {
              env: ctx.services.env,
              stdout: flags.json ? 'stderr' : 'inherit',
            });
            if (code !== 0) {
              process.stderr.write(`tollgate: the rollback is recorded, but the command exited ${code}\n`);
              process.exitCode = EXIT.infrastructure;
            }
          }
        }
      });
    });
}

/** A whole number flag (`--after`, `--count`). */
function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new TollgateError('USAGE', `${flag} "${value}": expected a whole number`);
  return Number(value);
}

/**
 * `tollgate watch [STAGE] --server URL`: one line per ledger entry as the server appends it (JSON
 * with --json), following the pipeline's event stream and resuming it after a dropped connection.
 */
async function followRemote(
  remote: import('../remote.js').Remote,
  stage: string | undefined,
  flags: { json?: boolean; rollback?: boolean; exec?: string; after?: string; count?: string },
): Promise<void> {
  assertLocalOnly(
    '--rollback',
    flags.rollback,
    'the server records rollbacks with `tollgate rollback STAGE --server`',
  );
  assertLocalOnly('--exec', flags.exec, 'use `tollgate rollback STAGE --exec CMD --server`');
  const after = wholeNumber('--after', flags.after);
  const count = wholeNumber('--count', flags.count);
  if (count === 0) return;
  const { followEvents } = await import('../event-follow.js');
  let shown = 0;
  await followEvents(remote, {
    ...(after === undefined ? {} : { after }),
    // A notice quotes the server's or the network's error message.
    onNotice: (text) => process.stderr.write(`watch: ${toLogText(text)}\n`),
    onEntry: (entry) => {
      if (stage !== undefined && entry.stage !== stage) return true;
      if (flags.json) write(JSON.stringify(entry));
      else {
        const what = [entry.kind, entry.stage, entry.artifact ?? null]
          .filter((part) => part !== null)
          .join(' ');
        write(`#${entry.seq}  ${entry.at}  ${what}  by ${entry.actor}`);
      }
      shown += 1;
      return count === undefined || shown < count;
    },
  });
}
