/**
 * Look-alike digests for tests: two digests sharing their first 16 hex digits (past the 12 a
 * person is shown), and a pipeline whose prod needs one approval, which must confirm them.
 */
import { twoStageContract } from './builders.js';

export const SHARED = '0123456789abcdef';
export const GENUINE = `sha256:${SHARED}${'a'.repeat(48)}`;
export const IMPOSTOR = `sha256:${SHARED}${'b'.repeat(48)}`;

/** dev lets anything in; prod, from dev, needs one approval. */
export const APPROVED_PROD = twoStageContract('      approvals: { count: 1 }', undefined, { first: 'dev' });
