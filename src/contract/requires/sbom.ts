import { z } from 'zod';
import { compilePurlPattern, type PurlPattern } from '../../artifact/purl-pattern.js';
import { isSpdxExpression } from '../../evidence/spdx-license.js';
import { type SharedReports, sharedReports } from './shared-reports.js';

/** A purl pattern: `pkg:TYPE/…`, where `*` matches any run of characters. */
export const purlPattern = z
  .string()
  .regex(
    /^pkg:[A-Za-z0-9.+-]+\/\S+$/,
    'a package URL pattern such as "pkg:npm/left-pad" or "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.*"',
  )
  .transform(compilePurlPattern);

export const spdxLicenseExpression = z.string().min(1).refine(isSpdxExpression, {
  message: 'an SPDX licence id or expression such as "GPL-3.0-only", "AGPL-3.0-or-later" or "SSPL-1.0"',
});

export const sbomPolicy = z
  .strictObject({
    required: z
      .boolean()
      .default(true)
      .describe('An SBOM must be attested for the digest (default true); false: checked only when present.'),
    denyLicenses: z
      .array(spdxLicenseExpression)
      .default([])
      .describe(
        'SPDX licence ids or expressions no component may be used under. A component passes when its licence expression offers at least one choice free of denied licences; `-or-later` ranges are honoured ("GPL-2.0-or-later" denies GPL-3.0-only too).',
      ),
    bannedComponents: z
      .array(purlPattern)
      .default([])
      .describe(
        'Package URL patterns no component may match. Without "@" any version matches; "*" matches any run of characters; qualifiers and subpath are ignored unless the pattern has them.',
      ),
    sharedReports,
  })
  .describe('SBOM policy: presence, licence deny-list, banned components.');

export const sbomRequirement = z
  .union(
    [
      z
        .enum(['required', 'optional'])
        .describe(
          '"required": an SBOM must be attested; "optional": its absence is listed as remaining risk.',
        ),
      sbomPolicy,
    ],
    {
      error:
        'expected "required", "optional", or { required, denyLicenses, bannedComponents, sharedReports }',
    },
  )
  .transform(
    (requirement): SbomPolicy =>
      typeof requirement === 'object'
        ? requirement
        : {
            required: requirement === 'required',
            denyLicenses: [],
            bannedComponents: [],
            sharedReports: 'refuse',
          },
  )
  .describe('A CycloneDX or SPDX SBOM attested for the digest (`tollgate attest sbom`).');

/** A stage's SBOM policy once loaded: either shorthand as the object form, patterns compiled. */
export interface SbomPolicy {
  required: boolean;
  denyLicenses: string[];
  bannedComponents: PurlPattern[];
  sharedReports: SharedReports;
}
