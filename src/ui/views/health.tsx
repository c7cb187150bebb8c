/**
 * Rollback health of a stage: each condition of the current promotion, its measurements over the
 * watch period against its threshold (a small chart), and the last known good target, computed by
 * the same pure function `tollgate rollback` uses.
 */
import { lastKnownGood } from '../../rollback/last-known-good.js';
import type { History, RollbackCheck } from '../api.js';
import { enc } from '../api.js';
import { Badge, Digest, href, Labels, Load, timeText, useApi, useTitle, When } from '../ui.js';

type Condition = RollbackCheck['conditions'][number] & {
  name?: string;
  threshold?: string;
  above?: number;
  below?: number;
  current?: string;
  verdict?: string;
  reason?: string;
  measurements?: Array<{ at: string; value: number | null; text: string }>;
};

/** Measurements as a line over time, the threshold as a dashed line; no data leaves a gap. */
export function ConditionChart(props: { condition: Condition }) {
  const c = props.condition;
  const points = (c.measurements ?? []).filter((m) => m.value !== null && Number.isFinite(m.value));
  const threshold = c.above ?? c.below;
  const W = 420;
  const H = 130;
  if (points.length === 0) return <p class="muted">No measurements yet.</p>;
  const values = [...points.map((m) => m.value as number), ...(threshold === undefined ? [] : [threshold])];
  // From zero (most conditions are rates and ratios) to a little above the threshold or the worst value.
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values) * 1.15 || 1;
  const span = hi - lo || 1;
  const times = points.map((m) => Date.parse(m.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t: number) => 44 + ((t - t0) / (t1 - t0 || 1)) * (W - 56);
  const y = (v: number) => H - 18 - ((v - lo) / span) * (H - 30);
  const line = points
    .map((m, i) => `${i ? 'L' : 'M'}${x(times[i]!).toFixed(1)},${y(m.value as number).toFixed(1)}`)
    .join(' ');
  const latest = points.at(-1)!;
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-label={`${c.name}: latest ${latest.text} against threshold ${c.threshold ?? threshold}, ${points.length} measurements`}
    >
      {threshold !== undefined ? (
        <>
          <line
            x1="40"
            x2={W - 8}
            y1={y(threshold)}
            y2={y(threshold)}
            class="threshold"
            stroke-dasharray="4 3"
          />
          <text x="4" y={y(threshold) + 4} class="axis">
            {threshold}
          </text>
        </>
      ) : null}
      <text x="4" y={y(lo) + 4} class="axis">
        {lo}
      </text>
      <text x="44" y={H - 3} class="axis">
        {timeText(new Date(t0), 'time')}
      </text>
      <text x={W - 8} y={H - 3} class="axis" text-anchor="end">
        {timeText(new Date(t1), 'time')}
      </text>
      <path d={line} class="series" fill="none" />
      {points.map((m, i) => (
        <circle key={m.at} cx={x(times[i]!)} cy={y(m.value as number)} r="2.5" class="point" />
      ))}
    </svg>
  );
}

export function HealthView(props: { pipeline: string; stage: string; version: number }) {
  const { pipeline, stage } = props;
  useTitle(`Rollback health of ${stage}`);
  const [check] = useApi<RollbackCheck>(
    `/pipelines/${enc(pipeline)}/stages/${enc(stage)}/rollback-check`,
    props.version,
  );
  const [history] = useApi<History>(
    `/pipelines/${enc(pipeline)}/stages/${enc(stage)}/promotions`,
    props.version,
  );
  return (
    <section>
      <p class="crumbs">
        <a href={href(`/p/${enc(pipeline)}`)}>{pipeline}</a> /{' '}
        <a href={href(`/p/${enc(pipeline)}/s/${enc(stage)}`)}>{stage}</a>
      </p>
      <h1>Rollback health of {stage}</h1>
      <Load loaded={history} what="the promotions">
        {(rows) => {
          const promotions = [...rows].reverse();
          const good = lastKnownGood(promotions, stage);
          return (
            <p>
              Last known good target:{' '}
              {good ? (
                <>
                  <Digest
                    digest={good.artifact}
                    link={href(`/p/${enc(pipeline)}/a/${enc(good.artifact)}`)}
                    lookalikes={rows.find((r) => r.seq === good.seq)?.lookalikes}
                  />{' '}
                  <Labels labels={rows.find((r) => r.seq === good.seq)?.labels} /> (promoted{' '}
                  <When at={good.at} />)
                </>
              ) : (
                <span class="muted">none (no earlier good promotion of another digest)</span>
              )}
            </p>
          );
        }}
      </Load>
      <Load loaded={check} what="the rollback conditions">
        {(r) => (
          <>
            <p>
              Current: <Digest digest={r.digest} lookalikes="unknown" /> promoted <When at={r.promotedAt} />
              {'; overall '}
              <Badge status={r.verdict} />.{' '}
              {r.watching ? (
                <>
                  Watched until <When at={r.watchEndsAt} />.
                </>
              ) : (
                'The watch period is over; the conditions are informational.'
              )}
            </p>
            <ul class="conditions">
              {(r.conditions as Condition[]).map((c) => (
                <li key={c.name} class="card">
                  <h2>
                    {c.name} <Badge status={c.verdict ?? '?'} />
                  </h2>
                  <p>
                    Latest {c.current} against {c.threshold}. {c.reason}
                  </p>
                  <ConditionChart condition={c} />
                </li>
              ))}
            </ul>
          </>
        )}
      </Load>
    </section>
  );
}
