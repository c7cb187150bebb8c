/**
 * The page's API client. Its types are the server's schemas (src/server/schemas.ts, the same zod
 * definitions that validate requests and make /openapi.json), inferred, never written twice; only
 * `import type` crosses over, so no server code is bundled. The page reads one error shape,
 * `{ error: { code, message } }`, as every route answers it.
 *
 * A static report (`tollgate report --html`) has no server: its answers are embedded in the page
 * as a snapshot, and `get` reads them from there.
 */
import type { z } from 'zod';
import type * as s from '../server/schemas.js';

// The passport and drift documents are described loosely in the API's schemas (records); the page
// reads them with the use cases' own result types, which are what the server serialises.
export type { Passport } from '../app/explain.js';
export type { DriftReport as Drift } from '../drift/report.js';

export type Overview = z.infer<typeof s.overviewSchema>;
export type PipelineSummary = z.infer<typeof s.overviewPipelineSchema>;
export type Timeline = z.infer<typeof s.timelineSchema>;
export type Inbox = z.infer<typeof s.inboxSchema>;
export type Decision = z.infer<typeof s.decisionSchema>;
export type Status = z.infer<typeof s.statusSchema>;
export type History = z.infer<typeof s.historySchema>;
export type Pipelines = z.infer<typeof s.pipelinesSchema>;
export type LedgerVerdict = z.infer<typeof s.ledgerVerdictSchema>;
export type Whoami = z.infer<typeof s.whoamiSchema>;
export type Approval = z.infer<typeof s.approvalSchema>;
export type ApprovalRequest = z.infer<typeof s.approvalBody>;
export type RollbackCheck = z.infer<typeof s.rollbackCheckSchema>;
export type Envelope = z.infer<typeof s.envelopeSchema>;
export type VsaVerification = z.infer<typeof s.vsaVerificationSchema>;
export type Windows = z.infer<typeof s.windowsSchema>;
export type EntryEvent = z.infer<typeof s.entryEventSchema>;

/** A failed call, as the server's one error shape says it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A static report's embedded answers, by API path (with query). */
export interface Snapshot {
  generatedAt: string;
  pipeline: string;
  answers: Record<string, unknown>;
}

declare global {
  interface Window {
    __TOLLGATE_SNAPSHOT__?: Snapshot;
  }
}

export const API = '/api/v1';

export function snapshot(): Snapshot | undefined {
  return typeof window === 'undefined' ? undefined : window.__TOLLGATE_SNAPSHOT__;
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code)
      return new ApiError(res.status, body.error.code, body.error.message ?? body.error.code);
  } catch {
    // Not the error shape (a proxy's page): say what came back.
  }
  return new ApiError(res.status, 'HTTP_ERROR', `the server answered ${res.status} ${res.statusText}`);
}

/** GET an API path (`/overview?page=2`), typed by the caller from the schemas above. */
export async function get<T>(path: string): Promise<T> {
  const snap = snapshot();
  if (snap) {
    if (!(path in snap.answers))
      throw new ApiError(
        404,
        'NOT_IN_REPORT',
        `this static report does not hold ${path}; open it on the server`,
      );
    const answer = snap.answers[path] as { __error?: { code: string; message: string } };
    // What the API answered with an error when the report was made.
    if (answer && typeof answer === 'object' && answer.__error)
      throw new ApiError(0, answer.__error.code, answer.__error.message);
    return answer as T;
  }
  const res = await fetch(`${API}${path}`, {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

/** POST a JSON body to an API path. */
export async function post<T>(path: string, body: unknown): Promise<T> {
  if (snapshot()) throw new ApiError(405, 'READ_ONLY', 'a static report cannot change anything');
  const res = await fetch(`${API}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

export const enc = encodeURIComponent;
