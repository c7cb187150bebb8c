/**
 * The stage graph: every `from` names a stage once, and the stages form no cycle.
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
}
