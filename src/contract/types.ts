import type { z } from 'zod';
import { TollgateError } from '../errors.js';
import { ownValue } from '../records.js';
import { didYouMean } from '../text/nearest.js';
import type { contractSchema, stageSchema } from './schema.js';

/** A validated contract, as the gates see it. */
export type Contract = z.infer<typeof contractSchema> & {
  /** Where it was read from, for messages. */
  file: string;
  /** `sha256:` of the contract file's bytes: the policy a decision was made under. */
  digest: string;
  /** The contract's text as read (what `digest` hashes): recorded when the contract is pinned or changed. */
  text: string;
  /** The directory relative config paths resolve against. */
  root: string;
};

export type ContractStage = z.infer<typeof stageSchema>;

/** A registered artifact: its digest and immutable labels. */
export interface Artifact {
  digest: string;
  labels: Record<string, string>;
  registeredAt: string;
  /** Where the digest came from: `file:PATH`, `digest`, `oci:REF`. */
  source: string;
  /**
   * Other digests of the same bytes, recorded when Tollgate read them (`register --file` of a
   * file): DigestSet algorithm → lower-case hex, e.g. `{ sha512: "…" }`. Absent when the bytes
   * were never read (`--digest`, `--image`, a directory) or the registration predates it.
   */
  digests?: Readonly<Record<string, string>>;
}

/** The upstream stages of a stage, always as a list. */
export function upstreamOf(stage: ContractStage): string[] {
  if (stage.from === undefined) return [];
  return Array.isArray(stage.from) ? stage.from : [stage.from];
}

/**
 * The stage named `name`, or a STAGE_UNKNOWN error listing the stages that exist (and the nearest
 * name, for a likely typo).
 */
export function stageOf(contract: Contract, name: string): ContractStage {
  const stage = ownValue(contract.stages, name);
  if (!stage) {
    const names = Object.keys(contract.stages);
    throw new TollgateError(
      'STAGE_UNKNOWN',
      `${contract.file}: no stage "${name}"; stages are ${names.join(', ')}${didYouMean(name, names)}`,
    );
  }
  return stage;
}
