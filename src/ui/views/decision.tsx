/** One (artifact, stage): every gate's verdict and the three lists, exactly as `check` computes them. */
import type { Decision, History } from '../api.js';
import { enc } from '../api.js';
import {
  Badge,
  countdown,
  Digest,
  digestTitle,
  hashText,
  href,
  ItemText,
  Labels,
  Load,
  LookalikeNote,
  names,
  useApi,
  useNow,
  useTitle,
  When,
} from '../ui.js';

type Item = Decision['validated'][number];

function Items(props: { items: Item[]; empty: string; digest: string }) {
  if (props.items.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <ul class="items">
      {props.items.map((item, i) => (
        <li key={`${item.gate}-${i}`}>
          <span class="gate-name">{item.gate}</span> <ItemText text={item.text} digest={props.digest} />
          {item.evidence?.length ? (
            <span class="muted"> (evidence {item.evidence.map((e) => e.slice(0, 12)).join(', ')})</span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/**
 * The verdict in words, first thing under the question, saying where to look next: on a phone the
 * Required list comes after everything validated and every risk.
 */
export function verdictText(d: Decision, stage: string): string {
  const waiting = d.gates.filter((g) => g.status === 'pending').map((g) => g.gate);
  const failing = d.gates.filter((g) => g.status === 'fail').map((g) => g.gate);
  const next = d.required.length
    ? ` What is required next: ${d.required.length} item${d.required.length === 1 ? '' : 's'} under Required.`
    : '';
  const risks = d.risks.length
    ? ` ${d.risks.length} remaining risk${d.risks.length === 1 ? '' : 's'} to weigh under Remaining risk.`
    : '';
  if (d.verdict === 'allowed')
    return `Yes: every gate lets it into ${stage}; nothing more is required.${risks}`;
  if (d.verdict === 'pending')
    return `Not yet: ${waiting.length ? `the ${names(waiting)} ${waiting.length === 1 ? 'gate is' : 'gates are'} waiting` : 'a gate is waiting'}.${next}`;
  return `No: ${failing.length ? `the ${names(failing)} ${failing.length === 1 ? 'gate fails' : 'gates fail'}` : 'a gate fails'}.${next}`;
}

export function DecisionView(props: { pipeline: string; stage: string; digest: string; version: number }) {
  const { pipeline, stage, digest } = props;
  // As if the stage's usual promoter (the last one) promotes, so an approver looking at it sees
  // their own approval count; with no promotion there yet, as the viewer.
  const [history] = useApi<History>(
    `/pipelines/${enc(pipeline)}/stages/${enc(stage)}/promotions`,
    props.version,
  );
  const promoter = history.state === 'ok' ? history.data[0]?.actor : undefined;
  const [loaded, rerun] = useApi<Decision>(
    history.state === 'loading'
      ? undefined
      : `/pipelines/${enc(pipeline)}/stages/${enc(stage)}/check?artifact=${enc(digest)}${promoter ? `&promoter=${enc(promoter)}` : ''}`,
    props.version,
  );
  const now = useNow();
  // Until the decision says whether a look-alike is registered, the title names the full digest.
  useTitle(
    `${stage} · ${digestTitle(digest, loaded.state === 'ok' ? loaded.data.artifact.lookalikes : 'unknown')}`,
  );
  return (
    <Load loaded={loaded} what={`the decision for ${stage}`}>
      {(d) => (
        <section>
          <p class="crumbs">
            <a href={href(`/p/${enc(pipeline)}`)}>{pipeline}</a> /{' '}
            <a href={href(`/p/${enc(pipeline)}/s/${enc(stage)}`)}>{stage}</a>
          </p>
          <h1>
            Can{' '}
            <Digest
              digest={d.artifact.digest}
              link={href(`/p/${enc(pipeline)}/a/${enc(d.artifact.digest)}`)}
              lookalikes={d.artifact.lookalikes}
            />{' '}
            <Labels labels={d.artifact.labels} /> enter {stage}? <Badge status={d.verdict} />
          </h1>
          <LookalikeNote digest={d.artifact.digest} lookalikes={d.artifact.lookalikes} />
          <p class={`verdict verdict-${d.verdict}`}>{verdictText(d, stage)}</p>
          <p class="muted">
            {d.purpose}. Evaluated <When at={d.evaluatedAt} /> as if {d.actor} promotes
            {promoter ? ' (the last to promote into this stage)' : ' (you)'}, contract{' '}
            {hashText(d.contract.digest)}.
            {d.until ? (
              <>
                {' '}
                Can pass at <When at={d.until} /> ({countdown(d.until, now)}) if nothing else changes.
              </>
            ) : null}
          </p>
          <button type="button" onClick={rerun}>
            Re-run check
          </button>
          <div class="lists">
            <section aria-labelledby="validated">
              <h2 id="validated">Validated</h2>
              <Items items={d.validated} empty="Nothing validated yet." digest={d.artifact.digest} />
            </section>
            <section aria-labelledby="risks">
              <h2 id="risks">Remaining risk</h2>
              <Items items={d.risks} empty="No remaining risk." digest={d.artifact.digest} />
            </section>
            <section aria-labelledby="required">
              <h2 id="required">Required</h2>
              <Items items={d.required} empty="Nothing more is required." digest={d.artifact.digest} />
            </section>
          </div>
          <h2>Gates</h2>
          <table class="gates">
            <thead>
              <tr>
                <th scope="col">Gate</th>
                <th scope="col">Verdict</th>
                <th scope="col">Summary</th>
                <th scope="col">Can pass at</th>
              </tr>
            </thead>
            <tbody>
              {d.gates.map((g) => (
                <tr key={g.gate}>
                  <th scope="row">{g.gate}</th>
                  <td>
                    <Badge status={g.status} />
                  </td>
                  <td>{g.summary}</td>
                  <td>
                    {g.until ? (
                      <>
                        <When at={g.until} /> ({countdown(g.until, now)})
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </Load>
  );
}

/** A stage: every promotion into it, each opening its decision. */
export function StageView(props: { pipeline: string; stage: string; version: number }) {
  const { pipeline, stage } = props;
  useTitle(`${pipeline} / ${stage}`);
  const [loaded] = useApi<History>(
    `/pipelines/${enc(pipeline)}/stages/${enc(stage)}/promotions`,
    props.version,
  );
  return (
    <Load loaded={loaded} what={`stage ${stage}`}>
      {(rows) => (
        <section>
          <p class="crumbs">
            <a href={href(`/p/${enc(pipeline)}`)}>{pipeline}</a>
          </p>
          <h1>Stage {stage}</h1>
          <p>
            <a href={href(`/p/${enc(pipeline)}/s/${enc(stage)}/health`)}>Rollback health</a>
          </p>
          <h2>Promotions, newest first</h2>
          {rows.length === 0 ? <p class="muted">Nothing was promoted into {stage} yet.</p> : null}
          <ol class="timeline">
            {rows.map((r) => (
              <li key={r.seq}>
                <span class="seq">#{r.seq}</span> <When at={r.at} />{' '}
                <a href={href(`/p/${enc(pipeline)}/s/${enc(stage)}/a/${enc(r.artifact)}`)}>
                  <Digest digest={r.artifact} lookalikes={r.lookalikes} />
                </a>{' '}
                <Labels labels={r.labels} /> <Badge status={r.status} />{' '}
                <span class="muted">by {r.actor}</span>
                {r.statusReason ? <span class="muted"> ({r.statusReason})</span> : null}
              </li>
            ))}
          </ol>
        </section>
      )}
    </Load>
  );
}
