/**
 * The gate registry: every gate kind, in the order decisions list them. One line per gate.
 */

import { approvalsGate } from './approvals-gate.js';
import { checkpointGate } from './checkpoint-gate.js';
import { driftGate } from './drift-gate.js';
import { fromGate } from './from-gate.js';
import type { GateDefinition } from './gate.js';
import { provenanceGate } from './provenance-gate.js';
import { rollbackGate } from './rollback-gate.js';
import { rolledBackGate } from './rolled-back-gate.js';
import { rulesGate } from './rules-gate.js';
import { sbomGate } from './sbom-gate.js';
import { signedByGate } from './signed-by-gate.js';
import { soakGate } from './soak-gate.js';
import { testsGate } from './tests-gate.js';
import { verifiedInGate } from './verified-in-gate.js';
import { vulnerabilitiesGate } from './vulnerabilities-gate.js';
import { windowsGate } from './windows-gate.js';

// biome-ignore lint/suspicious/noExplicitAny: each gate has its own config type; the registry only routes.
export const GATES: ReadonlyArray<GateDefinition<any>> = [
  fromGate,
  rolledBackGate,
  signedByGate,
  testsGate,
  sbomGate,
  vulnerabilitiesGate,
  provenanceGate,
  driftGate,
  verifiedInGate,
  soakGate,
  approvalsGate,
  windowsGate,
  rulesGate,
  checkpointGate,
  rollbackGate,
];
