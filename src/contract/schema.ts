/**
 * The contract's one definition. The TypeScript types (types.ts), the strict validation
 * (load-contract.ts) and the editor JSON Schema (schema/tollgate.schema.json, written by
 * `npm run build`) all come from here.
 *
 * Each `requires` section lives in its own file under ./requires/ and is listed once in
 * `requiresShape` below; add a gate's contract keys there.
 */
import './zod-setup.js';
import { z } from 'zod';
import { nearestName } from '../text/nearest.js';
import { checkPolicyReferences, peopleShape } from './people-section.js';
import { approvalsRequirement } from './requires/approvals.js';
import { checkpointRequirement } from './requires/checkpoint.js';
import { driftRequirement, driftSection } from './requires/drift.js';
import { provenanceRequirement } from './requires/provenance.js';
import { metricsSection, rollbackSection } from './requires/rollback.js';
import { rulesRequirement } from './requires/rules.js';
import { sbomRequirement } from './requires/sbom.js';
import { signedByRequirement } from './requires/signed-by.js';
import { soakRequirement } from './requires/soak.js';
import { testsRequirement } from './requires/tests.js';
import { verifiedInRequirement } from './requires/verified-in.js';
import { vulnerabilitiesRequirement } from './requires/vulnerabilities.js';
import { windowsRequirement } from './requires/windows.js';
import { checkSignerReferences, trustSection } from './trust-section.js';

/**
 * A pipeline's or a stage's name: it is a segment of the API's addresses, which take at most 128
 * characters (src/server/schemas.ts), so a longer one would load here and then have every page
 * and approval of it refused by the server. The one rule wherever a pipeline or stage is named:
 * `tollgate init --pipeline`, a token's pipelines and stages, the server's sign-in and CI rules.
 */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;
export const NAME_RULE = 'lower-case letters, digits, ".", "_" or "-", at most 128 characters';

const stageName = z.string().regex(NAME_PATTERN, `a stage name: ${NAME_RULE}`);

/** Every gate section a stage may require. One line per gate. */
export const requiresShape = {
  tests: testsRequirement.optional(),
  drift: driftRequirement.optional(),
  approvals: approvalsRequirement.optional(),
  soak: soakRequirement.optional(),
  verifiedIn: verifiedInRequirement.optional(),
  windows: windowsRequirement.optional(),
  rules: rulesRequirement.optional(),
  signedBy: signedByRequirement.optional(),
  sbom: sbomRequirement.optional(),
  vulnerabilities: vulnerabilitiesRequirement.optional(),
  provenance: provenanceRequirement.optional(),
  checkpoint: checkpointRequirement.optional(),
};

/**
 * Every gate key a decision can hold, for `overrides.gates`: the `requires` keys, and the gates
 * every stage has (`from`, `rolledBack`) or that `rollback` adds. The registry (src/gates/index.ts)
 * lists the same keys; a test holds the two together.
 */
export const GATE_KEYS: readonly string[] = ['from', 'rolledBack', ...Object.keys(requiresShape), 'rollback'];

/** Override grants naming a gate no stage can have: a typo would grant nothing it reads as. */
function checkOverrideGates(contract: { overrides?: { gates?: string[] }[] | undefined }) {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const [index, grant] of (contract.overrides ?? []).entries())
    for (const [i, gate] of (grant.gates ?? []).entries())
      if (!GATE_KEYS.includes(gate)) {
        const near = nearestName(gate, GATE_KEYS, Math.max(2, Math.floor(gate.length / 2)));
        issues.push({
          path: ['overrides', index, 'gates', i],
          message: `"${gate}" is not a gate${near ? `; did you mean "${near}"?` : `; gates are ${GATE_KEYS.join(', ')}`}`,
        });
      }
  return issues;
}

export const requiresSchema = z
  .strictObject(requiresShape)
  .describe('The gates an artifact must pass to enter the stage.');

export const stageSchema = z
  .strictObject({
    purpose: z
      .string()
      .min(1)
      .describe('Why this stage exists, in a few words (shown in decisions and status).'),
    from: z
      .union([stageName, z.array(stageName).min(1)])
      .optional()
      .describe('Upstream stage(s): the same digest must have entered each of them, and not failed there.'),
    config: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Configuration files of this stage, relative to the contract; later files override earlier ones.',
      ),
    requires: requiresSchema.default({}),
    rollback: rollbackSection.optional(),
  })
  .describe('One environment and its entry contract.');

export const artifactSchema = z
  .strictObject({
    type: z.enum(['oci', 'file', 'package']).describe('What kind of artifact moves through the pipeline.'),
    repository: z.string().min(1).optional().describe('OCI repository or package name, for people and VSAs.'),
  })
  .describe('What moves through the pipeline; it is always identified by digest.');

/**
 * Top-level keys starting with this are not part of the contract: the loader drops them before
 * validating, so they can hold YAML anchors (`x-defaults: &defaults …`), as in Compose files.
 */
export const EXTENSION_PREFIX = 'x-';

export const contractSchema = z
  .strictObject({
    version: z.literal(1).describe('Contract format version; always 1.'),
    pipeline: z
      .string()
      .regex(NAME_PATTERN, `a pipeline name: ${NAME_RULE}`)
      .describe('The deliverable this contract governs.'),
    artifact: artifactSchema,
    demo: z
      .boolean()
      .optional()
      .describe(
        'A demo pipeline: recording commands may run at a set clock (`--now`, TOLLGATE_NOW), and every decision and VSA says it is a demo. Never set it for a real pipeline.',
      ),
    metrics: metricsSection.optional(),
    drift: driftSection.optional(),
    trust: trustSection.optional(),
    stages: z
      .record(stageName, stageSchema)
      .refine((stages) => Object.keys(stages).length > 0, 'at least one stage')
      .describe('Stages by name; they form a graph through `from`.'),
    ...peopleShape,
  })
  .superRefine((contract, ctx) => {
    for (const issue of checkPolicyReferences(contract)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of checkSignerReferences(contract)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of checkOverrideGates(contract)) ctx.addIssue({ code: 'custom', ...issue });
  })
  .describe('Tollgate contract: the entry requirements of every stage of one pipeline.');
