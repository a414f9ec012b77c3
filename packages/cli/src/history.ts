import * as path from 'node:path';
import { alignDown, backfill, backtest, replay, formatBacktest, HistoryError, human, type BacktestResult, type HistoryRange, type Progress } from '@slo-engine/history';
import { durationSeconds } from '@slo-engine/promql';
import { parseScrapeInterval } from '@slo-engine/rules';
import { planCompile, type InputFilter } from '@slo-engine/pipeline';
import { minutesOf, parseScope } from './compile';
import { formatDiagnostic, plural, unwritable, useColour, writeOut } from './output';
import { DEFAULT_PROMETHEUS_URL } from './report';
import type { Io } from './validate';

/** `slo backfill` and `slo backtest`: the CLI edge of @slo-engine/history. */

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface HistoryCliOptions extends InputFilter {
  prometheus?: string;
  from: string;
  to: string;
  scrapeInterval?: string;
  for?: string;
  disableTier?: string[];
  /** `namespace=day-prod`: as for slo compile. */
  scope?: string[];
}

export interface BackfillCliOptions extends HistoryCliOptions {
  out?: string;
  /** --prometheus is a VictoriaMetrics: vmalert replays the rules into it instead of writing blocks. */
  vmalert?: boolean;
}

export interface BacktestCliOptions extends HistoryCliOptions {
  format: string;
  out?: string;
}

/** A time: `now`, a duration ago (`30d`), RFC 3339, or unix seconds. */
export function parseWhen(text: string, now: number): number | undefined {
  if (text === 'now') return now;
  if (/^\d{9,}(\.\d+)?$/.test(text)) return Math.floor(Number(text));
  const ago = durationSeconds(text);
  if (ago !== undefined && /[a-z]$/.test(text)) return now - ago;
  const t = Date.parse(text);
  return Number.isFinite(t) && /^\d{4}-\d\d-\d\dT/.test(text) ? Math.floor(t / 1000) : undefined;
}

interface Prepared {
  url: string;
  range: HistoryRange;
  now: number;
  compiled: Awaited<ReturnType<typeof planCompile>>['compiled'];
}

/** Checks the options and compiles the SLOs as `slo compile` does; a number is the exit code of a failure already printed. */
async function prepare(paths: string[], opts: HistoryCliOptions, io: Io, out?: { path: string; kind: 'dir' | 'file' }): Promise<Prepared | number> {
  const usage = (msg: string) => {
    io.stderr.write(`error: ${msg}\n`);
    return EXIT.usage;
  };
  const urlText = opts.prometheus ?? (io.env.PROMETHEUS_URL || undefined) ?? DEFAULT_PROMETHEUS_URL;
  try {
    const u = new URL(urlText);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    return usage(`--prometheus must be an http or https URL, e.g. ${DEFAULT_PROMETHEUS_URL} (got "${urlText}")`);
  }
  const now = Math.floor(Date.now() / 1000);
  const from = parseWhen(opts.from, now);
  if (from === undefined) return usage(`--from must be a duration ago (30d), an RFC 3339 time or unix seconds (got "${opts.from}")`);
  const to = parseWhen(opts.to, now);
  if (to === undefined) return usage(`--to must be now, a duration ago (1h), an RFC 3339 time or unix seconds (got "${opts.to}")`);
  const range = { from: alignDown(from), to: alignDown(to) };
  if (range.to <= range.from) return usage(`--from (${new Date(from * 1000).toISOString()}) must be at least 10 minutes before --to (${new Date(to * 1000).toISOString()})`);
  if (to > now + 60) return usage(`--to is in the future (${new Date(to * 1000).toISOString()}); there is no history there yet`);
  const scrape = opts.scrapeInterval === undefined ? undefined : parseScrapeInterval(opts.scrapeInterval);
  if (scrape && 'error' in scrape) return usage(`--scrape-interval ${scrape.error}`);
  const forMinutes = minutesOf(opts.for);
  if (forMinutes === 'invalid') return usage(`--for must be a whole number of minutes or hours, e.g. 2m (got "${opts.for}")`);
  const scope = parseScope(opts.scope ?? []);
  if (typeof scope === 'string') return usage(scope);
  if (out !== undefined) {
    const why = unwritable(io.cwd, '--out', out.path, out.kind);
    if (why) {
      io.stderr.write(`${why}\n`);
      return EXIT.usage;
    }
  }
  // each SLO's rules whole (the per-slo layout): a pass replays an SLO's own records, and the shared layout's
  // rules record the very same series with the same labels, so the history fits either layout running live
  const plan = await planCompile(
    paths,
    { strict: false, layout: 'per-slo', disableTier: opts.disableTier ?? [], scrapeSeconds: scrape?.seconds, forMinutes, scope, include: opts.include, exclude: opts.exclude },
    io,
  );
  if (plan.unknownTier) {
    io.stderr.write(`${plan.unknownTier}\n`);
    return EXIT.usage;
  }
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    const colour = useColour(io.stderr, io.env);
    for (const d of errors) io.stderr.write(`${formatDiagnostic(d, colour)}\n`);
    io.stderr.write(`${plural(errors.length, 'error')}; nothing was done\n`);
    return EXIT.failed;
  }
  if (!plan.compiled.length) {
    io.stderr.write(`error: no SLOs in ${paths.join(' ')}; nothing to do\n`);
    return EXIT.failed;
  }
  return { url: urlText, range, now, compiled: plan.compiled };
}

const clock = (ms: number) => human(Math.round(ms / 1000));

