/**
 * Gate `signedBy`: evidence of the covered kinds counts only when it carries a verified signature
 * by one of the named signers. Unsigned evidence is then invisible to the other gates (decide()
 * filters it with `evidenceTrustedFor`), and this gate says which evidence was set aside and why.
 */
import { SIGNABLE_KINDS, type SignedByRequirement } from '../contract/requires/signed-by.js';
import { signerNames } from '../contract/trust-section.js';
import type { Contract, ContractStage } from '../contract/types.js';
import type { EvidenceRecord, EvidenceSigner } from '../evidence/evidence.js';
import { matchesSubject } from '../trust/identity.js';
import type { SignersFact } from './extra-facts.js';
import { type DecisionItem, type GateDefinition, gateResult } from './gate.js';

const GATE = 'signedBy';

export interface SetAside {
  record: EvidenceRecord;
  /** "unsigned" or "signed by X, not by ci or release". */
  reason: string;
}

export interface SignerPartition {
  /** Evidence the other gates may use: out of scope, or signed by a named signer. */
  kept: EvidenceRecord[];
  /** In-scope evidence without a signature by a named signer. */
  setAside: SetAside[];
}

function inScope(config: SignedByRequirement, record: EvidenceRecord): boolean {
  const kinds: readonly string[] = config.kinds ?? SIGNABLE_KINDS;
  return kinds.includes(record.data.kind);
}

function signersText(by: readonly string[]): string {
  return by.length === 1 ? by[0]! : `${by.slice(0, -1).join(', ')} or ${by[by.length - 1]}`;
}

function kindsText(kinds: readonly string[]): string {
  return kinds.length === 1 ? kinds[0]! : `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`;
}

/**
 * Why a signer recorded at attest time is no longer trusted under its name, or undefined when it
 * still is (or when whom the contract trusts now is not known).
 */
function noLongerTrusted(signer: EvidenceSigner, current: SignersFact | undefined): string | undefined {
  if (current === undefined) return undefined;
  if (signer.method === 'key') {
    const problem = current.unreadable && Object.hasOwn(current.unreadable, signer.name);
    if (problem) {
      return `signed by ${signer.name}, whose key cannot be read now to confirm it is still trusted (${current.unreadable?.[signer.name]})`;
    }
    const keyId = Object.hasOwn(current.keys, signer.name) ? current.keys[signer.name] : undefined;
    if (keyId === signer.subject) return undefined;
    return `signed by ${signer.name} with key ${signer.subject.slice(0, 16)}…, which the contract no longer trusts as ${signer.name}${keyId === undefined ? '' : ` (its key is now ${keyId.slice(0, 16)}…)`}`;
  }
  const pattern = Object.hasOwn(current.identities, signer.name)
    ? current.identities[signer.name]
    : undefined;
  if (pattern !== undefined && matchesSubject(pattern, signer.subject)) {
    const issuer = Object.hasOwn(current.issuers, signer.name) ? current.issuers[signer.name] : undefined;
    if (issuer !== undefined && signer.issuer === issuer) return undefined;
    if (signer.issuer === undefined) {
      return `signed by ${signer.name} as ${signer.subject}, recorded without its certificate's issuer (before Tollgate stored it), so the issuer the contract requires${issuer === undefined ? '' : ` (${issuer})`} cannot be confirmed; attest the Sigstore bundle again`;
    }
    return `signed by ${signer.name} as ${signer.subject} with a certificate from issuer ${signer.issuer}, which the contract no longer trusts as ${signer.name}${issuer === undefined ? '' : ` (issuer now ${issuer})`}`;
  }
  return `signed by ${signer.name} as ${signer.subject}, which the contract no longer trusts as ${signer.name}${pattern === undefined ? '' : ` (subject now ${pattern})`}`;
}

/**
 * Splits evidence into what counts under `config` and what is set aside, with the reason. With
 * `current` (whom the contract trusts under each name now), a record whose signer's key or subject
 * the contract no longer trusts under that name is set aside too.
 */
export function partitionBySigner(
  config: SignedByRequirement,
  evidence: readonly EvidenceRecord[],
  current?: SignersFact,
): SignerPartition {
  const kept: EvidenceRecord[] = [];
  const setAside: SetAside[] = [];
  for (const record of evidence) {
    const stale =
      record.signer !== null && inScope(config, record) ? noLongerTrusted(record.signer, current) : undefined;
    if (stale !== undefined && record.signer !== null && config.by.includes(record.signer.name)) {
      setAside.push({ record, reason: stale });
    } else if (
      !inScope(config, record) ||
      (record.signer !== null && config.by.includes(record.signer.name))
    ) {
      kept.push(record);
    } else if (record.signer === null) {
      setAside.push({ record, reason: 'unsigned' });
    } else {
      setAside.push({ record, reason: `signed by ${record.signer.name}, not by ${signersText(config.by)}` });
    }
  }
  return { kept, setAside };
}

