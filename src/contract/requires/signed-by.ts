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
    require: z
      .array(z.enum(SIGNABLE_KINDS))
      .min(1)
      .optional()
      .describe(
        'Evidence kinds that must exist, signed by a named signer (each one also covered by `kinds`). Without it, a stage with no evidence of the covered kinds is "not applicable" for signedBy: nothing was judged.',
      ),
  })
  .superRefine((value, context) => {
    const covered: readonly string[] = value.kinds ?? SIGNABLE_KINDS;
    const seen = new Set<string>();
    value.require?.forEach((kind, index) => {
      if (seen.has(kind)) {
        context.addIssue({ code: 'custom', path: ['require', index], message: `"${kind}" is given twice` });
      } else if (!covered.includes(kind)) {
        context.addIssue({
          code: 'custom',
          path: ['require', index],
          message: `"${kind}" is required but not covered by kinds (${covered.join(', ')}): add it to kinds`,
        });
      }
      seen.add(kind);
    });
  })
  .describe('Evidence must carry a verified signature by a trusted signer.');

export type SignedByRequirement = z.infer<typeof signedByRequirement>;
