import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { flagsOf, write } from '../run.js';

interface VerifyBundleFlags {
  artifact?: string;
  digest?: string;
  key?: string;
  identity?: string;
  issuer?: string;
  trustedRoot?: string;
  json?: boolean;
}

/** `tollgate verify-bundle`: one bundle or envelope, checked like `cosign verify-blob`. */
export function defineVerifyBundle(program: Command): void {
  program
    .command('verify-bundle')
    .description('verify a Sigstore bundle (v0.1-v0.3) or DSSE envelope offline; exit 0 valid, 1 invalid')
    .argument('<bundle>', 'bundle or DSSE envelope JSON file')
    .option('--artifact <file>', 'the signed artifact (its SHA-256 must be a statement subject)')
    .option('--digest <digest>', 'the artifact digest, when the file is not at hand (DSSE content only)')
    .option('--key <file>', 'PEM public key (Ed25519 or ECDSA P-256) for key-signed bundles and envelopes')
    .option(
      '--identity <subject>',
      'certificate subject for keyless bundles ("*" matches any run of characters, but not over the subject\'s first "@" unless the pattern has one there: ...@*)',
    )
    .option('--issuer <url>', 'OIDC issuer for keyless bundles')
    .option(
      '--trusted-root <file>',
      'Sigstore trusted_root.json (default: the public-good snapshot shipped with Tollgate)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (bundle: string, _options, command: Command) => {
      const flags = flagsOf<VerifyBundleFlags>(command);
      const { verifyBundleFile } = await import('../../trust/verify-bundle.js');
      const result = await verifyBundleFile(bundle, {
        ...(flags.artifact === undefined ? {} : { artifactPath: flags.artifact }),
        ...(flags.digest === undefined ? {} : { digest: flags.digest }),
        ...(flags.key === undefined ? {} : { keyPath: flags.key }),
        ...(flags.identity === undefined ? {} : { identity: flags.identity }),
        ...(flags.issuer === undefined ? {} : { issuer: flags.issuer }),
        ...(flags.trustedRoot === undefined ? {} : { trustedRootPath: flags.trustedRoot }),
      });
      if (flags.json) {
        write(
          JSON.stringify(
            {
              valid: result.valid,
              reason: result.reason,
              ...(result.signer ? { signer: result.signer } : {}),
              ...(result.statement ? { predicateType: result.statement.predicateType } : {}),
            },
            null,
            2,
          ),
        );
      } else {
        write(`${result.valid ? 'valid' : 'INVALID'}: ${result.reason}`);
      }
      process.exitCode = result.valid ? EXIT.allowed : EXIT.blocked;
    });
}