/** The stage's `signedBy` section, if it has one. */
export function signedByOf(stage: ContractStage): SignedByRequirement | undefined {
  return stage.requires.signedBy;
}

/**
 * The evidence the stage's other gates may see: all of it without `signedBy`, otherwise only
 * what is out of scope or signed by a named signer. decide() applies this before the gates run.
 */
export function evidenceTrustedFor(
  stage: ContractStage,
  evidence: EvidenceRecord[],
  current?: SignersFact,
): EvidenceRecord[] {
  const config = signedByOf(stage);
  return config === undefined ? evidence : partitionBySigner(config, evidence, current).kept;
}

function declaredSigners(contract: Contract): string[] {
  return signerNames(contract.trust);
}

export const signedByGate: GateDefinition<SignedByRequirement> = {
  key: GATE,
  select: signedByOf,
  evaluate(config, { contract, facts }) {
    const declared = declaredSigners(contract);
    const unknown = config.by.filter((name) => !declared.includes(name));
    if (unknown.length > 0) {
      return gateResult(GATE, 'fail', `unknown signer ${unknown.join(', ')}`, {
        required: [
          {
            gate: GATE,
            text: `signedBy names ${unknown.join(', ')}, which the contract's trust section does not declare (declared: ${declared.join(', ') || 'none'})`,
          },
        ],
      });
    }
    const { kept, setAside } = partitionBySigner(config, facts.evidence, facts.extra.signers);
    const validated: DecisionItem[] = [];
    const risks: DecisionItem[] = [];
    const required: DecisionItem[] = [];
    const signedKinds = new Set<string>();
    for (const record of kept) {
      if (!inScope(config, record) || record.signer === null) continue;
      signedKinds.add(record.data.kind);
      validated.push({
        gate: GATE,
        text: `${record.data.kind} evidence (${record.format}) signed by ${record.signer.name}`,
        evidence: [record.id],
      });
    }
    const byKind = new Map<string, SetAside[]>();
    for (const item of setAside) {
      const list = byKind.get(item.record.data.kind) ?? [];
      list.push(item);
      byKind.set(item.record.data.kind, list);
    }
    for (const [kind, items] of byKind) {
      const details = items.map((item) => `${item.record.format}: ${item.reason}`).join('; ');
      const ids = items.map((item) => item.record.id);
      if (signedKinds.has(kind)) {
        risks.push({
          gate: GATE,
          text: `${items.length} ${kind} record(s) not signed by ${signersText(config.by)} were ignored (${details}); the signed ones are used`,
          evidence: ids,
        });
      } else {
        required.push({
          gate: GATE,
          text: `${kind} evidence must be signed by ${signersText(config.by)}; what was attested counts as missing (${details})`,
          evidence: ids,
        });
      }
    }
    // A kind the contract requires must be there, signed; unsigned records of it are already required above.
    const absent = (config.require ?? []).filter((kind) => !signedKinds.has(kind) && !byKind.has(kind));
    for (const kind of absent) {
      required.push({
        gate: GATE,
        text: `${kind} evidence signed by ${signersText(config.by)} is required (signedBy.require), and none was attested`,
      });
    }
    if (required.length > 0) {
      const unsigned = [...byKind.keys()].filter((k) => !signedKinds.has(k));
      const summary = [
        ...(unsigned.length > 0 ? [`unsigned evidence: ${unsigned.join(', ')}`] : []),
        ...(absent.length > 0 ? [`no ${absent.join(', ')} evidence`] : []),
      ].join('; ');
      return gateResult(GATE, 'fail', summary, { validated, risks, required });
    }
    if (validated.length === 0 && setAside.length === 0) {
      // Nothing of the covered kinds: no signature was checked, so this is not a pass. It says so
      // as remaining risk; `require` turns it into a requirement.
      const kinds = config.kinds ?? SIGNABLE_KINDS;
      const text = `nothing to judge: no ${kindsText(kinds)} evidence, so no signature was checked (signedBy.require can demand a kind)`;
      return gateResult(GATE, 'not-applicable', text, { risks: [{ gate: GATE, text: `signedBy ${text}` }] });
    }
    return gateResult(GATE, 'pass', `${validated.length} record(s) signed by ${signersText(config.by)}`, {
      validated,
      risks,
    });
  },
};
