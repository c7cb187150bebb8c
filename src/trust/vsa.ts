/**
 * The signed verdict: an in-toto statement with the SLSA Verification Summary Attestation v1
 * predicate (https://slsa.dev/spec/v1.0/verification_summary), emitted at every promotion, and
 * its check the way an admission controller would make it.
 */
import { TollgateError } from '../errors.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import { formatDuration } from '../policy/duration.js';
import { isJsonObject as isObject, parseJsonText } from '../text/json-text.js';
import { type Envelope, IN_TOTO_PAYLOAD_TYPE, parseEnvelope, signEnvelope, verifyEnvelope } from './dsse.js';
import type { NamedKey, PrivateKeyInfo, PublicKeyInfo } from './keys.js';
import { parseStatementBytes, STATEMENT_TYPE_V1, type Statement, statementCovers } from './statement.js';
import { checkVsaLedger, type LedgerHead, type VsaLedger } from './vsa-ledger.js';

export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';

/** The verified level naming the stage the artifact was admitted to: `TOLLGATE_STAGE_<stage>`. */
export function stageLevel(stage: string): string {
  return `TOLLGATE_STAGE_${stage}`;
}

/**
 * The verified level every VSA of a demo pipeline (`demo: true`) carries, so a verifier can refuse
 * a verdict made at a clock somebody set.
 */
export const DEMO_LEVEL = 'TOLLGATE_DEMO';

/**
 * The verified level of a promotion that entered with gates overridden (break glass), beside one
 * `TOLLGATE_OVERRIDDEN_<gate>` level per gate waived: whoever admits the artifact can tell it from
 * a promotion that passed every gate, and refuse it (`tollgate verify --refuse-overridden`, or a
 * condition on the levels in an admission policy).
 */
export const OVERRIDDEN_LEVEL = 'TOLLGATE_OVERRIDDEN';

/** The verified level naming one gate a promotion's overrides waived: `TOLLGATE_OVERRIDDEN_<gate>`. */
export function overriddenGateLevel(gate: string): string {
  return `${OVERRIDDEN_LEVEL}_${gate}`;
}

/** The gates a VSA's verified levels say were overridden (`TOLLGATE_OVERRIDDEN_<gate>`). */
export function overriddenGates(levels: readonly unknown[]): string[] {
  const prefix = `${OVERRIDDEN_LEVEL}_`;
  return levels
    .filter((level): level is string => typeof level === 'string' && level.startsWith(prefix))
    .map((level) => level.slice(prefix.length));
}

/** The VSA `policy.uri` of a stage's contract: `tollgate:<pipeline>/stages/<stage>`. */
export function stagePolicyUri(pipeline: string, stage: string): string {
  return `tollgate:${pipeline}/stages/${stage}`;
}

export interface InputAttestation {
  uri: string;
  /** `sha256:<hex>` */
  digest: string;
}

export interface VsaOptions {
  /** The promoted artifact's digest (`sha256:<hex>`): the statement's subject. */
  artifactDigest: string;
  /** The artifact as asked for, e.g. `oci://registry.example.com/shop/checkout@sha256:…`; default the digest. */
  resourceUri?: string;
  /** Who verified: a URI naming this Tollgate installation. */
  verifierId: string;
  verifierVersion?: string;
  timeVerified: Date;
  pipeline: string;
  stage: string;
  /** `sha256:` of the contract file the decision was made under. */
  contractDigest: string;
  /** The evidence the decision used. */
  inputAttestations: InputAttestation[];
  /** Levels to claim besides `TOLLGATE_STAGE_<stage>`: official `SLSA_<TRACK>_LEVEL_<n>` or custom names not starting with `SLSA_`. */
  verifiedLevels?: string[];
  /** The promotion's ledger entry, inclusion proof and checkpoint (src/trust/vsa-ledger.ts). */
  ledger?: VsaLedger;
}

