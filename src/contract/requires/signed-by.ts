import { z } from 'zod';

/**
 * Evidence kinds `signedBy` can cover: the kinds that can arrive signed (in-toto statements in DSSE
 * envelopes or Sigstore bundles). Opaque evidence is never read by gates; post-deploy verifications
 * are recorded by Tollgate itself, with their actor in the ledger, and cannot carry a signature.
 */
export const SIGNABLE_KINDS = ['tests', 'sbom', 'vulnerabilities', 'provenance'] as const;

export const signedByRequirement = z
  .strictObject({
    by: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        'Names from the `trust` section (keys or identities); a signature by any one of them counts.',
      ),
    kinds: z
      .array(z.enum(SIGNABLE_KINDS))
      .min(1)
      .optional()
      .describe(
        'Evidence kinds that must be signed (default: all of them). Unsigned evidence of these kinds counts as missing.',
      ),
  })
  .describe('Evidence must carry a verified signature by a trusted signer.');

export type SignedByRequirement = z.infer<typeof signedByRequirement>;
