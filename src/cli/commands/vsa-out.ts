import { writeFileSync } from 'node:fs';
import { TollgateError } from '../../errors.js';
import type { Envelope } from '../../trust/dsse.js';

/**
 * After a recorded promotion: writes the VSA to `--vsa-out FILE`, or says on stderr why there is
 * none. Asking for a file when no verifier key is configured is a usage error.
 */
export function writeVsaOut(vsa: Envelope | undefined, file: string | undefined): void {
  if (vsa === undefined) {
    if (file !== undefined) {
      throw new TollgateError(
        'USAGE',
        `--vsa-out ${file}: no VSA was signed: set trust.verifier.key in the contract or TOLLGATE_VSA_KEY (the promotion itself is recorded)`,
      );
    }
    return;
  }
  if (file === undefined) {
    process.stderr.write('signed VSA stored with the promotion (write it out with --vsa-out FILE)\n');
    return;
  }
  writeFileSync(file, `${JSON.stringify(vsa, null, 2)}\n`);
  process.stderr.write(`signed VSA written to ${file}\n`);
}
