import type { Command } from 'commander';
import { EXIT, TollgateError } from '../../errors.js';
import { CLOCK_TOLERANCE_MS } from '../../ledger/entry.js';
import { assertLocalOnly, flagsOf, remoteOfCommand, withContext, write } from '../run.js';

export function defineLedger(program: Command): void {
  const ledger = program.command('ledger').description('the tamper-evident ledger');
  ledger
    .command('verify')
    .description(
      'recompute the hash chain and check the evidence against it; with --since, prove the ledger extends a checkpoint; exit 0 intact, 4 when it does not',
    )
    .option('--json', 'print as JSON')
    .option(
      '--since <checkpoint>',
      'a checkpoint file (`tollgate ledger checkpoint`) the ledger must still extend',
    )
    .option('--key <public-key>', 'with --since: the Ed25519 public key the checkpoint must be signed with')
    .action(async (options: { since?: string; key?: string }, command: Command) => {
      const remote = await remoteOfCommand(command);
      if (remote) {
        assertLocalOnly('--since', options.since, 'prove a checkpoint where the ledger is reachable');
        assertLocalOnly('--key', options.key, 'it goes with --since');
        const { document: verdict } = await remote.request<
          Awaited<ReturnType<typeof import('../../app/status.js').verifyLedger>>
        >('GET', remote.pipelinePath('/ledger/verify'));
        printVerdict(command, verdict);
        return;
      }
      await withContext(command, async (ctx) => {
        const json = flagsOf(command).json;
        if (options.since !== undefined) {
          const { verifySince } = await import('../../app/ledger-proofs.js');
          const verdict = await verifySince(ctx, {
            since: options.since,
            ...(options.key === undefined ? {} : { key: options.key }),
          });
          if (json) write(JSON.stringify(verdict, null, 2));
          else if (verdict.ok)
            write(
              `ledger of ${verdict.pipeline} extends ${options.since} (${verdict.checkpoint.origin}, ${verdict.checkpoint.size} entries): now ${verdict.size} entries, root ${verdict.root}; consistency proof of ${verdict.consistencyProof.length} hashes verified; signature ${verdict.signature}`,
            );
          else write(`ledger of ${verdict.pipeline} does NOT extend ${options.since}: ${verdict.reason}`);
          if (!verdict.ok) process.exitCode = EXIT.infrastructure;
          return;
        }
        if (options.key !== undefined) throw new TollgateError('USAGE', '--key goes with --since CHECKPOINT');
        const { verifyLedger } = await import('../../app/status.js');
        printVerdict(command, await verifyLedger(ctx));
      });
    });
  ledger
    .command('checkpoint')
    .description('print a signed checkpoint of the ledger (C2SP tlog-checkpoint: origin, size, Merkle root)')
    .requiredOption('--key <private-key>', 'Ed25519 private key (PEM) to sign with')
    .option('--origin <origin>', 'the origin line (default tollgate/PIPELINE)')
    .action(async (options: { key: string; origin?: string }, command: Command) => {
      await withContext(command, async (ctx) => {
        const { ledgerCheckpoint } = await import('../../app/ledger-proofs.js');
        const checkpoint = await ledgerCheckpoint(ctx, {
          key: options.key,
          ...(options.origin === undefined ? {} : { origin: options.origin }),
        });
        if (flagsOf(command).json) write(JSON.stringify(checkpoint, null, 2));
        else process.stdout.write(checkpoint.note);
      });
    });
  ledger
    .command('prove')
    .description('print the Merkle inclusion proof of a ledger entry (RFC 9162), as JSON')
    .argument('<entry>', 'the entry number (as `history` and `promote --json` show it)')
    .option('--checkpoint <file>', 'prove against this checkpoint’s tree instead of the whole ledger')
    .option('--key <public-key>', 'with --checkpoint: the Ed25519 public key it must be signed with')
    .action(async (entry: string, options: { checkpoint?: string; key?: string }, command: Command) => {
      await withContext(command, async (ctx) => {
        if (!/^[1-9][0-9]*$/.test(entry))
          throw new TollgateError(
            'USAGE',
            `an entry number is a positive integer; got ${JSON.stringify(entry)}`,
          );
        const { proveEntry } = await import('../../app/ledger-proofs.js');
        const proof = await proveEntry(ctx, Number(entry), {
          ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint }),
          ...(options.key === undefined ? {} : { key: options.key }),
        });
        write(JSON.stringify(proof, null, 2));
      });
    });
}

/** Prints a chain verdict (local or from the server) and sets exit 4 when it is broken. */
function printVerdict(
  command: Command,
  verdict: Awaited<ReturnType<typeof import('../../app/status.js').verifyLedger>>,
): void {
  if (flagsOf(command).json) write(JSON.stringify(verdict, null, 2));
  else if (verdict.ok) {
    write(
      `ledger of ${verdict.pipeline} intact: ${verdict.entries} entries, head ${verdict.head} (${verdict.location})`,
    );
    const backwards = verdict.timeBackwards;
    if (backwards)
      write(
        `WARNING: time runs backwards at ${backwards.count} ${backwards.count === 1 ? 'entry' : 'entries'}, more than ${CLOCK_TOLERANCE_MS / 60_000} minutes before the entry each follows (an append would be refused that; written by an older Tollgate, or the ledger was edited and chained again); soak does not count from such a promotion:\n${backwards.first
          .map((t) => `  entry #${t.seq} at ${t.at}, after #${t.previousSeq} at ${t.previousAt}`)
          .join(
            '\n',
          )}${backwards.count > backwards.first.length ? `\n  … and ${backwards.count - backwards.first.length} more` : ''}`,
      );
    for (const conflict of verdict.digestConflicts ?? [])
      write(
        `WARNING: ${conflict.digest} names ${conflict.artifacts.length} artifacts: ${conflict.artifacts
          .map((a) => `${a.artifact} (register entry #${a.seq})`)
          .join(
            ', ',
          )}; one set of bytes is one artifact, so one of these was a wrong claim (recorded before Tollgate refused a digest that names a known artifact); compare the bytes before acting on ${conflict.digest}`,
      );
  } else
    write(
      `ledger of ${verdict.pipeline} BROKEN at ${brokenPart(verdict)}: ${verdict.reason} (${verdict.location})`,
    );
  if (!verdict.ok) process.exitCode = EXIT.infrastructure;
}

/** What a broken verdict names: an evidence record, an artifacts row or an entry. */
function brokenPart(verdict: { seq?: number; evidence?: string; artifact?: string }): string {
  if (verdict.evidence !== undefined) return `evidence ${verdict.evidence}`;
  if (verdict.artifact !== undefined) return `artifact ${verdict.artifact}`;
  return `entry #${verdict.seq}`;
}
