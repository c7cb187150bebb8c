/**
 * `tollgate attest sbom|scan|provenance FILE` and `tollgate attest evidence FILE` (format and kind
 * detected from the content). Raw files or in-toto statements, DSSE envelopes, Sigstore bundles.
 */
import type { Command } from 'commander';
import type { EvidenceDocument } from '../../app/documents.js';
import type { EvidenceRecord } from '../../evidence/evidence.js';
import type { ExpectedEvidence } from '../../evidence/normalise-evidence.js';
import { assertLocalOnly, flagsOf, remoteOfCommand, withContext, write } from '../run.js';

interface Flags {
  artifact: string;
  in?: string;
  json?: boolean;
  maxEvidenceBytes?: string;
}

function defineOne(
  attest: Command,
  name: string,
  expected: ExpectedEvidence | undefined,
  description: string,
): void {
  attest
    .command(name)
    .description(description)
    .requiredOption('--artifact <digest>', 'the registered artifact digest')
    .option('--in <stage>', 'the stage the evidence was produced in')
    .option('--max-evidence-bytes <size>', 'largest file accepted: bytes, or with K, M, G (default 256M)')
    .option('--json', 'print the recorded evidence as one JSON object')
    .argument(
      '<file>',
      'the evidence file (raw, in-toto statement, DSSE envelope or Sigstore bundle), a glob matching one file, or - for standard input',
    )
    .action(async (arg: string, _options, command: Command) => {
      const flags = flagsOf<Flags>(command);
      const { describeEvidence } = await import('../../app/attest-evidence.js');
      const print = (shown: EvidenceDocument | EvidenceDocument[]) => {
        if (flags.json) {
          write(JSON.stringify(shown, null, 2));
          return;
        }
        const where = flags.in ? ` in ${flags.in}` : '';
        for (const item of Array.isArray(shown) ? shown : [shown]) {
          // The document carries what the description reads: kind, format, data (less an SBOM's components).
          const record = {
            data: item.data,
            format: item.format,
            signer: item.signer,
          } as unknown as EvidenceRecord;
          const signed = item.signer ? `, signed by ${item.signer.name}` : '';
          write(
            `recorded ${describeEvidence(record)}${where}${signed}${item.stored ? '' : ' (already recorded: identical evidence)'}`,
          );
        }
      };
      const { expandOneInput } = await import('../input-files.js');
      const remote = await remoteOfCommand(command);
      if (remote) {
        assertLocalOnly('--max-evidence-bytes', flags.maxEvidenceBytes, "the server's own limit applies");
        const input = await expandOneInput(arg, process.stdin);
        try {
          // Checked here as locally (the same error, nothing sent); sent as a file part named by its path.
          const { assertReadableFile } = await import('../../app/attest.js');
          await assertReadableFile(input.file);
          const { document } = await remote.request<EvidenceDocument | EvidenceDocument[]>(
            'POST',
            remote.artifactPath(flags.artifact, '/evidence'),
            { query: { kind: expected, in: flags.in }, files: [input.file], contentType: 'application/json' },
          );
          print(document);
        } finally {
          input.dispose();
        }
        return;
      }
      await withContext(command, async (ctx) => {
        const { attestEvidence } = await import('../../app/attest-evidence.js');
        const { parseSize } = await import('../../text/size.js');
        const maxBytes = flags.maxEvidenceBytes === undefined ? undefined : parseSize(flags.maxEvidenceBytes);
        const input = await expandOneInput(
          arg,
          process.stdin,
          maxBytes === undefined ? {} : { maxStdinBytes: maxBytes },
        );
        const result = await attestEvidence(ctx, {
          artifact: flags.artifact,
          file: input.file,
          ...(expected === undefined ? {} : { expected }),
          ...(flags.in === undefined ? {} : { stage: flags.in }),
          ...(maxBytes === undefined ? {} : { maxBytes }),
        }).finally(input.dispose);
        const { evidenceDocument } = await import('../../app/documents.js');
        print(evidenceDocument(result, expected) as EvidenceDocument | EvidenceDocument[]);
      });
    });
}

/** Adds the sbom, scan, provenance and evidence subcommands to `attest`. */
export function defineAttestEvidence(attest: Command): void {
  defineOne(
    attest,
    'sbom',
    'sbom',
    'record an SBOM (CycloneDX 1.2–1.7 JSON or 1.0–1.7 XML, SPDX 2.2/2.3 JSON or tag-value, SPDX 3.0 JSON-LD)',
  );
  defineOne(
    attest,
    'scan',
    'scan',
    'record a vulnerability scan (SARIF 2.1.0, Grype JSON, Trivy JSON, CycloneDX VEX/VDR, in-toto vulns)',
  );
  defineOne(
    attest,
    'provenance',
    'provenance',
    'record SLSA provenance v1/v0.2/v0.1 (usually a signed statement)',
  );
  defineOne(
    attest,
    'evidence',
    undefined,
    'record any evidence file, its format and kind detected from its content',
  );
}
