import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { isDigest, shortHash } from '../../artifact/digest.js';
import { EXIT, TollgateError } from '../../errors.js';
import { flagsOf, withContext, write } from '../run.js';

interface VerifyFlags {
  key: string;
  digest?: string;
  image?: string;
  stage: string;
  pipeline?: string;
  verifier?: string;
  json?: boolean;
  since?: string;
  requireLedger?: boolean;
  allowDemo?: boolean;
  refuseOverridden?: boolean;
  maxAge?: string;
}

/** `tollgate verify VSA --key --digest --stage`: an admission controller's check of a Tollgate verdict. */
export function defineVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'check a signed Tollgate verdict (VSA in a DSSE envelope) for a digest and stage; exit 0 admitted, 1 not',
    )
    .argument('[envelope]', 'the VSA envelope (written by `promote --vsa-out`); or use --image')
    .requiredOption('--key <file>', "the verifier's PEM public key")
    .option('--digest <digest>', 'the digest about to be admitted (with an envelope file)')
    .option(
      '--image <ref>',
      'read the VSAs published next to REGISTRY/REPO@sha256:… (referrers and cosign .att) and verify them',
    )
    .requiredOption('--stage <stage>', 'the stage it must have been admitted to')
    .option('--pipeline <name>', "also require the VSA's policy to be this pipeline's stage")
    .option('--verifier <id>', 'also require this verifier id')
    .option(
      '--require-ledger',
      "refuse a VSA without the promotion's ledger entry, inclusion proof and signed checkpoint",
    )
    .option(
      '--since <checkpoint>',
      'a checkpoint kept from earlier: the VSA must come from the same ledger, not forked, rewritten or truncated since (a consistency proof is read from the ledger when the sizes differ)',
    )
    .option(
      '--allow-demo',
      "admit a demo pipeline's verdict (verified level TOLLGATE_DEMO, decided at a set clock); refused without it",
    )
    .option(
      '--refuse-overridden',
      'refuse a verdict whose promotion entered with gates overridden (verified level TOLLGATE_OVERRIDDEN); admitted without it, naming the gates',
    )
    .option(
      '--max-age <duration>',
      "refuse a VSA whose timeVerified is older than this (30d, 12h, 1w: the contract's durations), by the verifying clock (--now / TOLLGATE_NOW, else the real time)",
    )
    .option('--json', 'print the result as JSON')
    .action(async (envelope: string | undefined, _options, command: Command) => {
      const flags = flagsOf<VerifyFlags>(command);
      // Read before anything else: a bad duration or clock is a usage error, not a refusal.
      const { maxAgeOf } = await import('../../app/signing.js');
      const { resolveClockSetting } = await import('../../app/actor.js');
      if (flags.maxAge !== undefined) maxAgeOf(flags.maxAge);
      const now = resolveClockSetting(flags.now === undefined ? {} : { now: flags.now }, process.env).fixed;
      if (flags.image !== undefined) {
        if (envelope !== undefined || flags.digest !== undefined) {
          throw new TollgateError(
            'USAGE',
            'verify takes an envelope file with --digest, or --image REPO@DIGEST, not both',
          );
        }
        if (flags.since !== undefined) {
          // Not silently dropped: a VSA admitted without the comparison would look compared.
          throw new TollgateError(
            'USAGE',
            'verify --image does not take --since: verify the VSA envelope file (`tollgate vsa STAGE --artifact DIGEST -o vsa.json` writes it) with --digest and --since',
          );
        }
        await verifyImageCommand(flags, now);
        return;
      }
      if (envelope === undefined || flags.digest === undefined) {
        throw new TollgateError(
          'USAGE',
          'verify needs an envelope file and --digest, or --image REGISTRY/REPO@sha256:…',
        );
      }
      const { verifyVerdictFile } = await import('../../app/signing.js');
      // Where the ledger is at hand (a checkpoint to compare with, or a contract given or found
      // here), a rollback of the digest from the stage after the VSA was issued revokes it.
      const contract = flagsOf(command).contract ?? process.env.TOLLGATE_CONTRACT;
      const ledgerAtHand = flags.since !== undefined || contract !== undefined || existsSync('tollgate.yaml');
      // Looked for only when the ledger at hand is the VSA's pipeline's.
      let rollbackChecked = ledgerAtHand;
      const result = await verifyVerdictFile({
        envelopeFile: envelope,
        keyFile: flags.key,
        digest: flags.digest,
        stage: flags.stage,
        ...(flags.pipeline === undefined ? {} : { pipeline: flags.pipeline }),
        ...(flags.verifier === undefined ? {} : { verifierId: flags.verifier }),
        ...(flags.requireLedger ? { requireLedger: true } : {}),
        ...(flags.allowDemo ? { allowDemo: true } : {}),
        ...(flags.refuseOverridden ? { refuseOverridden: true } : {}),
        ...(flags.maxAge === undefined ? {} : { maxAge: flags.maxAge }),
        ...(now === undefined ? {} : { now }),
        ...(ledgerAtHand
          ? {
              rolledBack: (verified, digest) =>
                withContext(command, async (ctx) => {
                  const { vsaRevoked } = await import('../../app/vsa.js');
                  const revoked = await vsaRevoked(ctx, flags.stage, digest, verified);
                  if (typeof revoked === 'object') rollbackChecked = false;
                  return revoked;
                }),
            }
          : {}),
        ...(flags.since === undefined
          ? {}
          : {
              since: flags.since,
              // Only when the two trees differ in size: read from the ledger the contract names.
              consistencyProof: (first: number, second: number) =>
                withContext(command, async (ctx) => {
                  const store = await ctx.services.store();
                  return (await store.consistencyProof(ctx.contract.pipeline, first, second)).hashes;
                }),
            }),
      });
      if (flags.json) {
        write(
          JSON.stringify(
            {
              valid: result.valid,
              reason: result.reason,
              // Whether a rollback after the VSA was issued was looked for: only where the ledger is at hand.
              rollbackChecked,
              ...(result.valid ? { predicate: result.predicate } : {}),
            },
            null,
            2,
          ),
        );
      } else {
        write(`${result.valid ? 'admitted' : 'NOT admitted'}: ${result.reason}`);
      }
      process.exitCode = result.valid ? EXIT.allowed : EXIT.blocked;
    });
}

