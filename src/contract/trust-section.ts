import { z } from 'zod';

const signerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a signer name: letters, digits, ".", "_" or "-"');

export const trustedIdentity = z
  .strictObject({
    issuer: z
      .string()
      .min(1)
      .describe(
        'OIDC issuer of the signing certificate, compared exactly (e.g. https://token.actions.githubusercontent.com).',
      ),
    subject: z
      .string()
      .min(1)
      .describe(
        'Certificate subject (workflow URI or e-mail); "*" matches any run of characters, e.g. https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/*.',
      ),
    trustedRoot: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Sigstore trusted_root.json, relative to the contract; default: the public-good root snapshot shipped with Tollgate.',
      ),
  })
  .describe('A keyless Sigstore signer: certificate issuer and subject.');

export const trustSection = z
  .strictObject({
    keys: z
      .record(
        signerName,
        z.string().min(1).describe('PEM public key file (Ed25519 or ECDSA P-256), relative to the contract.'),
      )
      .default({})
      .describe('Trusted public keys by name.'),
    identities: z
      .record(signerName, trustedIdentity)
      .default({})
      .describe('Trusted keyless Sigstore identities by name.'),
  })
  .superRefine((trust, context) => {
    for (const name of Object.keys(trust.identities)) {
      if (Object.hasOwn(trust.keys, name)) {
        context.addIssue({
          code: 'custom',
          path: ['identities', name],
          message: `"${name}" is already a key name; keys and identities share one namespace`,
        });
      }
    }
  })
  .describe('Who Tollgate trusts to sign evidence: keys and Sigstore identities, named for `signedBy`.');

export type TrustSection = z.infer<typeof trustSection>;
export type TrustedIdentityConfig = z.infer<typeof trustedIdentity>;

/** Every signer name the trust section declares. */
export function signerNames(trust: TrustSection | undefined): string[] {
  if (trust === undefined) return [];
  return [...Object.keys(trust.keys), ...Object.keys(trust.identities)];
}
