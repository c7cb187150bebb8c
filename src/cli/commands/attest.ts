import type { Command } from 'commander';
import type { cdEventDocument, testsDocument } from '../../app/documents.js';
import { toLogText } from '../../text/terminal-text.js';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';
import { defineAttestEvidence } from './attest-evidence.js';
import { defineAttestStatement } from './attest-statement.js';
import { defineAttestVerification } from './attest-verification.js';

type TestsDocument = ReturnType<typeof testsDocument>;
type CdEventDocument = ReturnType<typeof cdEventDocument>;

function defineAttestTests(attest: Command): void {
  attest
    .command('tests')
    .description('record JUnit XML test results for an artifact (streamed; several files are summed)')
    .requiredOption('--artifact <digest>', 'the registered artifact digest')
    .requiredOption('--suite <name>', 'suite name the contract refers to (requires.tests[].suite)')
    .option('--in <stage>', 'the stage the tests ran in (for requires.tests[].in)')
    .option('--json', 'print the recorded totals as one JSON object')
    .argument('<files...>', 'JUnit XML report files, globs (reports/**/*.xml) or - for standard input')
    .action(async (args: string[], _options, command: Command) => {
      const flags = flagsOf<{ artifact: string; suite: string; in?: string }>(command);
      const print = (summary: TestsDocument) => {
        // On standard error, so the recorded totals on standard output read as before.
        for (const line of summary.notice?.split('\n') ?? [])
          process.stderr.write(`tollgate: note: ${toLogText(line)}\n`);
        if (flags.json) {
          write(JSON.stringify(summary, null, 2));
          return;
        }
        const where = flags.in ? ` in ${flags.in}` : '';
        write(
          `recorded suite ${flags.suite}${where}: ${summary.tests} tests, ${summary.passed} passed, ${summary.failed} failed, ${summary.errored} errored, ${summary.skipped} skipped` +
            `${summary.stored ? '' : ' (already recorded: identical results)'}`,
        );
        for (const name of summary.failures.slice(0, 10)) write(`  failed: ${name}`);
        const reruns = summary.reruns;
        if (reruns !== undefined) {
          write(
            `  ${reruns.repeats > 0 ? `${reruns.repeats} test case(s) repeat an earlier one's name; merged` : 'runs in several reports merged'} as reruns (as a suite declared reruns: true reads them): ` +
              `${reruns.tests} tests, ${reruns.passed} passed (${reruns.flaky} flaky), ${reruns.failed} failed, ${reruns.errored} errored, ${reruns.skipped} skipped`,
          );
        }
      };
      const { expandInputs } = await import('../input-files.js');
      const remote = await remoteOfCommand(command);
      if (remote) {
        const inputs = await expandInputs(args, process.stdin);
        try {
          // Checked here as locally: a missing file is the same error, and nothing is sent.
          const { assertReadableFile } = await import('../../app/attest.js');
          for (const file of inputs.files) await assertReadableFile(file);
          // Every report in one request, streamed part after part; summed on the server as here.
          const { document } = await remote.request<TestsDocument>(
            'POST',
            remote.artifactPath(flags.artifact, '/tests'),
            {
              query: { suite: flags.suite, in: flags.in },
              files: inputs.files,
              contentType: 'application/xml',
            },
          );
          print(document);
        } finally {
          inputs.dispose();
        }
        return;
      }
      await withContext(command, async (ctx) => {
        const { attestTests } = await import('../../app/attest.js');
        const { testsDocument } = await import('../../app/documents.js');
        const inputs = await expandInputs(args, process.stdin);
        const result = await attestTests(ctx, {
          artifact: flags.artifact,
          suite: flags.suite,
          files: inputs.files,
          ...(flags.in === undefined ? {} : { stage: flags.in }),
        }).finally(inputs.dispose);
        print(testsDocument(flags.suite, result));
      });
    });
}

function defineAttestCdEvent(attest: Command): void {
  attest
    .command('cdevent')
    .description(
      'record a CDEvent (or a CloudEvent carrying one): testsuiterun.finished as test results, artifact.signed as opaque evidence',
    )
    .requiredOption('--artifact <digest>', 'the registered artifact digest')
    .option('--suite <name>', "suite name for testsuiterun events (default: the event's test suite)")
    .option('--in <stage>', "the stage it happened in (default: the event's environment, when it is a stage)")
    .option('--json', 'print the recorded evidence as JSON')
    .argument('<file>', 'the event as JSON, a glob matching one file, or - for standard input')
    .action(async (arg: string, _options, command: Command) => {
      const flags = flagsOf<{ artifact: string; suite?: string; in?: string; json?: boolean }>(command);
      const { expandOneInput } = await import('../input-files.js');
      const remote = await remoteOfCommand(command);
      let recorded: CdEventDocument;
      if (remote) {
        const input = await expandOneInput(arg, process.stdin);
        try {
          const { assertReadableFile } = await import('../../app/attest.js');
          await assertReadableFile(input.file);
          ({ document: recorded } = await remote.request<CdEventDocument>(
            'POST',
            remote.artifactPath(flags.artifact, '/cdevents'),
            {
              query: { suite: flags.suite, in: flags.in },
              files: [input.file],
              contentType: 'application/json',
            },
          ));
        } finally {
          input.dispose();
        }
      } else {
        recorded = await withContext(command, async (ctx) => {
          const { attestCdEvent } = await import('../../app/attest-cdevent.js');
          const { cdEventDocument } = await import('../../app/documents.js');
          const input = await expandOneInput(arg, process.stdin);
          const result = await attestCdEvent(ctx, {
            artifact: flags.artifact,
            file: input.file,
            ...(flags.suite === undefined ? {} : { suite: flags.suite }),
            ...(flags.in === undefined ? {} : { stage: flags.in }),
          }).finally(input.dispose);
          return cdEventDocument(result);
        });
      }
      if (flags.json) {
        write(JSON.stringify(recorded, null, 2));
        return;
      }
      write(
        `recorded ${recorded.type}${recorded.stage ? ` in ${recorded.stage}` : ''} as ${recorded.data.kind} evidence${recorded.stored ? '' : ' (already recorded)'}`,
      );
    });
}

/** Subcommands of `attest`, one line each. */
export const ATTEST_SUBCOMMANDS: Array<(attest: Command) => void> = [
  defineAttestTests,
  defineAttestEvidence,
  defineAttestStatement,
  defineAttestVerification,
  defineAttestCdEvent,
];

export function defineAttest(program: Command): void {
  const attest = program.command('attest').description('record evidence about an artifact digest');
  for (const define of ATTEST_SUBCOMMANDS) define(attest);
}
