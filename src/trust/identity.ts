import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { matchesGlob } from '../text/glob.js';

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
 * Tests a certificate subject against a pattern where `*` matches any run of characters, every
 * other character matches itself, and the subject's first `@` must stand where the pattern writes
 * its first `@`: a `*` before it does not reach over it. A GitHub workflow identity is
 * `…/workflow.yml@REF`, and a branch name may itself hold `@`, so a `*` free to swallow the first
 * `@` would let a push to branch `x/a.yml@refs/heads/main` run `evil.yml` as
 * `…/workflows/*.yml@refs/heads/main`. A pattern without `@` matches a subject with one only
 * through a final `*` (`…/workflows/*`: any workflow, any ref).
 */
export function matchesSubject(pattern: string, subject: string): boolean {
  const at = subject.indexOf('@');
  if (at === -1) return matchesGlob(pattern, subject);
  const head = subject.slice(0, at);
  const patternAt = pattern.indexOf('@');
  if (patternAt === -1) return pattern.endsWith('*') && matchesGlob(pattern, head);
  return (
    matchesGlob(pattern.slice(0, patternAt), head) &&
    matchesGlob(pattern.slice(patternAt + 1), subject.slice(at + 1))
  );
}

/**
 * Why `subject` does not match `pattern`, for a refusal: the bare mismatch, or, when a `*` would
 * have matched it only by reaching over the subject's first `@`, that too.
 */
export function subjectMismatch(pattern: string, subject: string): string {
  const base = `certificate subject is ${JSON.stringify(subject)}, expected ${JSON.stringify(pattern)}`;
  if (!matchesGlob(pattern, subject)) return base;
  return `${base} (a "*" does not reach over the subject's first "@", which parts workflow from ref: the ref after it is ${JSON.stringify(subject.slice(subject.indexOf('@') + 1))})`;
}
