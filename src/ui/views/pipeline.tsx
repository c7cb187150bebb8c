/** One pipeline: its stages as a graph (the contract's `from` edges) and its timeline. */
import { useState } from 'preact/hooks';
import type { PipelineSummary, Timeline } from '../api.js';
import { enc, get } from '../api.js';
import { Badge, Digest, digestText, href, Labels, Load, useApi, useTitle, When } from '../ui.js';
import { LedgerState } from './overview.js';

export function PipelineView(props: { pipeline: string; version: number }) {
  useTitle(props.pipeline);
  const [summary] = useApi<PipelineSummary>(`/pipelines/${enc(props.pipeline)}/summary`, props.version);
  return (
    <Load loaded={summary} what={`pipeline ${props.pipeline}`}>
      {(p) => (
        <section>
          <h1>Pipeline {p.pipeline}</h1>
          <LedgerState pipeline={p.pipeline} entries={p.entries} />
          <StageGraph pipeline={p} />
          <h2>Compare stages</h2>
          {p.stages.some((s) => s.from.length > 0 || (s.current && s.rollback)) ? null : (
            <p class="muted">
              Nothing to compare: no stage takes its builds from another, and no stage is watched for
              rollback.
            </p>
          )}
          <ul class="inline">
            {p.stages.flatMap((s) =>
              s.from.map((u) => (
                <li key={`${u}-${s.stage}`}>
                  <a href={href(`/p/${enc(p.pipeline)}/drift/${enc(u)}/${enc(s.stage)}`)}>
                    Drift {u} → {s.stage}
                  </a>
                </li>
              )),
            )}
            {p.stages
              .filter((s) => s.current && s.rollback)
              .map((s) => (
                <li key={`health-${s.stage}`}>
                  <a href={href(`/p/${enc(p.pipeline)}/s/${enc(s.stage)}/health`)}>
                    Rollback health of {s.stage}
                  </a>
                </li>
              ))}
          </ul>
          <TimelineList pipeline={p.pipeline} version={props.version} />
        </section>
      )}
    </Load>
  );
}

/** Characters of the boxes' monospace text that fit in a box (250 px wide, 12.5 px type). */
const NODE_CHARS = 29;

/** `text`, cut to `max` characters with an ellipsis when longer. */
function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Stages laid out by depth (longest path from a stage with no `from`), edges drawn from each upstream. */
export function StageGraph(props: { pipeline: PipelineSummary }) {
  const stages = props.pipeline.stages;
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string> = new Set()): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const stage = stages.find((s) => s.stage === name);
    if (!stage || seen.has(name)) return 0;
    seen.add(name);
    const d = stage.from.length === 0 ? 0 : 1 + Math.max(...stage.from.map((u) => depthOf(u, seen)));
    depth.set(name, d);
    return d;
  };
  const columns: string[][] = [];
  for (const s of stages) {
    const column = depthOf(s.stage);
    columns[column] ??= [];
    columns[column].push(s.stage);
  }
  const W = 250;
  const H = 86;
  const GAP_X = 70;
  const GAP_Y = 24;
  const pos = new Map<string, { x: number; y: number }>();
  for (const [c, column] of columns.entries())
    for (const [r, name] of column.entries())
      pos.set(name, { x: 10 + c * (W + GAP_X), y: 10 + r * (H + GAP_Y) });
  const width = 20 + columns.length * (W + GAP_X) - GAP_X;
  const height = 20 + Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;
  const p = props.pipeline.pipeline;
  return (
    <figure class="graph">
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} aria-labelledby="graph-caption">
        <title>Stage graph of {p}</title>
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="#57606a" />
          </marker>
        </defs>
        {stages.flatMap((s) =>
          s.from.map((u) => {
            const a = pos.get(u);
            const b = pos.get(s.stage);
            if (!a || !b) return null;
            const x1 = a.x + W;
            const y1 = a.y + H / 2;
            const x2 = b.x;
            const y2 = b.y + H / 2;
            return (
              <path
                key={`${u}-${s.stage}`}
                d={`M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2 - 2},${y2}`}
                fill="none"
                stroke="#57606a"
                stroke-width="1.5"
                marker-end="url(#arrow)"
              />
            );
          }),
        )}
        {stages.map((s, i) => {
          const at = pos.get(s.stage)!;
          const version = s.current?.artifact.labels.version;
          // The digest has a line of its own: a long version label (any text the registrant
          // chose) must not push it out of the box, nor spill into the next one.
          const state = [s.current?.status, s.waiting.length ? `${s.waiting.length} waiting` : undefined]
            .filter(Boolean)
            .join(' · ');
          const room = NODE_CHARS - (state ? state.length + 3 : 0);
          const line3 = version
            ? [shorten(version, Math.max(room, 8)), state].filter(Boolean).join(' · ')
            : state;
          return (
            <a key={s.stage} href={href(`/p/${enc(p)}/s/${enc(s.stage)}`)}>
              <title>
                {s.stage}:{' '}
                {s.current ? `${s.current.artifact.digest}${version ? ` (${version})` : ''}` : 'nothing yet'}
              </title>
              <clipPath id={`node-clip-${i}`}>
                <rect x={at.x} y={at.y} width={W - 8} height={H} />
              </clipPath>
              <rect
                x={at.x}
                y={at.y}
                width={W}
                height={H}
                rx="8"
                class={`node node-${s.current?.status ?? 'empty'}`}
              />
              <g clip-path={`url(#node-clip-${i})`}>
                <text x={at.x + 12} y={at.y + 24} class="node-title">
                  {s.stage}
                </text>
                <text x={at.x + 12} y={at.y + 46} class="node-text">
                  {s.current
                    ? s.current.lookalikes?.length
                      ? // The box is too narrow for the full digest, and the short one is what a look-alike copies.
                        '⚠ look-alike: open to compare'
                      : digestText(s.current.artifact.digest, s.current.lookalikes)
                    : 'nothing yet'}
                </text>
                <text x={at.x + 12} y={at.y + 68} class="node-text">
                  {line3}
                </text>
              </g>
            </a>
          );
        })}
      </svg>
      <figcaption id="graph-caption" class="sr-only">
        Stages of {p}:{' '}
        {stages.map((s) => (s.from.length ? `${s.stage} from ${s.from.join(' and ')}` : s.stage)).join('; ')}.
        Each box is a stage and links to it; arrows point from a stage to the stages it feeds.
      </figcaption>
    </figure>
  );
}

