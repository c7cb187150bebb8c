import { z } from 'zod';

export const provenancePolicy = z
  .strictObject({
    builderId: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Pattern the SLSA builder id must match; "*" matches any run of characters. Example: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/*@refs/tags/v*".',
      ),
    sourceRepository: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Pattern the source repository must match ("*" as above). Compared without "git+", "@ref" and ".git"; a pattern without a scheme ignores the scheme. Example: "github.com/acme/*".',
      ),
    commitMatchesLabel: z
      .boolean()
      .default(false)
      .describe("The provenance's source commit must equal the artifact's `commit` label (set at register)."),
  })
  .describe('SLSA provenance constraints.');

export const provenanceRequirement = z
  .union(
    [z.literal('required').describe('SLSA provenance must be attested; any builder.'), provenancePolicy],
    {
      error: 'expected "required" or { builderId, sourceRepository, commitMatchesLabel }',
    },
  )
  .describe('SLSA provenance (v1 or v0.2) attested for the digest (`tollgate attest provenance`).');

export type ProvenanceRequirement = z.infer<typeof provenanceRequirement>;
export type ProvenancePolicy = z.infer<typeof provenancePolicy>;

export function toProvenancePolicy(requirement: ProvenanceRequirement): ProvenancePolicy {
  return requirement === 'required' ? { commitMatchesLabel: false } : requirement;
}
