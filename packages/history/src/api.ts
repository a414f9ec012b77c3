/**
 * A small client of the Prometheus HTTP API for `slo backfill` and `slo backtest`: instant and range queries and
 * the server's flags. Every failure becomes one HistoryError line that says what to do.
 */

/** Why a backfill or backtest could not be made; `message` is the whole line printed (exit 1). */
export class HistoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryError';
  }
}

export interface InstantSample {
  labels: Record<string, string>;
  value: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  /** [unix seconds, value] at each step where the query had a result. */
  points: [number, number][];
}

/** Why a server could not be reached, by the system's error code: the reason in every "cannot reach" line. */
export const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

/** Prometheus refuses range queries of more than 11,000 points per series. */
export const MAX_RANGE_POINTS = 11_000;

/** The URL as shown in messages: without a password, without a trailing slash. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href.replace(/\/$/, '');
  } catch {
    return url;
  }
}

export class PromApi {
  readonly shown: string;

  constructor(
    readonly url: string,
    private readonly timeoutMs = 60_000,
  ) {
    this.shown = displayUrl(url);
  }

  /** POST for queries (long selectors outgrow a URL), GET for the status endpoints (which accept nothing else). */
  private async call<T>(endpoint: string, params: Record<string, string>, method: 'GET' | 'POST' = 'POST'): Promise<T> {
    const u = new URL(this.url);
    const auth = u.username ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : undefined;
    u.username = '';
    u.password = '';
    const target = `${u.href.replace(/\/$/, '')}${endpoint}`;
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: { ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(auth ? { authorization: auth } : {}) },
        body: method === 'POST' ? new URLSearchParams(params).toString() : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const reason =
        (e as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : ((cause?.code && NETWORK_REASONS[cause.code]) ?? cause?.code ?? cause?.message ?? (e as Error).message);
      throw new HistoryError(`cannot reach Prometheus at ${this.shown} (${reason}); start it or pass --prometheus URL`);
    }
    const body = (await res.json().catch(() => undefined)) as { status?: string; data?: T; error?: string; errorType?: string } | undefined;
    if (!body || typeof body !== 'object' || !('status' in body))
      throw new HistoryError(`${this.shown} did not answer as Prometheus (HTTP ${res.status}); pass the Prometheus base URL with --prometheus URL`);
    if (body.status !== 'success' || body.data === undefined)
      throw new HistoryError(`Prometheus at ${this.shown} failed a query (HTTP ${res.status}, ${body.errorType ?? 'error'}: ${body.error ?? ''})`);
    return body.data;
  }

  async query(expr: string, time: number): Promise<InstantSample[]> {
    const data = await this.call<{ resultType: string; result: unknown }>('/api/v1/query', { query: expr, time: String(time) });
    if (data.resultType === 'scalar') return [{ labels: {}, value: Number((data.result as [number, string])[1]) }];
    if (data.resultType !== 'vector') throw new HistoryError(`Prometheus at ${this.shown} returned a ${data.resultType} for ${expr}`);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  /** A range query; ranges of more steps than Prometheus allows in one query are split. */
  async queryRange(expr: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
    const out = new Map<string, RangeSeries>();
    for (let s = start; s <= end; s += MAX_RANGE_POINTS * step) {
      const e = Math.min(end, s + (MAX_RANGE_POINTS - 1) * step);
      const data = await this.call<{ resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] }>('/api/v1/query_range', {
        query: expr,
        start: String(s),
        end: String(e),
        step: String(step),
      });
      for (const r of data.result) {
        const key = JSON.stringify(Object.entries(r.metric).sort());
        const series = out.get(key) ?? { labels: r.metric, points: [] };
        series.points.push(...r.values.map(([t, v]): [number, number] => [t, Number(v)]));
        out.set(key, series);
      }
    }
    return [...out.values()];
  }

  /** The server's command-line flags, or undefined when it does not serve them (not every Prometheus-compatible store does). */
  async flags(): Promise<Record<string, string> | undefined> {
    try {
      return await this.call<Record<string, string>>('/api/v1/status/flags', {}, 'GET');
    } catch (e) {
      if (e instanceof HistoryError && e.message.startsWith('cannot reach')) throw e;
      return undefined;
    }
  }
}
