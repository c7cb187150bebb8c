/**
 * Loads the contract's `trust` section: PEM keys and Sigstore identities (with their trusted
 * roots) read from files relative to the contract, and the VSA signing key.
 */
import { resolve } from 'node:path';
import type { Contract } from '../contract/types.js';
import { type PrivateKeyInfo, readPrivateKeyFile, readPublicKeyFile } from '../trust/keys.js';
import type { TrustSet } from '../trust/signed-input.js';
import { publicGoodTrustedRoot, readTrustedRoot } from '../trust/trusted-root.js';

/** The keys and identities the contract trusts, loaded. Throws KEY_UNSUPPORTED / CONFIG_INVALID naming the file. */
export function loadTrustSet(contract: Contract): TrustSet {
  const trust = contract.trust;
  if (trust === undefined) return { keys: [], identities: [] };
  const keys = Object.entries(trust.keys).map(([name, path]) => ({
    name,
    ...readPublicKeyFile(resolve(contract.root, path)),
  }));
  const identities = Object.entries(trust.identities).map(([name, identity]) => ({
    name,
    issuer: identity.issuer,
    subject: identity.subject,
    trustedRoot:
      identity.trustedRoot === undefined
        ? publicGoodTrustedRoot()
        : readTrustedRoot(resolve(contract.root, identity.trustedRoot)),
  }));
  return { keys, identities };
}

export interface VsaSigner {
  key: PrivateKeyInfo;
  verifierId: string;
}

/**
 * The key that signs VSAs: TOLLGATE_VSA_KEY (a file path), else `trust.verifier.key` relative to
 * the contract; undefined when neither is set (then no VSA is emitted).
 */
export function loadVsaSigner(
  contract: Contract,
  env: NodeJS.ProcessEnv = process.env,
): VsaSigner | undefined {
  const configured = contract.trust?.verifier?.key;
  const path =
    env.TOLLGATE_VSA_KEY || (configured === undefined ? undefined : resolve(contract.root, configured));
  if (path === undefined) return undefined;
  return {
    key: readPrivateKeyFile(path),
    verifierId: contract.trust?.verifier?.id ?? `tollgate:${contract.pipeline}`,
  };
}
