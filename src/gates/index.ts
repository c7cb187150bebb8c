/**
 * The gate registry: every gate kind, in the order decisions list them. One line per gate.
 */
import { fromGate } from './from-gate.js';
import { rollbackGate } from './rollback-gate.js';
import type { GateDefinition } from './gate.js';
import { testsGate } from './tests-gate.js';

// biome-ignore lint/suspicious/noExplicitAny: each gate has its own config type; the registry only routes.
export const GATES: ReadonlyArray<GateDefinition<any>> = [fromGate, testsGate, rollbackGate];
