import { NETWORK_REASONS } from '@slo-engine/history';
import { renderHtml } from '@slo-engine/html-report';
import { PrometheusDriver, type QueryResult } from 'prometheus-query';
import { addMatchers } from '@slo-engine/promql';
import { parseScope, planCompile } from './compile';
import { formatDiagnostic, plural, unwritable, useColour, writeOut } from './output';
import { buildRows, formatJson, formatText, type FetchedSamples, type ReportObjective, type Sample } from './report-format';
import { buildPage, type FetchedRanges, type RangeSeries, type RangeWindow } from './report-html';
import { liveQueries, rangeQueries, rangeStepSeconds, reportQueries, type InstantQueries, type RangeQueries } from './report-queries';
import type { Io } from './validate';

export { liveQueries, rangeQueries, rangeStepSeconds, reportQueries } from './report-queries';

export const REPORT_FORMATS = ['text', 'json', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportCliOptions {
  /** Prometheus base URL; PROMETHEUS_URL, then DEFAULT_PROMETHEUS_URL, when absent. */
  prometheus?: string;
  format: string;
  /** Write the report to this file (atomically: a temporary file renamed over it) instead of standard output. */
  out?: string;
  /** Evaluation time: RFC 3339 or unix seconds; now when absent. */
  time?: string;
  /** Per request, and for the whole report. */
  timeoutMs?: number;
  /** `namespace=day-prod`: as for slo compile. */
  scope?: string[];
}

export const DEFAULT_PROMETHEUS_URL = 'http://127.0.0.1:9090';
const DEFAULT_TIMEOUT_MS = 5000;

/** Exit codes, as program.ts defines them for every command (importing them from there would be circular). */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The URL as shown in messages and output: without a password. */
function displayUrl(u: URL): string {
  const shown = new URL(u.href);
  if (shown.password) shown.password = '***';
  return shown.href.replace(/\/$/, '');
}

function parseUrl(text: string): URL | undefined {
  try {
    const u = new URL(text);
    // the driver appends /api/v1/... to the URL as text, so a query or fragment would end up in the middle
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash) return undefined;
    return u;
  } catch {
    return undefined;
  }
}

function parseTime(text: string): Date | undefined {
  const t = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  return Number.isFinite(t) ? new Date(t) : undefined;
}

/** Why the report could not be made; `message` is the whole line printed. */
export class PrometheusError extends Error {}

type DriverError = { status?: string; errorType?: string; error?: string; code?: string; httpStatus?: number; prometheus?: { errorType?: string; error?: string }; original?: unknown };

/** The driver's own error objects pass through its catch-all once more and come out as a code-less network_error wrapping them. */
function unwrap(e: unknown): DriverError {
  let d = (typeof e === 'object' && e !== null ? e : {}) as DriverError;
  while (d.errorType === 'network_error' && d.code === undefined && typeof d.original === 'object' && d.original !== null && 'errorType' in d.original) d = d.original as DriverError;
  return d;
}

/** One line for whatever the driver threw: it throws plain objects, not Errors, for network and HTTP failures. */
function describe(e: unknown, url: string, ctx: { timedOut: boolean; timeoutMs: number; lastStatus?: number }): string {
  const unreachable = (reason: string) => `cannot reach Prometheus at ${url} (${reason}); start it or pass --prometheus URL`;
  const notPrometheus = (reason: string) => `${url} did not answer as Prometheus (${reason}); pass the Prometheus base URL with --prometheus URL`;
  const d = unwrap(e);
  const seconds = `${+(ctx.timeoutMs / 1000).toFixed(1)} s`;
  if (ctx.timedOut || d.errorType === 'timeout_error' || d.code === 'ETIMEDOUT' || d.code === 'ECONNABORTED') return unreachable(`no answer within ${seconds}`);
  if (d.errorType === 'network_error' || d.errorType === 'ssl_error') {
    const reason = (d.code && NETWORK_REASONS[d.code]) ?? (d.errorType === 'ssl_error' ? `TLS: ${d.error ?? d.code}` : (d.error ?? d.code ?? 'network error'));
    return unreachable(reason);
  }
  if (d.errorType === 'http_error') {
    // a Prometheus error body (bad_data, execution, timeout, unavailable) means it is Prometheus and it refused the query
    if (d.prometheus?.errorType) return `Prometheus at ${url} failed a query (HTTP ${d.httpStatus ?? '?'}, ${d.prometheus.errorType}: ${d.prometheus.error ?? d.error ?? ''})`;
    return notPrometheus(`HTTP ${d.httpStatus ?? '?'}`);
  }
  if (d.errorType === 'client_error') return notPrometheus(`HTTP ${ctx.lastStatus ?? '?'}, not a Prometheus API response`);
  return notPrometheus(e instanceof Error ? e.message : String(d.error ?? e));
}