export interface VsaPredicate {
  verifier: { id: string; version?: Record<string, string> };
  timeVerified: string;
  resourceUri: string;
  policy: { uri: string; digest: Record<string, string> };
  inputAttestations: { uri: string; digest: Record<string, string> }[];
  verificationResult: 'PASSED' | 'FAILED';
  verifiedLevels: string[];
  slsaVersion: string;
  /** Tollgate's extension: the ledger entry behind the verdict, provable against a checkpoint. */
  tollgateLedger?: VsaLedger;
}

const OFFICIAL_LEVEL = /^SLSA_[A-Z]+_LEVEL_[0-4]$/;

/** A digest (`sha256:<hex>`) as an in-toto DigestSet (`{ sha256: "<hex>" }`). */
export function digestSet(digest: string, what: string): Record<string, string> {
  const [algorithm, hex] = digest.split(':');
  if (algorithm === undefined || hex === undefined || hex === '') {
    throw new TollgateError('DIGEST_INVALID', `${what} "${digest}" is not a digest such as sha256:<hex>`);
  }
  return { [algorithm]: hex };
}

/** How an evidence record is listed among a VSA's input attestations. */
export function toInputAttestation(record: EvidenceRecord): InputAttestation {
  return { uri: `tollgate:evidence/${record.id}`, digest: record.sourceDigest };
}

/**
 * Builds the VSA statement for a PASSED decision. Custom levels must not start with `SLSA_`
 * (the spec reserves that prefix).
 * @throws TollgateError CONFIG_INVALID for a reserved custom level
 */
export function buildVsa(options: VsaOptions): Statement & { predicate: VsaPredicate } {
  const levels = [stageLevel(options.stage), ...(options.verifiedLevels ?? [])];
  for (const level of levels) {
    if (level.startsWith('SLSA_') && !OFFICIAL_LEVEL.test(level)) {
      throw new TollgateError(
        'CONFIG_INVALID',
        `verified level "${level}" starts with SLSA_ but is not an official SLSA_<TRACK>_LEVEL_<n>; custom levels must not start with SLSA_`,
      );
    }
  }
  const predicate: VsaPredicate = {
    verifier: {
      id: options.verifierId,
      ...(options.verifierVersion === undefined ? {} : { version: { tollgate: options.verifierVersion } }),
    },
    timeVerified: options.timeVerified.toISOString(),
    resourceUri: options.resourceUri ?? options.artifactDigest,
    policy: {
      uri: stagePolicyUri(options.pipeline, options.stage),
      digest: digestSet(options.contractDigest, 'contract digest'),
    },
    inputAttestations: options.inputAttestations.map((input) => ({
      uri: input.uri,
      digest: digestSet(input.digest, `input attestation ${input.uri}`),
    })),
    verificationResult: 'PASSED',
    verifiedLevels: [...new Set(levels)],
    slsaVersion: '1.0',
    ...(options.ledger ? { tollgateLedger: options.ledger } : {}),
  };
  return {
    _type: STATEMENT_TYPE_V1,
    subject: [
      {
        name: options.resourceUri ?? options.artifactDigest,
        digest: digestSet(options.artifactDigest, 'artifact digest'),
      },
    ],
    predicateType: VSA_PREDICATE_TYPE,
    predicate,
  };
}

/** Signs a VSA statement into a DSSE envelope. */
export function signVsa(statement: Statement, key: PrivateKeyInfo): Envelope {
  return signEnvelope(Buffer.from(JSON.stringify(statement), 'utf8'), IN_TOTO_PAYLOAD_TYPE, key);
}