/** Progress on standard error: one line redrawn on a terminal, a line per pass otherwise. */
function progressPrinter(io: Io): { update: (p: Progress) => void; end: () => void } {
  const tty = io.stderr.isTTY === true;
  let lastPass = 0;
  let drawn = false;
  return {
    update(p) {
      const pct = Math.floor((p.done / p.total) * 100);
      const text = `pass ${p.pass}/${p.passes} (${p.records.join(', ')}): ${pct}%${p.leftMs !== undefined ? `, about ${clock(p.leftMs)} left` : ''}`;
      if (tty) {
        io.stderr.write(`\r\x1b[K${text.length > 150 ? `${text.slice(0, 147)}...` : text}`);
        drawn = true;
      } else if (p.pass !== lastPass) {
        io.stderr.write(`${text}\n`);
        lastPass = p.pass;
      }
    },
    end() {
      if (drawn) io.stderr.write('\r\x1b[K');
    },
  };
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/** `slo backfill`: returns the exit code (0 blocks written, 1 failed, 2 usage error). */
export async function runBackfill(paths: string[], opts: BackfillCliOptions, io: Io): Promise<number> {
  if (opts.vmalert) return runReplay(paths, opts, io);
  if (!opts.out) {
    io.stderr.write('error: --out DIR is required: the directory the TSDB blocks are written to (new or empty)\n');
    return EXIT.usage;
  }
  // the blocks go into a folder
  const p = await prepare(paths, opts, io, { path: opts.out, kind: 'dir' });
  if (typeof p === 'number') return p;
  const progress = progressPrinter(io);
  const began = Date.now();
  try {
    const r = await backfill({
      compiled: p.compiled,
      url: p.url,
      range: p.range,
      now: p.now,
      out: path.resolve(io.cwd, opts.out),
      onProgress: progress.update,
      onNote: (n) => io.stderr.write(`note: ${n}\n`),
    });
    progress.end();
    io.stdout.write(
      `${plural(p.compiled.length, 'SLO')} backfilled over ${iso(r.range.from)} .. ${iso(r.range.to)} (${human(r.range.to - r.range.from)}) in ${r.passes} passes: ` +
        `${plural(r.blocks, 'block')}, ${r.series} series, ${r.samples} samples in ${opts.out} (${clock(Date.now() - began)})\n` +
        `Load them: stop Prometheus, copy the block folders into its --storage.tsdb.path, start it (see the history package README for Kubernetes and VictoriaMetrics).\n`,
    );
    return EXIT.ok;
  } catch (e) {
    return failed(e, progress, io);
  }
}

/** A history run's failure: one line (a HistoryError's message) and exit 1; anything else is a defect and thrown. */
function failed(e: unknown, progress: { end: () => void }, io: Io): number {
  progress.end();
  if (!(e instanceof HistoryError)) throw e;
  io.stderr.write(`error: ${e.message}\n`);
  return EXIT.failed;
}

/** `slo backfill --vmalert`: the same series, replayed by vmalert into the VictoriaMetrics at --prometheus. */
async function runReplay(paths: string[], opts: BackfillCliOptions, io: Io): Promise<number> {
  if (opts.out !== undefined) {
    io.stderr.write('error: --out and --vmalert exclude each other: with --vmalert the series go straight into the VictoriaMetrics at --prometheus\n');
    return EXIT.usage;
  }
  const p = await prepare(paths, opts, io);
  if (typeof p === 'number') return p;
  const progress = progressPrinter(io);
  const began = Date.now();
  try {
    const r = await replay({ compiled: p.compiled, url: p.url, range: p.range, now: p.now, onProgress: progress.update, onNote: (n) => io.stderr.write(`note: ${n}\n`) });
    progress.end();
    io.stdout.write(
      `${plural(p.compiled.length, 'SLO')} replayed by vmalert over ${iso(r.range.from)} .. ${iso(r.range.to)} (${human(r.range.to - r.range.from)}): ` +
        `${plural(r.rules, 'rule')} in ${r.passes} pass${r.passes === 1 ? '' : 'es'}, written to ${p.url} (${clock(Date.now() - began)})\n`,
    );
    return EXIT.ok;
  } catch (e) {
    return failed(e, progress, io);
  }
}

/** `slo backtest`: returns the exit code (0 printed, 1 failed, 2 usage error). */
export async function runBacktest(paths: string[], opts: BacktestCliOptions, io: Io, render: { html: (r: BacktestResult) => string }): Promise<number> {
  if (!['text', 'json', 'html'].includes(opts.format)) {
    io.stderr.write(`error: --format must be text, json or html (got "${opts.format}")\n`);
    return EXIT.usage;
  }
  const p = await prepare(paths, opts, io, opts.out === undefined ? undefined : { path: opts.out, kind: 'file' });
  if (typeof p === 'number') return p;
  const progress = progressPrinter(io);
  let r: BacktestResult;
  try {
    r = await backtest({ compiled: p.compiled, url: p.url, range: p.range, now: p.now, onProgress: progress.update, onNote: (n) => io.stderr.write(`note: ${n}\n`) });
    progress.end();
  } catch (e) {
    progress.end();
    if (!(e instanceof HistoryError)) throw e;
    io.stderr.write(`error: ${e.message}\n`);
    return EXIT.failed;
  }
  const text = opts.format === 'json' ? `${JSON.stringify(r, null, 2)}\n` : opts.format === 'html' ? render.html(r) : formatBacktest(r);
  if (opts.out) {
    if (!(await writeOut(io, opts.out, text))) return EXIT.failed;
  } else io.stdout.write(text);
  return EXIT.ok;
}