function samplesOf(result: QueryResult): Sample[] {
  if (result.resultType !== 'vector') throw new Error(`expected a vector, got ${String(result.resultType)}`);
  return (result.result as { metric: { name?: string; labels?: Record<string, string> } | null; value: { value: number } }[]).map((r) => ({
    name: r.metric?.name ?? '',
    labels: r.metric?.labels ?? {},
    value: r.value.value,
  }));
}

function seriesOf(result: QueryResult): RangeSeries[] {
  if (result.resultType !== 'matrix') throw new Error(`expected a matrix, got ${String(result.resultType)}`);
  return (result.result as { metric: { name?: string; labels?: Record<string, string> } | null; values: { time: Date; value: number }[] }[]).map((r) => ({
    name: r.metric?.name ?? '',
    labels: r.metric?.labels ?? {},
    points: r.values.map((v) => ({ t: v.time.getTime() / 1000, v: v.value })),
  }));
}

/** What one report asks: the instant queries, the live period's second round, and for HTML the range queries. */
export interface Fetched {
  samples: FetchedSamples;
  ranges?: FetchedRanges;
}

/**
 * Runs the report's queries at `time`: the instant queries (and the range queries, when `range` is given) in
 * parallel, then the second round that closes the period's gap. One timeout bounds them all; rejects with a
 * PrometheusError (one line) on any failure.
 */
export async function fetchReport(url: URL, objectives: ReportObjective[], time: Date, opts: { timeoutMs?: number; range?: RangeWindow } = {}): Promise<Fetched> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const shown = displayUrl(url);
  const abort = new AbortController();
  const ctx: { timedOut: boolean; timeoutMs: number; lastStatus?: number } = { timedOut: false, timeoutMs };
  const driver = new PrometheusDriver({
    endpoint: url.href.replace(/\/$/, ''),
    baseURL: '/api/v1/',
    timeout: timeoutMs,
    // POST: the regexes of many SLO names, and the second round's one term per series, can outgrow a URL
    preferPost: true,
    // the driver has no cancellation of its own; a signal bounds the whole report, DNS and connect included
    requestInterceptor: {
      onFulfilled: (config) => {
        config.signal = abort.signal;
        return config;
      },
    },
    // the driver reports a non-Prometheus body without its HTTP status; keep it for the message
    responseInterceptor: {
      onFulfilled: (res) => {
        ctx.lastStatus = res.status;
        return res;
      },
      onRejected: (e: { response?: { status?: number } }) => {
        ctx.lastStatus = e?.response?.status;
        throw e;
      },
    },
  });
  const timer = setTimeout(() => {
    ctx.timedOut = true;
    abort.abort();
  }, timeoutMs);
  // a scoped compile's series are read in that scope only (another environment's share the Prometheus)
  const scope = objectives[0]?.objective.scope ?? {};
  const scoped = (q: string) => addMatchers(q, scope);
  const instant = async (q: string) => samplesOf(await driver.instantQuery(scoped(q), time));
  try {
    const queries = Object.entries(reportQueries(objectives)) as [keyof InstantQueries, string][];
    const range = opts.range;
    const ranged = range ? (Object.entries(rangeQueries(objectives, range.step)) as [keyof RangeQueries, string][]) : [];
    const [first, ranges] = await Promise.all([
      Promise.all(queries.map(async ([k, q]) => [k, await instant(q)] as const)),
      Promise.all(ranged.map(async ([k, q]) => [k, seriesOf(await driver.rangeQuery(scoped(q), new Date(range!.from * 1000), new Date(range!.to * 1000), range!.step))] as const)),
    ]);
    const got = Object.fromEntries(first) as Record<keyof InstantQueries, Sample[]>;
    const live = liveQueries(objectives, got.lastRollup, time.getTime());
    const [liveBad, liveTotal] = live ? await Promise.all([instant(live.bad), instant(live.total)]) : [[], []];
    return { samples: { ...got, liveBad, liveTotal }, ranges: range ? (Object.fromEntries(ranges) as unknown as FetchedRanges) : undefined };
  } catch (e) {
    throw new PrometheusError(describe(e, shown, ctx));
  } finally {
    clearTimeout(timer);
    abort.abort(); // the other queries of a failed report need not finish
  }
}

