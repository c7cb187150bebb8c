/**
 * `tollgate report --html DIR`: the dashboard's views of one pipeline as a static snapshot, for CI
 * artifacts and audits: openable from file://, no server. The folder holds the same page and
 * assets `tollgate serve` serves, plus `assets/snapshot.js`, the answers the page would ask the
 * API for, computed now by the same use cases the API's routes call. The page reads them instead
 * of calling a server (src/ui/api.ts).
 *
 * What the snapshot holds: the overview and summary of the pipeline, its ledger verdict, the
 * newest `timelinePages` pages of its timeline, every stage's promotions, the decision of every
 * digest current or waiting in a stage and of every promotion on those pages, the passport of
 * every digest named, the VSAs stored with their promotions (verified), the drift between each stage and its
 * upstream stages, and the rollback health of stages that declare conditions. A view outside it
 * says so ("this static report does not hold …"). Secret values are left out as the API leaves
 * them out: the drift report keeps only keyed hashes.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { upstreamOf } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import { checkStage } from './check.js';
import { pipelineSummary, pipelinesOverview, pipelineTimeline, type TimelineEntry } from './dashboard.js';
import { dashboardDir } from './dashboard-files.js';
import { driftBetween } from './drift.js';
import { explainArtifact } from './explain.js';
import { rollbackCheck } from './rollback.js';
import type { AppRequest } from './services.js';
import { stageHistory, verifyLedger } from './status.js';
import { verifyStoredVsa } from './vsa.js';

export interface HtmlReportOptions {
  /** The folder to write (created; files of the same names are replaced). */
  dir: string;
  /** Timeline pages of 30 kept (default 10: the newest 300 rows). */
  timelinePages?: number;
  /** Where the built dashboard is (default: dist/ui). */
  source?: string;
}

export interface HtmlReport {
  dir: string;
  pipeline: string;
  /** API answers the snapshot holds. */
  answers: number;
  bytes: number;
}

/** An answer the page reads as the API's error shape. */
interface SnapshotError {
  __error: { code: string; message: string };
}

const enc = encodeURIComponent;

/** The static report's Content-Security-Policy (frame-ancestors cannot be set by a meta element). */
export const REPORT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'";

