/**
 * Gate `windows`: the promotion happens inside an allowed window and outside every freeze, at the
 * decision's clock (promotion time, not pipeline start). Closed now → `pending` until the next
 * opening; no opening within a year → `fail`.
 */
import { formatDuration } from '../policy/duration.js';
import type { CompiledWindows } from '../policy/window-compile.js';
import { windowState } from '../policy/window-timeline.js';
import { type GateContext, type GateDefinition, type GateResult, gateResult } from './gate.js';

const KEY = 'windows';

export function evaluateWindows(config: CompiledWindows, context: GateContext): GateResult {
  const now = context.facts.now;
  const state = windowState(config, now);
  const why = state.reasons.join('; ');
  if (state.open) {
    const closes = state.closesAt ? `; closes ${state.closesAt.toISOString()}` : '';
    return gateResult(KEY, 'pass', `open at ${now.toISOString()}${closes}`, {
      validated: [{ gate: KEY, text: `promotion window open at ${now.toISOString()} (${why})${closes}` }],
    });
  }
  if (!state.opensAt) {
    return gateResult(KEY, 'fail', `closed at ${now.toISOString()} and no opening within a year`, {
      required: [{ gate: KEY, text: `a promotion window: closed (${why}) with no opening within a year` }],
    });
  }
  const opens = state.opensAt.toISOString();
  return gateResult(KEY, 'pending', `closed until ${opens}`, {
    required: [
      {
        gate: KEY,
        text: `promotion window opens ${opens} (in ${formatDuration(state.opensAt.getTime() - now.getTime())}); closed now: ${why}`,
      },
    ],
    until: opens,
  });
}

export const windowsGate: GateDefinition<CompiledWindows> = {
  key: KEY,
  select: (stage) => stage.requires.windows,
  evaluate: evaluateWindows,
};
