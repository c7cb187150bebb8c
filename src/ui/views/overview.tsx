/** All pipelines the principal may read, a page at a time, searchable. */
import { useEffect, useState } from 'preact/hooks';
import type { LedgerVerdict, Overview, PipelineSummary } from '../api.js';
import { enc } from '../api.js';
import { Badge, countdown, Digest, href, Labels, Load, useApi, useNow, useTitle } from '../ui.js';

export function OverviewView(props: { q: string; page: number; version: number }) {
  useTitle('Pipelines');
  const [query, setQuery] = useState(props.q);
  useEffect(() => setQuery(props.q), [props.q]);
  const path = `/overview?page=${props.page}&size=20${props.q ? `&q=${enc(props.q)}` : ''}`;
  const [loaded] = useApi<Overview>(path, props.version);
  const go = (q: string, page: number) => {
    location.hash = `/?${new URLSearchParams({ ...(q ? { q } : {}), ...(page > 1 ? { page: String(page) } : {}) })}`;
  };
  return (
    <section>
      <h1>Pipelines</h1>
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          go(query, 1);
        }}
      >
        <label for="q">Find a pipeline or stage</label>
        <input id="q" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      <Load loaded={loaded} what="the pipelines">
        {(data) => (
          <>
            <p class="muted">
              {data.total === 0
                ? props.q
                  ? `No pipeline or stage matches "${props.q}".`
                  : 'No pipelines you may read.'
                : `${data.total} pipeline${data.total === 1 ? '' : 's'}${props.q ? ` matching "${props.q}"` : ''}; page ${data.page} of ${Math.max(1, Math.ceil(data.total / data.size))}`}
            </p>
            <ul class="pipelines">
              {data.pipelines.map((p) => (
                <PipelineCard key={p.pipeline} pipeline={p} />
              ))}
            </ul>
            <Pager total={data.total} page={data.page} size={data.size} go={(page) => go(props.q, page)} />
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
                    />{' '}
                    <Labels labels={stage.current.artifact.labels} />
                  </>
                ) : (
                  <span class="muted">nothing yet</span>
                )}
              </td>
              <td>{stage.current ? <Badge status={stage.current.status} /> : null}</td>
              <td>
                {stage.waiting.length === 0 ? (
                  <span class="muted">—</span>
                ) : (
                  <ul class="waiting">
                    {stage.waiting.map((w) => (
                      <li key={w.digest}>
                        <a href={href(`/p/${enc(p.pipeline)}/s/${enc(stage.stage)}/a/${enc(w.digest)}`)}>
                          <Labels labels={w.labels} /> <Badge status={w.verdict} />
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