export async function writeHtmlReport(ctx: AppRequest, options: HtmlReportOptions): Promise<HtmlReport> {
  const source = options.source ?? dashboardDir();
  if (!existsSync(join(source, 'index.html')))
    throw new TollgateError(
      'FILE_UNREADABLE',
      `the dashboard's files are missing (${join(source, 'index.html')}): reinstall tollgate, or run npm run build in a checkout`,
    );
  const pipeline = ctx.contract.pipeline;
  const p = `/pipelines/${enc(pipeline)}`;
  const answers: Record<string, unknown> = {};
  // Each answer as the API serialises it (JSON), or its error as the one error shape.
  const keep = async (path: string, work: () => Promise<unknown> | unknown) => {
    if (path in answers) return answers[path];
    try {
      answers[path] = JSON.parse(JSON.stringify(await work()));
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      answers[path] = { __error: { code: error.code, message: error.message } } satisfies SnapshotError;
    }
    return answers[path];
  };

  await keep('/overview?page=1&size=20', () =>
    pipelinesOverview(ctx.services, ctx.caller, { page: 1, size: 20 }),
  );
  const summary = await pipelineSummary(ctx);
  await keep(`${p}/summary`, () => summary);
  await keep(`${p}/ledger/verify`, () => verifyLedger(ctx));

  const rows: TimelineEntry[] = [];
  let before: number | undefined;
  for (let page = 0; page < (options.timelinePages ?? 10); page += 1) {
    const path = `${p}/timeline?limit=30${before === undefined ? '' : `&before=${before}`}`;
    const timeline = await pipelineTimeline(ctx, { limit: 30, ...(before === undefined ? {} : { before }) });
    await keep(path, () => timeline);
    rows.push(...timeline.entries);
    if (timeline.next === undefined) break;
    before = timeline.next;
  }

  const digests = new Set<string>();
  const decisions = new Set<string>(); // `stage digest`
  for (const stage of summary.stages) {
    if (stage.current) {
      digests.add(stage.current.artifact.digest);
      decisions.add(`${stage.stage} ${stage.current.artifact.digest}`);
    }
    for (const waiting of stage.waiting) {
      digests.add(waiting.digest);
      decisions.add(`${stage.stage} ${waiting.digest}`);
    }
  }
  for (const row of rows) {
    if (row.artifact) digests.add(row.artifact);
    if (row.kind === 'promotion' && row.stage && row.artifact) decisions.add(`${row.stage} ${row.artifact}`);
  }

  // The decision view asks as the stage's last promoter (src/ui/views/decision.tsx): the same here.
  const promoterOf = new Map<string, string | undefined>();
  for (const stage of Object.keys(ctx.contract.stages)) {
    const history = await stageHistory(ctx, stage);
    await keep(`${p}/stages/${enc(stage)}/promotions`, () => history);
    promoterOf.set(stage, history[0]?.actor);
  }
  for (const key of decisions) {
    const [stage, digest] = key.split(' ') as [string, string];
    const promoter = promoterOf.get(stage);
    const asPromoter = promoter ? { ...ctx, caller: { ...ctx.caller, principal: promoter } } : ctx;
    await keep(
      `${p}/stages/${enc(stage)}/check?artifact=${enc(digest)}${promoter ? `&promoter=${enc(promoter)}` : ''}`,
      () => checkStage(asPromoter, stage, digest),
    );
  }
  for (const digest of digests) {
    const passport = (await keep(`${p}/artifacts/${enc(digest)}`, () => explainArtifact(ctx, digest))) as {
      stages?: Array<{ stage: string; promotion?: { vsa?: boolean } }>;
    };
    for (const stage of passport.stages ?? []) {
      if (!stage.promotion?.vsa) continue;
      await keep(`${p}/stages/${enc(stage.stage)}/vsa/verification?artifact=${enc(digest)}`, async () => {
        const found = await verifyStoredVsa(ctx, stage.stage, digest);
        if (!found) throw new TollgateError('NOT_FOUND', `no signed VSA for ${digest} in ${stage.stage}`);
        return found;
      });
    }
  }
  for (const [stage, definition] of Object.entries(ctx.contract.stages)) {
    for (const upstream of upstreamOf(definition))
      await keep(`${p}/drift?from=${enc(upstream)}&to=${enc(stage)}`, () =>
        driftBetween(ctx, upstream, stage),
      );
    if (definition.rollback)
      await keep(`${p}/stages/${enc(stage)}/rollback-check`, () => rollbackCheck(ctx, stage));
  }

  mkdirSync(join(options.dir, 'assets'), { recursive: true });
  for (const file of ['app.js', 'app.css'])
    copyFileSync(join(source, 'assets', file), join(options.dir, 'assets', file));
  const snapshot = {
    generatedAt: ctx.caller.at.toISOString(),
    pipeline,
    answers,
  };
  // A script, not JSON fetched: a page opened from file:// may not fetch its neighbours.
  const script = `window.__TOLLGATE_SNAPSHOT__ = ${JSON.stringify(snapshot).replace(/</g, '\\u003c')};\n`;
  writeFileSync(join(options.dir, 'assets', 'snapshot.js'), script);
  // The policy the server sends with the page, as a meta element (a file has no headers): only
  // the folder's own script and styles, no connection anywhere, no inline script. A report opened
  // from a CI artifact store's web server, or from disk, runs nothing a label could smuggle in.
  const page = readFileSync(join(source, 'index.html'), 'utf8').replace(
    '<!--snapshot-->',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">\n<script src="assets/snapshot.js"></script>`,
  );
  writeFileSync(join(options.dir, 'index.html'), page);
  return { dir: options.dir, pipeline, answers: Object.keys(answers).length, bytes: script.length };
}
