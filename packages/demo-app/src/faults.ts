/** Fault injection for demos and tests: what the admin endpoint and the FAULT_* variables control. */

export interface Faults {
  /** Share of /api requests answered 500, 0..1. */
  errorRate: number;
  /** Added to every /api request before it is handled. */
  latencyMs: number;
  /** Forces /readyz to 503. */
  unready: boolean;
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({ errorRate: 0, latencyMs: 0, unready: false });

/** Upper bound for injected latency: beyond a minute it would only trip client and proxy timeouts. */
export const MAX_LATENCY_MS = 60_000;

export type FaultsPatch = Partial<Faults>;

/**
 * Validates a JSON body for PUT /admin/faults. Returns the patch or a message; unknown keys are refused
 * so a typo ("errorrate") does not silently leave a fault unchanged.
 */
export function parseFaultsPatch(body: unknown): { patch: FaultsPatch } | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { error: 'body must be a JSON object like {"errorRate":0.5,"latencyMs":200,"unready":false}' };
  }
  const patch: FaultsPatch = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    switch (key) {
      case 'errorRate':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) return { error: `errorRate must be a number from 0 to 1 (got ${JSON.stringify(value)})` };
        patch.errorRate = value;
        break;
      case 'latencyMs':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_LATENCY_MS) {
          return { error: `latencyMs must be an integer from 0 to ${MAX_LATENCY_MS} (got ${JSON.stringify(value)})` };
        }
        patch.latencyMs = value;
        break;
      case 'unready':
        if (typeof value !== 'boolean') return { error: `unready must be true or false (got ${JSON.stringify(value)})` };
        patch.unready = value;
        break;
      default:
        return { error: `unknown field ${JSON.stringify(key)}: expected errorRate, latencyMs or unready` };
    }
  }
  return { patch };
}