export interface VerifyVsaOptions {
  /** The verifier's public key. */
  key: PublicKeyInfo;
  /** The digest about to be admitted. */
  digest: string;
  /** The stage the artifact must have been admitted to. */
  stage: string;
  /** When given, the VSA's `policy.uri` must be this pipeline's stage. */
  pipeline?: string;
  /** When given, the VSA's `verifier.id` must equal it. */
  verifierId?: string;
  /**
   * Refuse a VSA without `tollgateLedger` (one from before checkpoints, or from a promotion without
   * a verifier key). A VSA that carries it always has it checked.
   */
  requireLedger?: boolean;
  /**
   * Admit a demo pipeline's VSA (verified level `TOLLGATE_DEMO`: decided at a clock somebody set).
   * Without it such a VSA admits nothing.
   */
  allowDemo?: boolean;
  /**
   * Refuse a VSA whose promotion had gates overridden (verified level `TOLLGATE_OVERRIDDEN`). Without
   * it such a VSA is admitted, and the reason names the gates overridden.
   */
  refuseOverridden?: boolean;
  /** The verifier's clock, for refusing a verdict dated in the future or too old (default: now). */
  now?: Date;
  /**
   * Refuse a VSA whose `timeVerified` is older than this, by the verifier's clock (`--max-age`): a
   * VSA carries no expiry of its own. `text` is the duration as the user wrote it, for messages.
   */
  maxAge?: { ms: number; text: string };
}

/** How far ahead of the verifier's clock a VSA's `timeVerified` may be (clocks drift). */
export const VSA_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** RFC 3339 date-time, as `timeVerified` is written (`2026-11-26T10:00:00.000Z`). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export type VsaVerification =
  | {
      valid: true;
      reason: string;
      statement: Statement;
      predicate: VsaPredicate;
      /** The tree head the VSA's ledger entry was proven against, when it carried one. */
      ledger?: LedgerHead;
    }
  | { valid: false; reason: string };

/**
 * Checks a DSSE-signed VSA as an admission controller would: signature by the key, in-toto
 * statement about the digest, VSA v1 predicate, result PASSED, the stage among the verified levels,
 * and not a demo pipeline's unless `allowDemo` says so.
 * @param envelope the envelope JSON text or parsed value
 */
