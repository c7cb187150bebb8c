/**
 * The drift between two stages: differences by class, each class's budget and use, and as
 * remaining risk every difference that does not block (declared, or undeclared within budget).
 * Secret-looking values never reach the page: the server's report leaves them out (only keyed
 * hashes), and this view shows that a secret changed, never its value.
 */
import type { Drift } from '../api.js';
import { enc } from '../api.js';
import { href, Load, useApi, useTitle, When } from '../ui.js';

type Difference = Drift['differences'][number];

function value(v: unknown): string {
  if (v === undefined) return '—';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

function Change(props: { d: Difference }) {
  const { d } = props;
  if (d.secret) return <span class="secret">secret value {d.kind} (values withheld; hashes differ)</span>;
  if (d.kind === 'added') return <span>added: {value(d.after)}</span>;
  if (d.kind === 'removed') return <span>removed: {value(d.before)}</span>;
  return (
    <span>
      {value(d.before)} → {value(d.after)}
    </span>
  );
}

export function DriftView(props: { pipeline: string; from: string; to: string }) {
  const { pipeline, from, to } = props;
  useTitle(`Drift ${from} → ${to}`);
  const [loaded] = useApi<Drift>(`/pipelines/${enc(pipeline)}/drift?from=${enc(from)}&to=${enc(to)}`);
  return (
    <Load loaded={loaded} what={`the drift from ${from} to ${to}`}>
      {(r) => {
        // What check lists as remaining risk: every difference that does not block, declared or
        // not (an undeclared one within its class's budget is accepted, not gone).
        const over = new Set(r.classes.filter((c) => c.over).map((c) => c.class));
        const risks = r.differences.filter((d) => d.declared || !over.has(d.class));
        return (
          <section>
            <p class="crumbs">
              <a href={href(`/p/${enc(pipeline)}`)}>{pipeline}</a>
            </p>
            <h1>
              Drift {from} → {to}{' '}
              {r.over ? (
                <span class="badge badge-fail">over budget</span>
              ) : (
                <span class="badge badge-pass">within budget</span>
              )}
            </h1>
            <p class="muted">
              Compared <When at={r.generatedAt} />; {r.differences.length} difference
              {r.differences.length === 1 ? '' : 's'}.
            </p>
            <h2>Budget</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Class</th>
                  <th scope="col">Budget</th>
                  <th scope="col">Used (undeclared)</th>
                  <th scope="col">Declared</th>
                  <th scope="col">Use</th>
                </tr>
              </thead>
              <tbody>
                {r.classes.map((c) => {
                  const limit = typeof c.budget === 'number' ? c.budget : undefined;
                  return (
                    <tr key={c.class} class={c.over ? 'over' : ''}>
                      <th scope="row">{c.class}</th>
                      <td>{String(c.budget)}</td>
                      <td>{c.undeclared}</td>
                      <td>{c.declared}</td>
                      <td>
                        {limit !== undefined ? (
                          <meter
                            min={0}
                            max={Math.max(limit, 1)}
                            value={Math.min(c.undeclared, Math.max(limit, 1))}
                            aria-label={`${c.class}: ${c.undeclared} of ${limit}`}
                          >
                            {c.undeclared} of {limit}
                          </meter>
                        ) : null}{' '}
                        {c.over ? <strong class="bad">over</strong> : <span class="good">ok</span>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <h2>Remaining risk</h2>
            {risks.length === 0 && r.stale.length === 0 && r.expired.length === 0 ? (
              <p class="muted">None.</p>
            ) : null}
            <ul>
              {risks.map((d) => (
                <li key={`r-${d.path}`}>
                  <code>{d.path}</code> ({d.class}):{' '}
                  {d.declared ? `declared: ${d.reason}` : `undeclared, within the ${d.class} budget`}
                </li>
              ))}
              {r.stale.map((n) => (
                <li key={`s-${n.index}`}>
                  Declared but not found: <code>{n.path}</code> ({n.class}): {n.reason}
                </li>
              ))}
              {r.expired.map((n) => (
                <li key={`e-${n.index}`} class="bad">
                  Expired declaration: <code>{n.path}</code> ({n.class}) until {n.until}: {n.reason}
                </li>
              ))}
            </ul>
            <h2>Differences</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Class</th>
                  <th scope="col">Path</th>
                  <th scope="col">Change</th>
                  <th scope="col">Declared</th>
                </tr>
              </thead>
              <tbody>
                {r.differences.map((d) => (
                  <tr key={d.path}>
                    <td>{d.class}</td>
                    <td>
                      <code>{d.path}</code>
                    </td>
                    <td>
                      <Change d={d} />
                    </td>
                    <td>{d.declared ? `yes: ${d.reason}` : d.note ? `no (${d.note})` : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      }}
    </Load>
  );
}
