import { z } from 'zod';

/**
 * `sharedReports` on the `tests`, `vulnerabilities` and `sbom` gates: what to make of an unsigned
 * report whose very bytes were recorded for another artifact of the pipeline first.
 */
export const sharedReports = z
  .enum(['refuse', 'allow'])
  .default('refuse')
  .describe(
    'An unsigned report (JUnit, SARIF, an SBOM, a scan) names no artifact, so the same file can be attested for any digest. When the very bytes were recorded for another artifact of the pipeline first: `refuse` (default) blocks the gate, naming that artifact and ledger entry; `allow` counts the report and lists it as remaining risk, for one run that really covers several images. Signed evidence, whose statement names the digest, is not affected.',
  );

export type SharedReports = z.infer<typeof sharedReports>;
