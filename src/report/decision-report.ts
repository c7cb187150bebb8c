/**
 * A Decision rendered for people (text), machines (JSON) and CI step summaries (Markdown).
 * All three carry the same content: verdict, one line per gate, validated / risks / required.
 */
import { describeLookalikes, readableDigest, shortHash } from '../artifact/digest.js';
import type { Decision } from '../decision.js';
import type { DecisionItem, GateStatus } from '../gates/gate.js';
import { toMarkdownText } from '../text/markdown-text.js';
import { toOneLineText } from '../text/terminal-text.js';

const MARK: Record<GateStatus, string> = {
  pass: '✓',
  fail: '✗',
  pending: '…',
  waived: '~',
  'not-applicable': '–',
};

/** The status word for people: `n/a` for a gate with nothing to judge, never anything like "pass". */
function statusWord(status: GateStatus): string {
  return status === 'not-applicable' ? 'n/a' : status;
}

/**
 * A quoted string (a test name from a JUnit report, an approver's comment, a label, a reason) kept
 * on its item's line, with what a reader cannot see made visible. Obeyed, a new line would start a
 * line of the report that Tollgate never wrote ("Required:" then "(none)" under a blocked verdict, a
 * Markdown heading "✅ dev: allowed"). Text and Markdown quote through it; JSON keeps the value.
 */
const oneLine = toOneLineText;

function artifactName(decision: Decision): string {
  const { labels } = decision.artifact;
  const version = labels.version ? ` (version ${oneLine(labels.version)})` : '';
  return `${readableDigest(decision.artifact.digest, decision.artifact.lookalikes)}${version}`;
}

function evidenceNote(item: DecisionItem): string {
  if (!item.evidence || item.evidence.length === 0) return '';
  return ` [${item.evidence.map((e) => (e.startsWith('sha256:') ? shortHash(e) : oneLine(e))).join(', ')}]`;
}

const CLOCK_SET =
  'set by the caller (--now or TOLLGATE_NOW), not the real time: a "what if", not the answer now';

/** Plain text for a terminal. */
export function renderDecisionText(decision: Decision): string {
  const lines: string[] = [];
  const until = decision.until ? ` until ${decision.until}` : '';
  lines.push(
    `${oneLine(decision.stage)} ← ${artifactName(decision)}: ${decision.verdict.toUpperCase()}${until}`,
  );
  const { lookalikes } = decision.artifact;
  if (lookalikes?.length) lines.push(`  WARNING ${describeLookalikes(lookalikes)}: compare the full digest`);
  lines.push(`  purpose: ${oneLine(decision.purpose)}`);
  // The rules it was decided under: the contract pinned for the pipeline (docs/contract.md).
  lines.push(`  contract: ${decision.contract.digest}${decision.demo ? ' (a demo pipeline)' : ''}`);
  if (decision.clockSet) lines.push(`  clock: ${decision.evaluatedAt}, ${CLOCK_SET}`);
  const width = Math.max(4, ...decision.gates.map((g) => oneLine(g.gate).length));
  for (const gate of decision.gates) {
    lines.push(
      `  ${MARK[gate.status]} ${oneLine(gate.gate).padEnd(width)}  ${statusWord(gate.status).padEnd(7)} ${oneLine(gate.summary)}`,
    );
  }
  const section = (title: string, items: DecisionItem[]) => {
    lines.push(`${title}:`);
    if (items.length === 0) lines.push('  (none)');
    for (const item of items)
      lines.push(`  - [${oneLine(item.gate)}] ${oneLine(item.text)}${evidenceNote(item)}`);
  };
  section('Validated', decision.validated);
  section('Remaining risk', decision.risks);
  section('Required', decision.required);
  return `${lines.join('\n')}\n`;
}

/** One JSON document with top-level verdict, stage, artifact, gates, validated, risks, required. */
export function renderDecisionJson(decision: Decision): string {
  return `${JSON.stringify(decision, null, 2)}\n`;
}

const escapeMarkdown = toMarkdownText;

/** A GitHub/GitLab step summary. */
export function renderDecisionMarkdown(decision: Decision): string {
  const icon = { allowed: '✅', blocked: '⛔', pending: '⏳' }[decision.verdict];
  const out: string[] = [];
  out.push(
    `### ${icon} ${escapeMarkdown(decision.stage)}: ${decision.verdict}${decision.until ? ` until ${decision.until}` : ''}`,
  );
  out.push('');
  out.push(
    `Artifact \`${decision.artifact.digest}\`${decision.artifact.labels.version ? ` (version ${escapeMarkdown(decision.artifact.labels.version)})` : ''} · contract \`${shortHash(decision.contract.digest)}\``,
  );
  if (decision.clockSet) out.push('', `Clock \`${decision.evaluatedAt}\`, ${escapeMarkdown(CLOCK_SET)}`);
  out.push('');
  if (decision.artifact.lookalikes?.length) {
    out.push(
      `> [!WARNING]\n> ${escapeMarkdown(describeLookalikes(decision.artifact.lookalikes))}: compare the full digest.`,
    );
    out.push('');
  }
  out.push('| gate | status | summary |');
  out.push('| --- | --- | --- |');
  for (const gate of decision.gates)
    out.push(
      `| ${escapeMarkdown(gate.gate)} | ${MARK[gate.status]} ${statusWord(gate.status)} | ${escapeMarkdown(gate.summary)} |`,
    );
  const section = (title: string, items: DecisionItem[]) => {
    out.push('');
    out.push(`**${title}**`);
    out.push('');
    if (items.length === 0) out.push('- (none)');
    for (const item of items) out.push(`- **${escapeMarkdown(item.gate)}**: ${escapeMarkdown(item.text)}`);
  };
  section('Validated', decision.validated);
  section('Remaining risk', decision.risks);
  section('Required', decision.required);
  return `${out.join('\n')}\n`;
}
