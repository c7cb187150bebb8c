/**
 * A decision as a JUnit XML report, so GitLab shows it in the merge request's test widget: one
 * test suite for the decision, one test case per gate. A passing or waived gate passes (a waiver's
 * risk in its system-out), a failing gate is a failure naming what is required, a pending gate is a
 * failure of type `pending` (the stage cannot be entered yet); each gate's system-out says what it
 * validated and what risk remains. A command that ended in an input or
 * infrastructure error is one test case with an error.
 */
import { describeLookalikes, readableDigest } from '../artifact/digest.js';
import type { Decision } from '../decision.js';
import { toOneLineText } from '../text/terminal-text.js';

function xml(text: string): string {
  return text
    .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function decisionToJunit(decision: Decision): string {
  const { digest, lookalikes } = decision.artifact;
  // A CI reader compares the suite name with the digest they expect: with a look-alike registered
  // the short form could be either artifact, so the name carries the full digest and says so.
  const shown = lookalikes?.length
    ? `${readableDigest(digest, lookalikes)} (WARNING: look-alike)`
    : readableDigest(digest, lookalikes);
  const gateCases = decision.gates.map((gate) => {
    const name = toOneLineText(`${gate.gate}: ${gate.summary}`);
    const open = `    <testcase classname="tollgate.${xml(decision.pipeline)}.${xml(decision.stage)}" name="${xml(name)}" time="0">`;
    // One line an item: a test name or comment with new lines in it adds no item of its own.
    const required = gate.required.map((item) => `- ${toOneLineText(item.text)}`).join('\n');
    const risks = gate.risks.map((item) => `- ${toOneLineText(item.text)}`).join('\n');
    const validated = gate.validated.map((item) => `- ${toOneLineText(item.text)}`).join('\n');
    // What the gate validated and what risk remains, as every other form of the decision says.
    const said = [
      ...(validated ? [`validated:\n${validated}`] : []),
      ...(risks ? [`remaining risk:\n${risks}`] : []),
    ].join('\n');
    const out = said ? `\n      <system-out>${xml(said)}</system-out>` : '';
    if (gate.status === 'fail') {
      return `${open}\n      <failure type="blocked" message="${xml(gate.summary)}">${xml(required || gate.summary)}</failure>${out}\n    </testcase>`;
    }
    if (gate.status === 'pending') {
      const until = gate.until ? ` (until ${gate.until})` : '';
      return `${open}\n      <failure type="pending" message="${xml(`pending${until}: ${gate.summary}`)}">${xml(required || gate.summary)}</failure>${out}\n    </testcase>`;
    }
    if (gate.status === 'not-applicable') {
      // A gate with nothing to judge is no passed test: CI tools show it as skipped.
      return `${open}\n      <skipped message="${xml(`not applicable: ${gate.summary}`)}"/>${out}\n    </testcase>`;
    }
    return `${open}${out}\n    </testcase>`;
  });
  // A look-alike blocks nothing, so it is no failure; a test case of its own keeps it in the list a
  // reader scans, not only in the suite's name.
  const lookalikeCases = lookalikes?.length
    ? [
        `    <testcase classname="tollgate.${xml(decision.pipeline)}.${xml(decision.stage)}" name="${xml(`artifact: WARNING ${describeLookalikes(lookalikes)}: compare the full digest ${digest}`)}" time="0">\n      <system-out>${xml(`${digest} shares its first 12 hex digits with another registered artifact: ${describeLookalikes(lookalikes)}`)}</system-out>\n    </testcase>`,
      ]
    : [];
  // Risks of the decision itself, which no gate holds (a stage that requires nothing, an override
  // recorded for the digest): a passing case of their own, or the widget shows them nowhere.
  const gateRisks = new Set(decision.gates.flatMap((gate) => gate.risks));
  const own = decision.risks.filter(
    (risk) => !gateRisks.has(risk) && !(lookalikeCases.length > 0 && risk.gate === 'artifact'),
  );
  const ownCases = own.length
    ? [
        `    <testcase classname="tollgate.${xml(decision.pipeline)}.${xml(decision.stage)}" name="decision: remaining risk" time="0">\n      <system-out>${xml(`remaining risk:\n${own.map((risk) => `- [${toOneLineText(risk.gate)}] ${toOneLineText(risk.text)}`).join('\n')}`)}</system-out>\n    </testcase>`,
      ]
    : [];
  const cases = [...lookalikeCases, ...gateCases, ...ownCases];
  const failures = decision.gates.filter((g) => g.status === 'fail' || g.status === 'pending').length;
  const skipped = decision.gates.filter((g) => g.status === 'not-applicable').length;
  const suite = `${decision.stage} ← ${shown}: ${decision.verdict}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tollgate" tests="${cases.length}" failures="${failures}" errors="0">`,
    `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" timestamp="${xml(decision.evaluatedAt)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** A command that ended without a decision (an input or infrastructure error). */
export function errorToJunit(command: string, exitCode: number, message: string): string {
  const kind = exitCode === 4 ? 'infrastructure' : 'input';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites name="tollgate" tests="1" failures="0" errors="1">',
    `  <testsuite name="tollgate ${xml(command)}" tests="1" failures="0" errors="1" skipped="0">`,
    `    <testcase classname="tollgate" name="${xml(command)}" time="0">`,
    `      <error type="${kind}" message="${xml(message.split('\n')[0] ?? '')}">${xml(message)}</error>`,
    '    </testcase>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