/** `verify --image REPO@DIGEST`: every VSA published next to the image, each checked. */
async function verifyImageCommand(flags: VerifyFlags, now: Date | undefined): Promise<void> {
  const { verifyImage } = await import('../../app/publish.js');
  const { readPublicKeyFile } = await import('../../trust/keys.js');
  const { maxAgeOf } = await import('../../app/signing.js');
  const key = readPublicKeyFile(flags.key);
  const result = await verifyImage(process.env, flags.image!, {
    key,
    stage: flags.stage,
    ...(flags.pipeline === undefined ? {} : { pipeline: flags.pipeline }),
    ...(flags.verifier === undefined ? {} : { verifierId: flags.verifier }),
    ...(flags.allowDemo ? { allowDemo: true } : {}),
    ...(flags.requireLedger ? { requireLedger: true } : {}),
    ...(flags.refuseOverridden ? { refuseOverridden: true } : {}),
    ...(flags.maxAge === undefined ? {} : { maxAge: maxAgeOf(flags.maxAge) }),
    ...(now === undefined ? {} : { now }),
  });
  if (flags.json) {
    write(
      JSON.stringify(
        {
          image: result.image,
          valid: result.admitted,
          rollbackChecked: false,
          found: result.checks.map((c) => ({
            location: c.location,
            blob: c.blob,
            valid: c.result.valid,
            reason: c.result.reason,
          })),
        },
        null,
        2,
      ),
    );
  } else {
    if (result.checks.length === 0) write(`NOT admitted: no VSA is published next to ${result.image}`);
    else {
      write(`${result.admitted ? 'admitted' : 'NOT admitted'}: ${result.image}`);
      for (const check of result.checks) {
        write(
          `  ${check.result.valid ? '✓' : '✗'} ${check.location} ${isDigest(check.blob) ? shortHash(check.blob) : check.blob}: ${check.result.reason}`,
        );
      }
      // A VSA is a signed snapshot: read next to the image, it says nothing of a rollback since.
      if (result.admitted)
        write(
          '  a later rollback was not checked (no ledger at hand: verify the envelope file with -c or beside tollgate.yaml)',
        );
    }
  }
  process.exitCode = result.admitted ? EXIT.allowed : EXIT.blocked;
}