const KIND_TEXT: Record<string, string> = {
  register: 'registered',
  promotion: 'promoted into',
  rollback: 'rolled back',
  verification: 'verified in',
  approval: 'approval in',
};

export function TimelineList(props: { pipeline: string; version: number }) {
  const [first] = useApi<Timeline>(`/pipelines/${enc(props.pipeline)}/timeline?limit=30`, props.version);
  const [older, setOlder] = useState<Timeline['entries']>([]);
  const [next, setNext] = useState<number | undefined>(undefined);
  const p = props.pipeline;
  return (
    <section aria-labelledby="timeline">
      <h2 id="timeline">Timeline</h2>
      <Load loaded={first} what="the timeline">
        {(t) => {
          const rows = [...t.entries, ...older];
          const cursor = older.length ? next : t.next;
          return (
            <>
              {rows.length === 0 ? (
                <p class="muted">
                  Nothing recorded in {p} yet: its timeline starts when a build is registered (
                  <code>tollgate register</code>).
                </p>
              ) : null}
              <ol class="timeline">
                {rows.map((e) => (
                  <li key={e.seq} class={`entry entry-${e.kind}`}>
                    <span class="seq">#{e.seq}</span> <When at={e.at} />{' '}
                    {e.artifact ? (
                      <Digest
                        digest={e.artifact}
                        link={href(`/p/${enc(p)}/a/${enc(e.artifact)}`)}
                        lookalikes={e.lookalikes}
                      />
                    ) : null}{' '}
                    <Labels labels={e.labels} /> {KIND_TEXT[e.kind] ?? e.kind}{' '}
                    {e.stage ? (
                      e.kind === 'promotion' && e.artifact ? (
                        <a href={href(`/p/${enc(p)}/s/${enc(e.stage)}/a/${enc(e.artifact)}`)}>{e.stage}</a>
                      ) : (
                        <strong>{e.stage}</strong>
                      )
                    ) : null}{' '}
                    {e.status ? <Badge status={e.status} /> : null}
                    {e.decision ? <> ({e.decision})</> : null}
                    {e.result ? <> ({e.result})</> : null}
                    {e.target ? (
                      <>
                        {' '}
                        to <Digest digest={e.target} lookalikes={e.targetLookalikes} />
                      </>
                    ) : null}{' '}
                    <span class="muted">by {e.actor}</span>
                  </li>
                ))}
              </ol>
              {cursor ? (
                <button
                  type="button"
                  onClick={async () => {
                    const page = await get<Timeline>(
                      `/pipelines/${enc(p)}/timeline?limit=30&before=${cursor}`,
                    );
                    setOlder((o) => [...o, ...page.entries]);
                    setNext(page.next ?? 0);
                  }}
                >
                  Older entries
                </button>
              ) : null}
            </>
          );
        }}
      </Load>
    </section>
  );
}
