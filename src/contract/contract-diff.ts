/**
 * What changed between two versions of a contract, as a contract change records it: per stage,
 * which requirements (gate keys under `requires`) were added, removed or changed, which other
 * stage settings changed (`from`, `config`, `rollback`, …), and which top-level sections changed
 * (`admins`, `groups`, `overrides`, `trust`, …). Pure: it compares the contracts' texts as YAML
 * data, as written, so a change is reported in the words of the file.
 */
import { isDeepStrictEqual } from 'node:util';
import { mapOf } from '../records.js';
import { readYamlDocument } from './yaml-document.js';

/** One stage's changes. A stage added lists its requirements as added; one removed, as removed. */
export interface StageChange {
  stage: string;
  change: 'added' | 'removed' | 'changed';
  /** Requirement (gate) keys under `requires` now present that were not. */
  added: string[];
  /** Requirement keys no longer present. */
  removed: string[];
  /** Requirement keys present in both whose settings differ. */
  changed: string[];
  /** Other keys of the stage that differ (`from`, `config`, `purpose`, `rollback`). */
  settings: string[];
}

export interface ContractChanges {
  /** Stages added, removed or changed, in the order of the new contract (removed ones last). */
  stages: StageChange[];
  /** Top-level keys other than `stages` that differ (`admins`, `groups`, `trust`, `demo`, …). */
  sections: string[];
  /**
   * Files the contract trusts by reference whose content changed (`trust.keys.ci`,
   * `trust.identities.NAME.trustedRoot`): the text may be the same while whom it trusts is not.
   * Absent when none did.
   */
  files?: string[];
}

type Data = Record<string, unknown>;

/** `value` as a map, `{}` for anything else: a missing or malformed section compares as empty. */
const asMap = (value: unknown): Data => mapOf(value) ?? {};

function keysDiffering(before: Data, after: Data, skip: readonly string[] = []): string[] {
  const keys = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  return keys.filter((key) => !skip.includes(key) && !isDeepStrictEqual(before[key], after[key])).sort();
}

/**
 * Compares two contract texts (both already validated when they were loaded).
 * @example diffContracts(oldText, newText).stages // [{ stage: 'prod', change: 'changed', added: ['approvals'], … }]
 */
export function diffContracts(beforeText: string, afterText: string): ContractChanges {
  return diffContractData(
    contractData(beforeText, 'the contract in force'),
    contractData(afterText, 'the new contract'),
  );
}

/** A contract's text read as data to compare: its top-level map (`{}` for anything else). */
export function contractData(text: string, what: string): Data {
  return asMap(readYamlDocument(text, what, { traps: false }).data);
}

/** {@link diffContracts} of two contracts already read ({@link contractData}): each text is read once. */
export function diffContractData(before: Data, after: Data): ContractChanges {
  const stagesBefore = asMap(before.stages);
  const stagesAfter = asMap(after.stages);
  const stages: StageChange[] = [];
  for (const [stage, value] of Object.entries(stagesAfter)) {
    const now = asMap(value);
    const requiresNow = asMap(now.requires);
    if (!Object.hasOwn(stagesBefore, stage)) {
      stages.push({
        stage,
        change: 'added',
        added: Object.keys(requiresNow).sort(),
        removed: [],
        changed: [],
        settings: [],
      });
      continue;
    }
    const was = asMap(stagesBefore[stage]);
    const requiresWas = asMap(was.requires);
    const added = Object.keys(requiresNow)
      .filter((key) => !Object.hasOwn(requiresWas, key))
      .sort();
    const removed = Object.keys(requiresWas)
      .filter((key) => !Object.hasOwn(requiresNow, key))
      .sort();
    const changed = Object.keys(requiresNow)
      .filter(
        (key) => Object.hasOwn(requiresWas, key) && !isDeepStrictEqual(requiresWas[key], requiresNow[key]),
      )
      .sort();
    const settings = keysDiffering(was, now, ['requires']);
    if (added.length + removed.length + changed.length + settings.length > 0)
      stages.push({ stage, change: 'changed', added, removed, changed, settings });
  }
  for (const [stage, value] of Object.entries(stagesBefore)) {
    if (Object.hasOwn(stagesAfter, stage)) continue;
    const removed = Object.keys(asMap(asMap(value).requires)).sort();
    stages.push({ stage, change: 'removed', added: [], removed, changed: [], settings: [] });
  }
  return { stages, sections: keysDiffering(before, after, ['stages']) };
}

/**
 * The changes in words, one line each, for `contract update`, `history` and `status`.
 * @example describeChanges(changes) // ['prod: requirements added: approvals, changed: tests', 'sections changed: admins']
 */
export function describeChanges(changes: ContractChanges): string[] {
  const lines: string[] = [];
  for (const s of changes.stages) {
    if (s.change === 'added') {
      lines.push(`stage ${s.stage} added${s.added.length ? ` (requires ${s.added.join(', ')})` : ''}`);
      continue;
    }
    if (s.change === 'removed') {
      lines.push(
        `stage ${s.stage} removed${s.removed.length ? ` (it required ${s.removed.join(', ')})` : ''}`,
      );
      continue;
    }
    const requirements: string[] = [];
    if (s.added.length) requirements.push(`added: ${s.added.join(', ')}`);
    if (s.removed.length) requirements.push(`removed: ${s.removed.join(', ')}`);
    if (s.changed.length) requirements.push(`changed: ${s.changed.join(', ')}`);
    const parts = requirements.length ? [`requirements ${requirements.join(', ')}`] : [];
    if (s.settings.length) parts.push(`settings changed: ${s.settings.join(', ')}`);
    lines.push(`${s.stage}: ${parts.join('; ')}`);
  }
  if (changes.sections.length) lines.push(`sections changed: ${changes.sections.join(', ')}`);
  if (changes.files?.length) lines.push(`trusted files changed: ${changes.files.join(', ')}`);
  if (lines.length === 0) lines.push('no change in meaning (the text differs: layout or comments)');
  return lines;
}
