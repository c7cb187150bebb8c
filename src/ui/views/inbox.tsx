/** What waits for my word: approve or reject with a comment, as the signed-in principal. */
import { useState } from 'preact/hooks';
import type { Approval, ApprovalRequest, Inbox } from '../api.js';
import { ApiError, enc, post } from '../api.js';
import {
  Digest,
  href,
  ItemText,
  Labels,
  Load,
  LookalikeNote,
  MarkedDigest,
  names,
  sharedLength,
  useApi,
  useTitle,
  When,
} from '../ui.js';

type Item = Inbox['items'][number];

/**
 * The step between Approve and the approval when the digest has look-alikes: both full digests, one
 * above the other, the digits where they part marked, and a button that says which one it approves.
 * The server refuses the approval without the look-alikes' digests this step sends.
 */
function LookalikeConfirm(props: {
  id: string;
  item: Item;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { digest, lookalikes = [] } = props.item.artifact;
  const prefix = digest.indexOf(':') + 1;
  return (
    <div
      class="confirm lookalike"
      role="alertdialog"
      aria-labelledby={`${props.id}-confirm`}
      aria-modal="false"
    >
      <p id={`${props.id}-confirm`}>
        <strong>Confirm which digest you approve.</strong> You are approving
      </p>
      <p>
        <MarkedDigest
          digest={digest}
          from={Math.max(...lookalikes.map((l) => sharedLength(digest, l.digest)))}
        />
      </p>
      {lookalikes.map((l) => {
        const shared = sharedLength(digest, l.digest);
        return (
          <div key={l.digest}>
            <p>
              not its look-alike, registered by {l.registeredBy} at <When at={l.registeredAt} />:
            </p>
            <p>
              <MarkedDigest digest={l.digest} from={shared} />
            </p>
            <p class="warn">
              The two share their first {shared - prefix} hex digits and differ from digit{' '}
              {shared - prefix + 1}: yours continues <code>{digest.slice(shared, shared + 8)}…</code>, the
              look-alike <code>{l.digest.slice(shared, shared + 8)}…</code>. Check the full digest against the
              one the release names.
            </p>
          </div>
        );
      })}
      <div class="buttons">
        <button type="button" disabled={props.busy} onClick={props.onConfirm}>
          Approve {digest}
        </button>
        <button type="button" class="secondary" disabled={props.busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function InboxItem(props: { item: Item; onDone: (notice: { ok: boolean; text: string }) => void }) {
  const { item } = props;
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const [confirming, setConfirming] = useState(false);
  const lookalikes = item.artifact.lookalikes ?? [];
  // The full digest: two items whose digests share a prefix (a look-alike) must not share ids, or
  // a label, a heading reference or a test would act on the wrong row.
  const id = `${item.pipeline}-${item.stage}-${item.artifact.digest.replace(':', '-')}`;
  const send = async (decision: ApprovalRequest['decision'], confirmed = false) => {
    // An approval of a digest with look-alikes goes through the confirm step first.
    if (decision === 'approve' && lookalikes.length > 0 && !confirmed) {
      setResult(undefined);
      setConfirming(true);
      return;
    }
    setBusy(true);
    try {
      const body: ApprovalRequest = {
        artifact: item.artifact.digest,
        decision,
        ...(comment.trim() ? { comment } : {}),
        ...(decision === 'approve' && confirmed ? { lookalikesSeen: lookalikes.map((l) => l.digest) } : {}),
      };
      const answer = await post<Approval>(
        `/pipelines/${enc(item.pipeline)}/stages/${enc(item.stage)}/approvals`,
        body,
      );
      // The item may leave the inbox (its gate is met now): the notice is kept above the list.
      props.onDone({ ok: !answer.notCounted, text: answer.message });
    } catch (error) {
      // A look-alike registered since the page was drawn: reload so the confirm step names it too.
      if (error instanceof ApiError && error.code === 'LOOKALIKE_UNCONFIRMED')
        props.onDone({ ok: false, text: error.message });
      else setResult({ ok: false, text: error instanceof ApiError ? error.message : String(error) });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  const decisionLink = href(`/p/${enc(item.pipeline)}/s/${enc(item.stage)}/a/${enc(item.artifact.digest)}`);
  return (
    <li class="card" aria-labelledby={`${id}-title ${id}-digest`}>
      <h2 id={`${id}-title`}>
        {item.pipeline}: <Labels labels={item.artifact.labels} /> into {item.stage}
        {item.artifact.lookalikes?.length ? (
          <>
            {' '}
            <span class="badge badge-lookalike">look-alike</span>
          </>
        ) : null}
      </h2>
      {/* Where a person approves, the whole digest: compare it with the one the release names. */}
      <p id={`${id}-digest`}>
        Artifact <Digest digest={item.artifact.digest} full lookalikes={item.artifact.lookalikes} />
      </p>
      <LookalikeNote digest={item.artifact.digest} lookalikes={item.artifact.lookalikes} />
      <p>
        Runs in {names(item.runsIn)}. Approvals: {item.gate.summary}.{' '}
        <a href={decisionLink}>See the whole decision</a>
      </p>
      {item.gate.required.length ? (
        <ul>
          {item.gate.required.map((r) => (
            <li key={r}>
              <ItemText text={r} digest={item.artifact.digest} />
            </li>
          ))}
        </ul>
      ) : null}
      {item.mine ? (
        <p>
          Your word: <strong>{item.mine.decision}</strong> at <When at={item.mine.at} />
          {item.mine.comment ? ` ("${item.mine.comment}")` : ''}
        </p>
      ) : null}
      {item.notCounted ? (
        <p class="warn" role="note">
          Your approval would not count: {item.notCounted}.
        </p>
      ) : null}
      {item.mayApprove ? (
        <form
          class="approve"
          onSubmit={(e) => {
            e.preventDefault();
            void send('approve');
          }}
        >
          <label for={`${id}-comment`}>Comment (optional)</label>
          <textarea
            id={`${id}-comment`}
            rows={2}
            maxLength={2000}
            value={comment}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
          <div class="buttons">
            <button type="submit" disabled={busy || confirming}>
              Approve
            </button>
            <button
              type="button"
              class="secondary"
              disabled={busy || confirming}
              onClick={() => void send('reject')}
            >
              Reject
            </button>
          </div>
          {confirming ? (
            <LookalikeConfirm
              id={id}
              item={item}
              busy={busy}
              onConfirm={() => void send('approve', true)}
              onCancel={() => setConfirming(false)}
            />
          ) : null}
        </form>
      ) : (
        <p class="muted">Your role may not approve in {item.stage}.</p>
      )}
      {result ? (
        <p class={result.ok ? 'good' : 'warn'} role="status">
          {result.text}
        </p>
      ) : null}
    </li>
  );
}

export function InboxView(props: { after: number; version: number }) {
  useTitle('Approvals');
  const [loaded, reload] = useApi<Inbox>(
    `/inbox?size=20${props.after > 0 ? `&after=${props.after}` : ''}`,
    props.version,
  );
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | undefined>();
  return (
    <section>
      <h1>Waiting for approval</h1>
      {notice ? (
        <p class={notice.ok ? 'notice good' : 'notice warn'} role="status">
          {notice.text}
        </p>
      ) : null}
      <Load loaded={loaded} what="the approvals inbox">
        {(page) => (
          <>
            {page.items.length === 0 ? (
              <p class="muted">
                {props.after > 0
                  ? 'Nothing more on this page waits for an approval you could give.'
                  : 'Nothing waits for an approval you could give.'}
              </p>
            ) : (
              <ul class="inbox">
                {page.items.map((item) => (
                  <InboxItem
                    key={`${item.pipeline}/${item.stage}/${item.artifact.digest}`}
                    item={item}
                    onDone={(n) => {
                      setNotice(n);
                      reload();
                    }}
                  />
                ))}
              </ul>
            )}
            {page.next !== undefined || props.after > 0 ? (
              <nav aria-label="Pages" class="pager">
                {props.after > 0 ? <a href={href('/inbox')}>First page</a> : null}
                {page.next !== undefined ? <a href={href(`/inbox?after=${page.next}`)}>Next page</a> : null}
              </nav>
            ) : null}
          </>
        )}
      </Load>
    </section>
  );
}
