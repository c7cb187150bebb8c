import { existsSync, writeFileSync } from 'node:fs';
import { TollgateError } from '../errors.js';
import { CONTRACT_SCHEMA_URL } from './json-schema.js';
import { NAME_PATTERN, NAME_RULE } from './schema.js';

/** The commented contract `tollgate init` writes; tests check that it validates. */
export function starterContract(pipeline: string): string {
  return `# yaml-language-server: $schema=${CONTRACT_SCHEMA_URL}
# Tollgate contract: what an artifact must show before it may enter each stage.
# Reference: docs/contract.md. Check it with \`tollgate validate\`.
version: 1
pipeline: ${pipeline}            # the deliverable this contract governs

artifact:
  type: oci                      # oci | file | package; artifacts are always identified by digest
  # repository: registry.example.com/team/${pipeline}

# The first promotion pins this contract: changing it later takes \`tollgate contract update\`, by one
# of these admins. Without admins nobody can change it, so name them before the first promotion.
# admins: [your-name, group:release-managers]

stages:
  dev:
    purpose: fast change feedback
    # config: [deploy/dev/values.yaml]    # this stage's configuration files (later override earlier)
    requires:
      tests:
        - suite: unit            # \`tollgate attest tests --suite unit --artifact sha256:… report.xml\`
          minTests: 1

  staging:
    purpose: release-candidate verification
    from: dev                    # the same digest must have entered dev, and not failed there
    requires:
      tests:
        - suite: unit
        - suite: integration
          maxSkipped: 5          # skipped tests within this allowance are listed as remaining risk

  prod:
    purpose: live user-impact control
    from: staging
    requires:
      tests:
        - suite: e2e
          in: staging            # results produced in staging (\`attest tests --in staging\`)
`;
}

/** Writes the starter contract, refusing to overwrite unless `force`. */
export function writeStarterContract(file: string, pipeline: string, force: boolean): void {
  if (!NAME_PATTERN.test(pipeline))
    throw new TollgateError('USAGE', `--pipeline "${pipeline}": expected a pipeline name: ${NAME_RULE}`);
  if (existsSync(file) && !force)
    throw new TollgateError('USAGE', `${file} already exists; pass --force to overwrite it`);
  writeFileSync(file, starterContract(pipeline));
}
