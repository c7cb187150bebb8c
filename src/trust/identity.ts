import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { atGlobNote, compileAtGlob } from '../text/glob.js';

/** A keyless (Fulcio certificate) signer Tollgate trusts, as named in the contract's `trust.identities`. */
export interface SigstoreIdentity {
  name: string;
  /** OIDC issuer, compared exactly (`https://token.actions.githubusercontent.com`). */
  issuer: string;
  /**
   * Certificate subject (SAN: workflow URI or e-mail). `*` matches any run of characters, except
   * that only a final `*` or the pattern's own first `@` reaches over the subject's first `@`;
   * every other character matches itself; the whole subject must match.
   */
  subject: string;
  trustedRoot: TrustedRoot;
}

/**
 * Tests a certificate subject against a pattern: the `WHAT@REF` rule of {@link compileAtGlob}
 * (`*` does not reach over the subject's first `@`). The same rule matches SLSA builder ids.
 */
export function matchesSubject(pattern: string, subject: string): boolean {
  return compileAtGlob(pattern).matches(subject);
}

/**
 * Why `subject` does not match `pattern`, for a refusal: the bare mismatch, or, when a `*` would
 * have matched it only by reaching over the subject's first `@`, that too.
 */
export function subjectMismatch(pattern: string, subject: string): string {
  const base = `certificate subject is ${JSON.stringify(subject)}, expected ${JSON.stringify(pattern)}`;
  const note = atGlobNote(pattern, subject, 'subject');
  return note === undefined ? base : `${base} (${note})`;
}
