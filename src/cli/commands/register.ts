import type { Command } from 'commander';
import { TollgateError } from '../../errors.js';
import { assertLocalOnly, flagsOf, remoteOfCommand, withContext, write } from '../run.js';

export function defineRegister(program: Command): void {
  program
    .command('register')
    .description('register an artifact by digest (of a file or directory, or given), with immutable labels')
    .option('--file <path>', 'digest this file (streamed sha256) or directory (digest of its sorted files)')
    .option('--digest <digest>', 'the artifact digest, e.g. sha256:…')
    .option(
      '--image <ref>',
      'an image in an OCI registry, REGISTRY/REPO:TAG (resolved to its digest) or REGISTRY/REPO@sha256:… (checked to exist)',
    )
    .option(
      '--label <key=value>',
      'a label such as version=1.4.2, commit=…, author=… (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--json', 'print the artifact as JSON')
    .action(async (_options, command: Command) => {
      const flags = flagsOf<{ file?: string; digest?: string; image?: string; label: string[] }>(command);
      const print = (document: { digest: string; labels: Record<string, string>; created: boolean }) => {
        if (flags.json) {
          write(JSON.stringify(document, null, 2));
          return;
        }
        const { created } = document;
        const artifact = document;
        const labels = Object.entries(artifact.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        // Named by another digest of the same bytes (its sha512): say which artifact that is.
        const given = flags.digest?.trim();
        const from =
          flags.image !== undefined
            ? ` (${flags.image})`
            : given !== undefined && given !== artifact.digest
              ? ` (the same bytes as ${given})`
              : '';
        write(
          `${created ? 'registered' : 'already registered'} ${artifact.digest}${from}${labels ? ` ${labels}` : ''}`,
        );
      };
      const { parseLabels } = await import('../../app/register.js');
      const remote = await remoteOfCommand(command);
      if (remote) {
        assertLocalOnly('--image', flags.image, 'give --digest (or --file, digested here)');
        if ((flags.file === undefined) === (flags.digest === undefined))
          throw new TollgateError('USAGE', 'register needs exactly one of --file PATH or --digest sha256:…');
        // The file is digested here, where it is; its digests and labels go to the server, the
        // sha512 of the same read beside the sha256 as a local register --file records it.
        const { digestPathForRegister } = await import('../../artifact/file-digest.js');
        const read = flags.file === undefined ? undefined : await digestPathForRegister(flags.file);
        const digest = flags.digest ?? read!.digest;
        const { document } = await remote.request<Parameters<typeof print>[0]>(
          'POST',
          remote.pipelinePath('/artifacts'),
          {
            json: {
              digest,
              ...(read?.sha512 === undefined ? {} : { sha512: read.sha512 }),
              labels: parseLabels(flags.label),
            },
          },
        );
        print(document);
        return;
      }
      await withContext(command, async (ctx) => {
        const { registerArtifact } = await import('../../app/register.js');
        const { registerDocument } = await import('../../app/documents.js');
        const result = await registerArtifact(ctx, {
          labels: parseLabels(flags.label),
          ...(flags.file === undefined ? {} : { file: flags.file }),
          ...(flags.digest === undefined ? {} : { digest: flags.digest }),
          ...(flags.image === undefined ? {} : { image: flags.image }),
        });
        print(registerDocument(result));
      });
    });
}
