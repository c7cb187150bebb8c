import { z } from 'zod';
import { compileAtGlob, compileGlob, type Glob } from '../../text/glob.js';

export const provenancePolicy = z
  .strictObject({
    builderId: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Pattern the SLSA builder id must match; "*" matches any run of characters, but a "*" before the pattern\'s first "@" does not reach over the builder id\'s first "@" (between workflow and ref), as for identity subjects. Example: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/*@refs/tags/v*".',
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
  .transform(compileProvenancePolicy)
  .describe('SLSA provenance (v1, v0.2 or v0.1) attested for the digest (`tollgate attest provenance`).');

/** A stage's provenance policy once loaded: the shorthand as the object form, patterns compiled. */
export interface ProvenancePolicy {
  builderId?: Glob;
  /** The pattern as written, and compiled against repositories made comparable. */
  sourceRepository?: { pattern: string; glob: Glob; keepScheme: boolean };
  commitMatchesLabel: boolean;
}

/**
 * A repository as provenance and contracts name it, made comparable: without `git+`, `@ref`,
 * trailing slashes and `.git`, and without its scheme unless the pattern names one.
 */
export function comparableRepository(value: string, keepScheme: boolean): string {
  let text = value.trim().replace(/^git\+/, '');
  const schemeEnd = text.indexOf('://');
  const pathStart = text.indexOf('/', schemeEnd === -1 ? 0 : schemeEnd + 3);
  const at = text.lastIndexOf('@');
  if (at !== -1 && pathStart !== -1 && at > pathStart) text = text.slice(0, at);
  text = text.replace(/\/+$/, '').replace(/\.git$/, '');
  if (!keepScheme) text = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return text;
}

function compileProvenancePolicy(policy: z.infer<typeof provenancePolicy> | 'required'): ProvenancePolicy {
  if (policy === 'required') return { commitMatchesLabel: false };
  const out: ProvenancePolicy = { commitMatchesLabel: policy.commitMatchesLabel };
  // A builder id names a workflow at a ref (`…/generator.yml@refs/tags/v2.1.0`) as a certificate
  // subject does, so it is matched by the subject rule: `*` does not reach over the first `@`.
  if (policy.builderId !== undefined) out.builderId = compileAtGlob(policy.builderId);
  if (policy.sourceRepository !== undefined) {
    const keepScheme = policy.sourceRepository.includes('://');
    // Hosts and paths of repositories compare without regard to case (github.com/Acme = acme).
    const glob = compileGlob(comparableRepository(policy.sourceRepository, keepScheme), { ignoreCase: true });
    out.sourceRepository = { pattern: policy.sourceRepository, glob, keepScheme };
  }
  return out;
}
