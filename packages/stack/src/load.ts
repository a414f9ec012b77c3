import autocannon from 'autocannon';
import type { StackState } from './stack';

export interface Faults {
  errorRate?: number;
  latencyMs?: number;
  unready?: boolean;
}

/** Sets the demo app's fault injection through its admin endpoint (the token is in the stack's state). */
export async function setFaults(app: StackState['app'], faults: Faults): Promise<Faults> {
  const r = await fetch(`${app.url}/admin/faults`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(faults),
    signal: AbortSignal.timeout(5000),
  });
  if (!r.ok) throw new Error(`setting faults failed: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as Faults;
}

export interface LoadOptions {
  durationSeconds: number;
  /** Requests per second over all connections; 0 for as fast as possible. */
  rate: number;
  connections: number;
  faults?: Faults;
  /** Leave the faults in place afterwards (default: reset to none). */
  keepFaults?: boolean;
  /** Ends the load early. */
  signal?: AbortSignal;
  /** Progress: autocannon's progress bar on a TTY, else a line every 5 seconds. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface LoadResult {
  requests: number;
  statusCodes: Record<string, number>;
  errors: number;
  latencyP50: number;
  latencyP99: number;
  rps: number;
}

/** A date between 1970 and 2069, so lookups vary like real traffic. */
function randomDate(): string {
  const d = new Date(Date.UTC(1970, 0, 1) + Math.floor(Math.random() * 36524) * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** Drives `GET /api/day` (and now and then `/api/history`) with autocannon, under the chosen faults. */
export async function runLoad(state: StackState, o: LoadOptions): Promise<LoadResult> {
  if (o.faults) await setFaults(state.app, o.faults);
  try {
    // the instance is both an event emitter (progress) and a promise of the result
    const instance = autocannon({
      url: state.app.url,
      connections: o.connections,
      duration: o.durationSeconds,
      ...(o.rate > 0 ? { overallRate: o.rate } : {}),
      requests: [
        {
          method: 'GET',
          path: '/api/day',
          setupRequest: (req) => ({ ...req, path: Math.random() < 0.1 ? '/api/history?limit=10' : `/api/day?date=${randomDate()}` }),
        },
      ],
    }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
    o.signal?.addEventListener('abort', () => instance.stop(), { once: true });
    const out = o.progress;
    if (out?.isTTY) autocannon.track(instance, { outputStream: out, renderProgressBar: true, renderResultsTable: false, renderLatencyTable: false });
    else if (out) {
      let seconds = 0;
      let sent = 0;
      instance.on('response', () => sent++);
      instance.on('tick', () => {
        seconds++;
        if (seconds % 5 === 0) out.write(`load: ${seconds}s of ${o.durationSeconds}s, ${sent} responses\n`);
      });
    }
    const r = await instance;
    const statusCodes: Record<string, number> = {};
    for (const [code, n] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = (n as { count: number }).count;
    return { requests: r.requests.total, statusCodes, errors: r.errors + r.timeouts, latencyP50: r.latency.p50, latencyP99: r.latency.p99, rps: r.requests.average };
  } finally {
    if (!o.keepFaults && o.faults) await setFaults(state.app, { errorRate: 0, latencyMs: 0, unready: false }).catch(() => undefined);
  }
}
