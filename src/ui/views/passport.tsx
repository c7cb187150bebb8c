/** An artifact's passport: its evidence (with signer and trust), its standing in every stage, its VSAs. */
import type { Passport } from '../api.js';
import { enc } from '../api.js';
import { Badge, Digest, digestTitle, href, Labels, Load, useApi, useTitle, When } from '../ui.js';
import { VsaCheck } from './vsa.js';

/** Evidence is signed-checked when it is recorded: a signer here is one the contract's trust accepted then. */
function signerText(signer: unknown): { text: string; trusted: boolean | undefined } {
  if (signer === null || signer === undefined) return { text: 'unsigned', trusted: undefined };
  const s = signer as { name?: string; method?: string; subject?: string };
  return { text: `${s.name ?? '?'} (${s.method ?? '?'}: ${s.subject ?? '?'})`, trusted: true };
}

export function PassportView(props: { pipeline: string; digest: string; version: number }) {
  const { pipeline, digest } = props;
  const [loaded] = useApi<Passport>(`/pipelines/${enc(pipeline)}/artifacts/${enc(digest)}`, props.version);
  // Until the passport says whether a look-alike is registered, the title names the full digest.
  useTitle(
    `Passport ${digestTitle(digest, loaded.state === 'ok' ? loaded.data.artifact.lookalikes : 'unknown')}`,
  );
  return (
    <Load loaded={loaded} what={`artifact ${digest}`}>
      {(p) => (
        <section>
          <p class="crumbs">
            <a href={href(`/p/${enc(pipeline)}`)}>{pipeline}</a>
          </p>
          <h1>
            Passport of <Digest digest={p.artifact.digest} lookalikes={p.artifact.lookalikes} />{' '}
            <Labels labels={p.artifact.labels} />
          </h1>
          <p class="muted">
            Registered <When at={p.artifact.registeredAt} /> from {p.artifact.source}
            {p.artifact.registeredBy ? ` by ${p.artifact.registeredBy}` : ''}. Full digest:{' '}
            <code class="wrap">{p.artifact.digest}</code>
          </p>
          {p.artifact.askedBy ? (
            <p class={p.artifact.askedBy.claimedBy === undefined ? 'muted' : 'notice'}>
              Asked by <code class="wrap">{p.artifact.askedBy.digest}</code>:{' '}
              {p.artifact.askedBy.claimedBy === undefined
                ? `read from the same bytes (register entry #${p.artifact.askedBy.seq}).`
                : `claimed by ${p.artifact.askedBy.claimedBy} beside it (register entry #${p.artifact.askedBy.seq}); Tollgate did not read the bytes, so the link rests on that word.`}
            </p>
          ) : null}
          <h2>Stages</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">Standing</th>
                <th scope="col">Promoted</th>
                <th scope="col">VSA</th>
              </tr>
            </thead>
            <tbody>
              {p.stages.map((s) => (
                <tr key={s.stage}>
                  <th scope="row">
                    <a href={href(`/p/${enc(pipeline)}/s/${enc(s.stage)}/a/${enc(digest)}`)}>{s.stage}</a>
                  </th>
                  <td>
                    {s.promotion ? <Badge status={s.promotion.status} /> : null}
                    {s.check && 'verdict' in s.check ? (
                      <>
                        {' '}
                        check: <Badge status={s.check.verdict} />
                        {s.check.required.length ? (
                          <span class="muted"> needs {s.check.required.join('; ')}</span>
                        ) : null}
                      </>
                    ) : null}
                    {s.check && 'error' in s.check ? <span class="muted"> {s.check.error}</span> : null}
                  </td>
                  <td>
                    {s.promotion ? (
                      <>
                        #{s.promotion.seq} <When at={s.promotion.at} /> by {s.promotion.actor}
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td>
                    {s.promotion?.vsa ? (
                      <VsaCheck pipeline={pipeline} stage={s.stage} digest={digest} />
                    ) : (
                      <span class="muted">none</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Evidence</h2>
          {p.evidence.length === 0 ? <p class="muted">No evidence recorded.</p> : null}
          <table hidden={p.evidence.length === 0}>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Format</th>
                <th scope="col">What it says</th>
                <th scope="col">Signer</th>
                <th scope="col">Stage</th>
                <th scope="col">Recorded</th>
              </tr>
            </thead>
            <tbody>
              {p.evidence.map((e) => {
                const signer = signerText(e.signer);
                return (
                  <tr key={e.id}>
                    <td>{e.kind}</td>
                    <td>{e.format}</td>
                    <td>{e.summary}</td>
                    <td>
                      {signer.text}
                      {signer.trusted === true ? (
                        <span class="good"> (signature verified against the contract's trust)</span>
                      ) : null}
                    </td>
                    <td>{e.stage ?? 'CI'}</td>
                    <td>
                      <When at={e.recordedAt} /> by {e.actor}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
    </Load>
  );
}
