import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { matchesGlob } from '../text/glob.js';

/** A keyless (Fulcio certificate) signer Tollgate trusts, as named in the contract's `trust.identities`. */
export interface SigstoreIdentity {
  name: string;
  /** OIDC issuer, compared exactly (`https://token.actions.githubusercontent.com`). */
  issuer: string;
  /**
   * Certificate subject (SAN: workflow URI or e-mail). `*` matches any run of characters, every
   * other character matches itself; the whole subject must match.
   */
  subject: string;
  trustedRoot: TrustedRoot;
}

/** Tests a subject against a pattern where `*` matches any run of characters and nothing else is special. */
export function matchesSubject(pattern: string, subject: string): boolean {
  return matchesGlob(pattern, subject);
}