/** `slo report`: returns the exit code (0 report printed, 1 invalid input or Prometheus failed, 2 usage error). */
export async function runReport(paths: string[], opts: ReportCliOptions, io: Io): Promise<number> {
  const format = REPORT_FORMATS.find((f) => f === opts.format);
  if (!format) {
    io.stderr.write(`error: --format must be ${REPORT_FORMATS.join(', ')} (got "${opts.format}")\n`);
    return EXIT.usage;
  }
  const fromEnv = io.env.PROMETHEUS_URL ? io.env.PROMETHEUS_URL : undefined;
  const urlText = opts.prometheus ?? fromEnv ?? DEFAULT_PROMETHEUS_URL;
  const url = parseUrl(urlText);
  if (!url) {
    const source = opts.prometheus !== undefined ? '--prometheus' : 'PROMETHEUS_URL';
    io.stderr.write(`error: ${source} must be an http or https URL without query, e.g. ${DEFAULT_PROMETHEUS_URL} (got "${urlText}")\n`);
    return EXIT.usage;
  }
  let time = new Date();
  if (opts.time !== undefined) {
    const t = parseTime(opts.time);
    if (!t) {
      io.stderr.write(`error: --time must be an RFC 3339 time or unix seconds (got "${opts.time}")\n`);
      return EXIT.usage;
    }
    time = t;
  }
  if (opts.out !== undefined) {
    const why = unwritable(io.cwd, '--out', opts.out, 'file');
    if (why) {
      io.stderr.write(`${why}\n`);
      return EXIT.usage;
    }
  }

  const scope = parseScope(opts.scope ?? []);
  if (typeof scope === 'string') {
    io.stderr.write(`error: ${scope}\n`);
    return EXIT.usage;
  }
  const plan = await planCompile(paths, { strict: false, disableTier: [], scope }, io);
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  const colourErr = useColour(io.stderr, io.env);
  if (errors.length) {
    // warnings are slo compile's business; only what stops the report is printed
    for (const d of errors) io.stderr.write(`${formatDiagnostic(d, colourErr)}\n`);
    io.stderr.write(`${plural(errors.length, 'error')}; no report\n`);
    return EXIT.failed;
  }
  const objectives: ReportObjective[] = plan.compiled.flatMap((c) => c.objectives.map((objective) => ({ service: c.slo.service, objective })));
  if (!objectives.length) {
    for (const d of plan.diagnostics) io.stderr.write(`${formatDiagnostic(d, colourErr)}\n`);
    io.stderr.write(`error: no SLOs in ${paths.join(' ')}; nothing to report\n`);
    return EXIT.failed;
  }

  // the HTML page plots every objective over the longest period, up to the report time
  const to = time.getTime() / 1000;
  const step = rangeStepSeconds(objectives);
  const range: RangeWindow | undefined = format === 'html' ? { from: to - Math.max(...objectives.map((o) => o.objective.periodMinutes)) * 60, to, step } : undefined;
  let fetched: Fetched;
  try {
    fetched = await fetchReport(url, objectives, time, { timeoutMs: opts.timeoutMs, range });
  } catch (e) {
    if (!(e instanceof PrometheusError)) throw e;
    io.stderr.write(`error: ${e.message}\n`);
    return EXIT.failed;
  }
  const report = { prometheus: displayUrl(url), time: time.toISOString(), slos: buildRows(objectives, fetched.samples) };
  const text =
    format === 'json'
      ? formatJson(report)
      : format === 'html'
        ? renderHtml(buildPage(report, objectives, fetched.ranges!, range!))
        : formatText(report, opts.out === undefined && useColour(io.stdout, io.env));
  if (opts.out !== undefined) {
    if (!(await writeOut(io, opts.out, text))) return EXIT.failed;
    io.stdout.write(`${format} report of ${plural(report.slos.length, 'objective')} written to ${opts.out}\n`);
  } else io.stdout.write(text);
  if (format !== 'json' && report.slos.every((r) => r.status === 'no data'))
    io.stderr.write(`note: no SLO series in ${report.prometheus}: load the rules of slo compile (rules-out/) into it, and wait for their first evaluation\n`);
  return EXIT.ok;
}