export function verifyVsa(
  envelope: string | unknown,
  options: VerifyVsaOptions,
  source = 'VSA',
): VsaVerification {
  let statement: Statement;
  try {
    const value = typeof envelope === 'string' ? parseJsonText(envelope, source) : envelope;
    const parsed = parseEnvelope(value, source);
    const key: NamedKey = { name: 'the given key', ...options.key };
    const checked = verifyEnvelope(parsed, [key]);
    if (!checked.valid) return { valid: false, reason: checked.reason };
    if (parsed.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
      return {
        valid: false,
        reason: `payload type is ${JSON.stringify(parsed.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`,
      };
    }
    statement = parseStatementBytes(parsed.payload, `${source}: DSSE payload`);
  } catch (error) {
    if (error instanceof TollgateError) return { valid: false, reason: error.message };
    throw error;
  }
  if (statement.predicateType !== VSA_PREDICATE_TYPE) {
    return {
      valid: false,
      reason: `predicate type is ${statement.predicateType}, not ${VSA_PREDICATE_TYPE}`,
    };
  }
  if (!statementCovers(statement, options.digest)) {
    return { valid: false, reason: `the VSA is not about ${options.digest}` };
  }
  const predicate = statement.predicate;
  if (!isObject(predicate)) return { valid: false, reason: 'the VSA has no predicate' };
  if (predicate.verificationResult !== 'PASSED') {
    return {
      valid: false,
      reason: `verification result is ${JSON.stringify(predicate.verificationResult)}, not PASSED`,
    };
  }
  const levels = Array.isArray(predicate.verifiedLevels) ? predicate.verifiedLevels : [];
  if (!levels.includes(stageLevel(options.stage))) {
    return {
      valid: false,
      reason: `the VSA does not admit stage ${options.stage}: verified levels are ${JSON.stringify(levels)}`,
    };
  }
  if (levels.includes(DEMO_LEVEL) && !options.allowDemo) {
    return {
      valid: false,
      reason: `the VSA comes from a demo pipeline (verified level ${DEMO_LEVEL}): its decision was made at a clock somebody set, so it admits nothing outside a demo (--allow-demo admits it)`,
    };
  }
  // The gates an overridden promotion waived, named once for the refusal and for the verdict.
  const overridden = levels.includes(OVERRIDDEN_LEVEL)
    ? overriddenGates(levels).join(', ') || 'gates not named'
    : undefined;
  if (overridden !== undefined && options.refuseOverridden) {
    return {
      valid: false,
      reason: `the promotion entered with gates overridden (verified level ${OVERRIDDEN_LEVEL}: ${overridden}), and --refuse-overridden admits only promotions that passed every gate`,
    };
  }
  // A verdict made after the moment it is checked was made at a wrong clock (or ahead of time):
  // it admits nothing. A demo pipeline's clock is set on purpose, and --allow-demo says so.
  const time = predicate.timeVerified;
  const at = typeof time === 'string' && RFC3339.test(time) ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(at)) {
    return {
      valid: false,
      reason: `timeVerified is ${JSON.stringify(time)}, not an RFC 3339 time such as 2026-11-26T10:00:00Z`,
    };
  }
  const now = (options.now ?? new Date()).getTime();
  if (at > now + VSA_CLOCK_SKEW_MS && !(levels.includes(DEMO_LEVEL) && options.allowDemo)) {
    return {
      valid: false,
      reason: `${source}: timeVerified ${time} is in the future (the verifier's clock says ${new Date(now).toISOString()}, and at most ${formatDuration(VSA_CLOCK_SKEW_MS)} of clock drift is allowed): a verdict dated ahead was made at a wrong clock, and admits nothing`,
    };
  }
  // A VSA carries no expiry: the consumer says how old a verdict it still takes.
  if (options.maxAge !== undefined && now - at > options.maxAge.ms) {
    return {
      valid: false,
      reason: `${source}: timeVerified ${new Date(at).toISOString()} is ${formatDuration(now - at)} before the verifier's clock (${new Date(now).toISOString()}), older than --max-age ${options.maxAge.text}: promote it again for a fresh verdict`,
    };
  }
  const policy = isObject(predicate.policy) ? predicate.policy : {};
  if (options.pipeline !== undefined && policy.uri !== stagePolicyUri(options.pipeline, options.stage)) {
    return {
      valid: false,
      reason: `policy is ${JSON.stringify(policy.uri)}, expected ${stagePolicyUri(options.pipeline, options.stage)}`,
    };
  }
  const verifier = isObject(predicate.verifier) ? predicate.verifier : {};
  if (options.verifierId !== undefined && verifier.id !== options.verifierId) {
    return {
      valid: false,
      reason: `verifier is ${JSON.stringify(verifier.id)}, expected ${options.verifierId}`,
    };
  }
  let ledger: LedgerHead | undefined;
  if (predicate.tollgateLedger !== undefined) {
    const checked = checkVsaLedger(predicate.tollgateLedger, {
      key: options.key,
      digest: options.digest,
      stage: options.stage,
      ...(options.pipeline === undefined ? {} : { pipeline: options.pipeline }),
    });
    if (!checked.ok) return { valid: false, reason: checked.reason };
    ledger = checked.head;
  } else if (options.requireLedger) {
    return {
      valid: false,
      reason: 'the VSA carries no tollgateLedger (ledger entry, inclusion proof and checkpoint)',
    };
  }
  const where = ledger ? `, ledger entry #${ledger.entry.seq} of ${ledger.size} (${ledger.origin})` : '';
  const waived =
    overridden === undefined
      ? ''
      : `; entered with gates overridden: ${overridden} (--refuse-overridden refuses it)`;
  return {
    valid: true,
    reason: `PASSED for stage ${options.stage}, verified by ${String(verifier.id)} at ${String(predicate.timeVerified)}${where}${waived}`,
    statement,
    predicate: predicate as unknown as VsaPredicate,
    ...(ledger ? { ledger } : {}),
  };
}
