/**
 * Loads the contract's `trust` section: PEM keys and Sigstore identities (with their trusted
 * roots) read from files relative to the contract.
 */
import { resolve } from 'node:path';
import type { Contract } from '../contract/types.js';
import { readPublicKeyFile } from '../trust/keys.js';
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
