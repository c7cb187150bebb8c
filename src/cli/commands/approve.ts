import type { Command } from 'commander';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

function defineWord(program: Command, decision: 'approve' | 'reject'): void {
  const verb = decision === 'approve' ? 'approve' : 'reject';
  const command = program
    .command(verb)
    .description(
      decision === 'approve'
        ? 'approve an artifact for a stage (counts toward requires.approvals when you are eligible)'
        : 'reject an artifact for a stage: blocks its approvals gate until you withdraw or approve',
    )
    .argument('<stage>', 'the stage the artifact is to enter')
    .requiredOption('--artifact <digest>', 'the registered artifact digest')
    .option('--comment <text>', 'why, for the ledger and every later decision')
    .option('--withdraw', `take back your standing ${decision === 'approve' ? 'approval' : 'rejection'}`);
  // Only an approval needs the look-alikes named: a rejection or a withdrawal can only hold a digest back.
  if (decision === 'approve')
    command.option(
      '--lookalike-seen <digest>',
      'the full digest of a look-alike you compared the artifact with; approving a digest with look-alikes needs each one (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    );
  command
    .option('--json', 'print the result as one JSON object')
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{
        artifact: string;
        comment?: string;
        withdraw?: boolean;
        lookalikeSeen?: string[];
      }>(command);
      const seen = flags.lookalikeSeen ?? [];
      const remote = await remoteOfCommand(command);
      if (remote) {
        const { document } = await remote.request<{ recorded: boolean; seq?: number; message: string }>(
          'POST',
          remote.stagePath(stage, '/approvals'),
          {
            json: {
              artifact: flags.artifact,
              decision,
              ...(flags.comment === undefined ? {} : { comment: flags.comment }),
              ...(flags.withdraw ? { withdraw: true } : {}),
              ...(seen.length ? { lookalikesSeen: seen } : {}),
            },
          },
        );
        if (flags.json) write(JSON.stringify(document, null, 2));
        else
          write(document.recorded ? `${document.message} (ledger entry #${document.seq})` : document.message);
        return;
      }
      await withContext(command, async (ctx) => {
        const { recordApproval } = await import('../../app/approve.js');
        const result = await recordApproval(ctx, stage, {
          artifact: flags.artifact,
          decision,
          ...(flags.comment === undefined ? {} : { comment: flags.comment }),
          ...(flags.withdraw ? { withdraw: true } : {}),
          // The same rule as over HTTP: a script that knows only one digest cannot approve a look-alike.
          lookalikesSeen: seen,
        });
        if (flags.json) {
          const { approvalDocument } = await import('../../app/documents.js');
          const request = { actor: ctx.caller.principal, stage, decision, withdraw: flags.withdraw === true };
          write(JSON.stringify(approvalDocument(result, request), null, 2));
          return;
        }
        write(result.entry ? `${result.message} (ledger entry #${result.entry.seq})` : result.message);
      });
    });
}

export function defineApprove(program: Command): void {
  defineWord(program, 'approve');
}

export function defineReject(program: Command): void {
  defineWord(program, 'reject');
}
