/** All pipelines the principal may read, a page at a time, searchable and filtered by status. */
import { useEffect, useState } from 'preact/hooks';
import type { LedgerVerdict, Overview, PipelineSummary } from '../api.js';
import { enc, snapshot } from '../api.js';
import { Badge, countdown, Digest, href, Labels, Load, useApi, useNow, useTitle } from '../ui.js';

/** The overview's status filter: the API's `status` values, as a person reads them. */
export const STATUS_FILTERS: ReadonlyArray<readonly [string, string]> = [
  ['', 'Any status'],
  ['promoted', 'Promoted, not yet verified'],
  ['verified', 'Verified'],
  ['failed', 'Failed'],
  ['rolled-back', 'Rolled back'],
  ['waiting', 'Waiting at a stage'],
];

const FILTER_TEXT: Record<string, string> = {
  promoted: 'with a stage promoted and not yet verified',
  verified: 'with a verified stage',
  failed: 'with a failed stage',
  'rolled-back': 'with a stage rolled back',
  waiting: 'with a digest waiting at a stage',
};

export function OverviewView(props: { q: string; status: string; page: number; version: number }) {
  useTitle('Pipelines');
  // An unknown status in the address (an old link, a typo) shows every pipeline, the select on "Any status".
  const filter = FILTER_TEXT[props.status] ? props.status : '';
  const [query, setQuery] = useState(props.q);
  const [status, setStatus] = useState(filter);
  useEffect(() => setQuery(props.q), [props.q]);
  useEffect(() => setStatus(filter), [filter]);
  const path = `/overview?page=${props.page}&size=20${props.q ? `&q=${enc(props.q)}` : ''}${filter ? `&status=${filter}` : ''}`;
  const [loaded] = useApi<Overview>(path, props.version);
  const go = (q: string, state: string, page: number) => {
    location.hash = `/?${new URLSearchParams({
      ...(q ? { q } : {}),
      ...(state ? { status: state } : {}),
      ...(page > 1 ? { page: String(page) } : {}),
    })}`;
  };
  const described = [props.q ? `matching "${props.q}"` : '', filter ? FILTER_TEXT[filter] : '']
    .filter(Boolean)
    .join(' ');
  return (
    <section>
      <h1>Pipelines</h1>
      {/* A static report holds one pipeline and only the unfiltered page: nothing to search or filter. */}
      {snapshot() ? null : (
        <form
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            go(query, status, 1);
          }}
        >
          <label for="q">Find a pipeline or stage</label>
          <input id="q" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
          <label for="status">Status</label>
          <select id="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            {STATUS_FILTERS.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
          <button type="submit">Search</button>
          {props.q || filter ? (
            <a href={href('/')} class="clear">
              Show all
            </a>
          ) : null}
        </form>
      )}
      <Load loaded={loaded} what="the pipelines">
        {(data) => (
          <>
            <p class="muted" role="status">
              {data.total === 0
                ? described
                  ? `No pipeline ${described}.`
                  : 'No pipelines you may read.'
                : `${data.total} pipeline${data.total === 1 ? '' : 's'}${described ? ` ${described}` : ''}; page ${data.page} of ${Math.max(1, Math.ceil(data.total / data.size))}`}
            </p>
            <ul class="pipelines">
              {data.pipelines.map((p) => (
                <PipelineCard key={p.pipeline} pipeline={p} />
              ))}
            </ul>
            <Pager
              total={data.total}
              page={data.page}
              size={data.size}
              go={(page) => go(props.q, filter, page)}
            />
          </>
        )}
      </Load>
    </section>
  );
}

function Pager(props: { total: number; page: number; size: number; go: (page: number) => void }) {
  const pages = Math.ceil(props.total / props.size);
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pages" class="pager">
      <button type="button" disabled={props.page <= 1} onClick={() => props.go(props.page - 1)}>
        Previous page
      </button>
      <span>
        Page {props.page} of {pages}
      </span>
      <button type="button" disabled={props.page >= pages} onClick={() => props.go(props.page + 1)}>
        Next page
      </button>
    </nav>
  );
}

function PipelineCard(props: { pipeline: PipelineSummary }) {
  const p = props.pipeline;
  const now = useNow();
  return (
    <li class="card">
      <h2>
        <a href={href(`/p/${enc(p.pipeline)}`)}>{p.pipeline}</a>
      </h2>
      <LedgerState pipeline={p.pipeline} entries={p.entries} />
      <table class="stages">
        <caption class="sr-only">Stages of {p.pipeline}</caption>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Runs now</th>
            <th scope="col">Status</th>
            <th scope="col">Waiting</th>
          </tr>
        </thead>
        <tbody>
          {p.stages.map((stage) => (
            <tr key={stage.stage}>
              <th scope="row">{stage.stage}</th>
              <td>
                {stage.current ? (
                  <>
                    <Digest
                      digest={stage.current.artifact.digest}
                      link={href(`/p/${enc(p.pipeline)}/a/${enc(stage.current.artifact.digest)}`)}
                      lookalikes={stage.current.lookalikes}
                    />{' '}
                    {stage.current.lookalikes?.length ? (
                      <span class="badge badge-lookalike">look-alike</span>
                    ) : null}{' '}
                    <Labels labels={stage.current.artifact.labels} />
                  </>
                ) : (
                  <span class="muted">nothing yet</span>
                )}
              </td>
              <td>
                {stage.current ? <Badge status={stage.current.status} /> : null}
                {stage.current?.rolledBack ? <span class="muted"> (rolled back to it)</span> : null}
              </td>
              <td>
                {stage.waiting.length === 0 ? (
                  <span class="muted">—</span>
                ) : (
                  <ul class="waiting">
                    {stage.waiting.map((w) => (
                      <li key={w.digest}>
                        <a href={href(`/p/${enc(p.pipeline)}/s/${enc(stage.stage)}/a/${enc(w.digest)}`)}>
                          <Digest digest={w.digest} lookalikes={w.lookalikes} /> <Labels labels={w.labels} />{' '}
                          <Badge status={w.verdict} />
                        </a>
                        {w.pending.map((g) => (
                          <span class="pending" key={g.gate}>
                            {' '}
                            {g.gate}: {g.summary}
                            {g.until ? <> (can pass {countdown(g.until, now)})</> : null}
                          </span>
                        ))}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </li>
  );
}

/** The ledger's chain, recomputed by the server for this pipeline. */
export function LedgerState(props: { pipeline: string; entries: number }) {
  const [loaded] = useApi<LedgerVerdict>(`/pipelines/${enc(props.pipeline)}/ledger/verify`);
  return (
    <p class="ledger">
      Ledger: {props.entries} entries,{' '}
      {loaded.state === 'loading' ? (
        'verifying…'
      ) : loaded.state === 'error' ? (
        <span class="bad">not verified ({loaded.error.message})</span>
      ) : loaded.data.ok ? (
        <span class="good">hash chain verified</span>
      ) : (
        <span class="bad">
          BROKEN at entry #{loaded.data.seq}: {loaded.data.reason}
        </span>
      )}
    </p>
  );
}
