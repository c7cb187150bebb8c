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
        'Certificate subject (workflow URI or e-mail); "*" matches any run of characters, but a "*" before the pattern\'s first "@" does not reach over the subject\'s first "@" (between workflow and ref) unless it ends a pattern without "@", e.g. https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/*.',
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
    verifier: z
      .strictObject({
        id: z
          .string()
          .min(1)
          .optional()
          .describe(
            'The VSA `verifier.id` (a URI naming this Tollgate installation); default `tollgate:<pipeline>`.',
          ),
        key: z
          .string()
          .min(1)
          .optional()
          .describe(
            'PEM private key (Ed25519 or ECDSA P-256) that signs the VSA at every promotion, relative to the contract; TOLLGATE_VSA_KEY (a file path) may take its place only with the same public key. Without a key no VSA is emitted.',
          ),
        publicKey: z
          .string()
          .min(1)
          .optional()
          .describe(
            'PEM public key of the verifier, relative to the contract, pinned with it: the signing key (TOLLGATE_VSA_KEY or `key`) must be its private half, or promote and publish are refused. Lets CI keep the private key in a secret while the contract still says which key signs.',
          ),
      })
      .optional()
      .describe('How Tollgate signs its own verdicts (SLSA Verification Summary Attestations).'),
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

/** A contract problem at a path, for the schema's superRefine. */
export interface SignerIssue {
  path: (string | number)[];
  message: string;
}

/** `signedBy.by` names that the trust section does not declare. */
export function checkSignerReferences(contract: {
  trust?: TrustSection | undefined;
  stages: Record<string, { requires?: Record<string, unknown> }>;
}): SignerIssue[] {
  const declared = signerNames(contract.trust);
  const issues: SignerIssue[] = [];
  for (const [stage, definition] of Object.entries(contract.stages)) {
    const signedBy = definition.requires?.signedBy as { by?: string[] } | undefined;
    for (const [index, name] of (signedBy?.by ?? []).entries()) {
      if (!declared.includes(name)) {
        issues.push({
          path: ['stages', stage, 'requires', 'signedBy', 'by', index],
          message: `"${name}" is not a key or identity in the trust section${declared.length > 0 ? `; declared: ${declared.join(', ')}` : ' (there is none)'}`,
        });
      }
    }
  }
  return issues;
}
