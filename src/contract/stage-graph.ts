/**
 * The stage graph: every `from` names a stage once, the stages form no cycle, and no requirement
 * asks for evidence from a stage the digest can only reach after the one it guards.
 */
import { inputError } from '../errors.js';
import { hasOwnKey, ownValue } from '../records.js';
import { nearestKey } from './schema-issues.js';
import { type Contract, upstreamOf } from './types.js';
import type { Locator } from './yaml-document.js';

/** `from` must name existing stages and must not form a cycle; `drift` needs an upstream. */
export function checkStageGraph(stages: Contract['stages'], locate: Locator, file: string): void {
  const names = Object.keys(stages);
  for (const [name, stage] of Object.entries(stages)) {
    // Drift is measured against the upstream stages' config; without one the gate had nothing to
    // compare and passed as "no config drift".
    if (stage.requires.drift !== undefined && upstreamOf(stage).length === 0) {
      throw inputError(
        'CONTRACT_INVALID',
        { file, ...locate.key(['stages', name, 'requires'], 'drift') },
        `stages.${name}.requires.drift: stage ${name} has no upstream stage (\`from\`), so there is no config to compare and this gate checks nothing; add \`from\`, or remove \`drift\``,
      );
    }
    upstreamOf(stage).forEach((upstream, index, all) => {
      const path = Array.isArray(stage.from) ? ['stages', name, 'from', index] : ['stages', name, 'from'];
      if (all.indexOf(upstream) !== index) {
        throw inputError(
          'CONTRACT_INVALID',
          { file, ...locate.value(path) },
          `stages.${name}.from: "${upstream}" is listed twice; expected each upstream stage once`,
        );
      }
      if (hasOwnKey(stages, upstream)) return;
      const near = nearestKey(upstream, names);
      throw inputError(
        'CONTRACT_INVALID',
        { file, ...locate.value(path) },
        `stages.${name}.from: "${upstream}" names no stage; expected one of: ${names.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`,
      );
    });
  }
  // Depth-first search; a grey node met again closes a cycle.
  const state = new Map<string, 'grey' | 'black'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'black') return;
    if (state.get(name) === 'grey') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      throw inputError(
        'CONTRACT_INVALID',
        { file, ...locate.value(['stages', name, 'from']) },
        `stages.${name}.from: cycle ${cycle.join(' → ')}; expected stages to form a graph without cycles`,
      );
    }
    state.set(name, 'grey');
    for (const upstream of upstreamOf(ownValue(stages, name)!)) visit(upstream, [...trail, name]);
    state.set(name, 'black');
  };
  for (const name of names) visit(name, []);
  checkDownstreamReferences(stages, locate, file);
}

/** The stages a digest can enter only after entering `name`: those with `name` upstream of them. */
function downstreamOf(stages: Contract['stages'], name: string): Set<string> {
  const below = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [other, stage] of Object.entries(stages))
      if (!below.has(other) && upstreamOf(stage).some((up) => up === name || below.has(up))) {
        below.add(other);
        grew = true;
      }
  }
  return below;
}

/**
 * `soak.in`, `verifiedIn` and a suite's `in` naming a stage downstream of the one they guard: the
 * digest must pass this stage (`from`) before it can enter that one, so it has not soaked, been
 * verified or been tested there when it is first checked here, and the gate would refuse every
 * first promotion. (The stage itself is refused for soak and verifiedIn in people-section.ts.)
 */
function checkDownstreamReferences(stages: Contract['stages'], locate: Locator, file: string): void {
  for (const [name, stage] of Object.entries(stages)) {
    const refs: Array<[string, (string | number)[], string]> = [];
    const soakIn = stage.requires.soak?.in ?? [];
    for (const [i, s] of soakIn.entries())
      refs.push([s, soakIn.length === 1 ? ['soak', 'in'] : ['soak', 'in', i], 'soaked']);
    const verifiedIn = stage.requires.verifiedIn;
    if (typeof verifiedIn === 'string') refs.push([verifiedIn, ['verifiedIn'], 'been verified']);
    else
      for (const [i, s] of (verifiedIn ?? []).entries()) refs.push([s, ['verifiedIn', i], 'been verified']);
    for (const [i, suite] of (stage.requires.tests ?? []).entries())
      if (suite.in !== undefined) refs.push([suite.in, ['tests', i, 'in'], 'been tested']);
    if (refs.length === 0) continue;
    const below = downstreamOf(stages, name);
    for (const [ref, path, what] of refs) {
      if (!below.has(ref)) continue;
      const at = ['stages', name, 'requires', ...path];
      const position = path[0] === 'soak' && path.length === 1 ? locate.key(at, 'in') : locate.value(at);
      throw inputError(
        'CONTRACT_INVALID',
        { file, ...position },
        `${at.join('.')}: "${ref}" comes after ${name} (its \`from\` leads back to ${name}): a digest enters ${name} before it can enter ${ref}, so it cannot have ${what} there yet and the gate would refuse every first promotion; name ${what === 'been tested' ? `${name} itself or ` : ''}a stage upstream of it`,
      );
    }
  }
}
