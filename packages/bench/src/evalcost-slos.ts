import { buildModel, checkSources } from '@slo-engine/openslo';
import { compileSlo, SharedLayout, type CompiledSlo, type RuleFile } from '@slo-engine/rules';
import { mulberry32, type Incident, type TrafficOptions } from '@slo-engine/stack';

/**
 * The benchmark's SLOs: N varied OpenSLO request-availability SLOs, each over its own job's
 * `http_requests_total` counters, with the traffic the data generator makes for it.
 */

export interface BenchSlo {
  index: number;
  service: string;
  name: string;
  /** The `job` label of this SLO's raw series; no other SLO reads them. */
  job: string;
  /** 99, 99.5 or 99.9. */
  objectivePercent: number;
  labels: Record<string, string>;
  /** How our OpenSLO query is written: a bare counter selector, or a Sloth-style rate with a window placeholder. */
  style: 'counter' | 'window';
  errorSelector: string;
  totalSelector: string;
  /** Generator options for this SLO's raw series, over `days` from `start` (unix seconds). */
  traffic(start: number, days: number, stepSeconds: number): TrafficOptions;
}

const SERVICES = ['payments', 'checkout', 'search', 'catalog', 'accounts', 'orders', 'shipping', 'inventory', 'auth', 'billing', 'cart', 'reviews'];
const ENDPOINTS = ['api', 'web', 'grpc', 'admin', 'mobile', 'partner', 'internal'];
const OBJECTIVES = [99, 99.5, 99.9];
const FIVE_CODES: Record<string, number> = { '200': 0.88, '201': 0.07, '404': 0.05, '500': 0.55, '503': 0.45 };
const TWO_CODES: Record<string, number> = { '200': 1, '500': 1 };

/** Windows as Sloth writes them, e.g. `sum(rate(x[{{.window}}]))`: what a Sloth user's query looks like. */
export const slothQuery = (selector: string, window: string): string => `sum(rate(${selector}[${window}]))`;

/**
 * `count` SLOs with `seriesPerSlo` raw series each (instances × status codes; 5 codes, or 2 when fewer
 * than 10 series are asked for). Everything derives from a seeded generator: same input, same SLOs.
 */
export function benchSlos(count: number, seriesPerSlo: number): BenchSlo[] {
  const codes = seriesPerSlo >= 10 ? FIVE_CODES : TWO_CODES;
  const instances = Math.ceil(seriesPerSlo / Object.keys(codes).length);
  return Array.from({ length: count }, (_, index) => {
    const rand = mulberry32(1000 + index);
    const service = SERVICES[index % SERVICES.length]!;
    const round = Math.floor(index / SERVICES.length);
    const endpoint = `${ENDPOINTS[round % ENDPOINTS.length]!}${round >= ENDPOINTS.length ? `-${round}` : ''}`;
    const job = `${service}-${endpoint}`;
    const objectivePercent = OBJECTIVES[index % OBJECTIVES.length]!;
    const budget = (100 - objectivePercent) / 100;
    // traffic shape: quiet nights of a few requests per second, busy afternoons 8-30 times that
    const quietRps = 2 * 20 ** rand();
    const busyRps = quietRps * (8 + 22 * rand());
    const peakHourUtc = Math.floor(24 * rand());
    const weekendFactor = 0.5 + 0.4 * rand();
    const baseErrorShare = budget * (0.05 + 0.35 * rand());
    const incidentSeed = Math.floor(rand() * 2 ** 31);
    const trafficSeed = Math.floor(rand() * 2 ** 31);
    return {
      index,
      service,
      // SLO names are unique across services in OpenSLO
      name: `${job}-availability`,
      job,
      objectivePercent,
      labels: { owner: `team-${service}`, tier: String(1 + (index % 3)) },
      style: index % 2 === 0 ? 'counter' : 'window',
      errorSelector: `http_requests_total{job="${job}",code=~"5.."}`,
      totalSelector: `http_requests_total{job="${job}"}`,
      traffic: (start, days, stepSeconds) => ({
        seed: trafficSeed,
        start,
        days,
        stepSeconds,
        job,
        instances,
        codes,
        quietRps,
        busyRps,
        peakHourUtc,
        weekendFactor,
        baseErrorShare,
        incidents: incidents(mulberry32(incidentSeed), start, days, peakHourUtc, instances),
        // one process restart in the middle of the history, on a success counter (always far above one step's requests)
        resets: [{ instance: incidentSeed % instances, code: '200', atStep: Math.max(1, Math.floor((days * 86400) / stepSeconds / 2)) }],
      }),
    };
  });
}

/** Incidents stay this far from every whole day after the start (where shorter histories begin) and from the end. */
const EDGE_MINUTES = 60;

/**
 * One incident a day, alternating between the quiet hours (where an average of 5m ratios over-weights it)
 * and the busy hours (where it under-weights it): the two ways an average of ratios goes wrong. None within
 * an hour of where a history begins or ends: a period value lags by up to one roll-up (10 minutes) and its
 * first rate window reaches 5 minutes back, so an incident there would measure that lag, not the weighting.
 */
function incidents(rand: () => number, start: number, days: number, peakHourUtc: number, instances: number): Incident[] {
  const out: Incident[] = [];
  const startMinuteOfDay = Math.floor((start % 86400) / 60);
  for (let day = 0; day < Math.max(1, Math.floor(days)); day++) {
    const quiet = day % 2 === 0;
    const hour = (peakHourUtc + (quiet ? 12 : 0) + 24 + Math.floor(5 * rand()) - 2) % 24;
    const minutes = 15 + Math.floor((quiet ? 165 : 60) * rand());
    // minutes after the day's start of that hour (UTC), kept off the day's edges
    const offset = (hour * 60 + Math.floor(60 * rand()) - startMinuteOfDay + 1440) % 1440;
    const startMinute = day * 1440 + Math.min(Math.max(offset, EDGE_MINUTES), 1440 - EDGE_MINUTES - minutes);
    const some = rand() < 0.4 && instances > 1;
    out.push({
      name: `${quiet ? 'quiet' : 'busy'}-hour incident on day ${day}`,
      startMinute,
      minutes,
      errorShare: quiet ? 0.05 + 0.45 * rand() : 0.01 + 0.09 * rand(),
      ...(some ? { instances: Array.from({ length: Math.ceil(instances / 2) }, (_, i) => i) } : {}),
      code: rand() < 0.5 ? '500' : '503',
    });
  }
  return out;
}

/** The SLOs as OpenSLO documents: a Service per service, an SLO each, 30d rolling, Occurrences. */
export function openSloText(slos: BenchSlo[]): string {
  const docs: string[] = [];
  for (const service of [...new Set(slos.map((s) => s.service))])
    docs.push(['apiVersion: openslo/v1', 'kind: Service', 'metadata:', `  name: ${service}`, 'spec:', `  description: The ${service} service`].join('\n'));
  for (const s of slos) {
    const [bad, total] = s.style === 'counter' ? [s.errorSelector, s.totalSelector] : [slothQuery(s.errorSelector, '{{.window}}'), slothQuery(s.totalSelector, '{{.window}}')];
    docs.push(
      [
        'apiVersion: openslo/v1',
        'kind: SLO',
        'metadata:',
        `  name: ${s.name}`,
        '  labels:',
        ...Object.entries(s.labels).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
        'spec:',
        `  service: ${s.service}`,
        '  indicator:',
        '    metadata:',
        `      name: ${s.name}-errors`,
        '    spec:',
        '      ratioMetric:',
        '        counter: true',
        '        bad:',
        '          metricSource:',
        '            type: Prometheus',
        '            spec:',
        `              query: ${JSON.stringify(bad)}`,
        '        total:',
        '          metricSource:',
        '            type: Prometheus',
        '            spec:',
        `              query: ${JSON.stringify(total)}`,
        '  timeWindow:',
        '    - duration: 30d',
        '      isRolling: true',
        '  budgetingMethod: Occurrences',
        '  objectives:',
        `    - displayName: Requests of ${s.job} without server errors`,
        `      targetPercent: ${s.objectivePercent}`,
      ].join('\n'),
    );
  }
  return `${docs.join('\n---\n')}\n`;
}

/**
 * Our compiled rules through the same checks as `slo compile`: one rule file per SLO (in the SLOs' order),
 * and the same SLOs in the shared layout (`slo compile --layout shared`) as one file.
 */
export function compileOurs(slos: BenchSlo[]): { perSlo: RuleFile[]; shared: RuleFile; compiled: CompiledSlo[] } {
  const checked = checkSources([{ file: 'bench-slos.yaml', text: openSloText(slos) }], { missingReferences: 'error' });
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`the benchmark's SLOs do not validate: ${errors.map((d) => d.message).join('; ')}`);
  const model = buildModel(checked);
  if (model.diagnostics.some((d) => d.severity === 'error')) throw new Error(`the benchmark's SLOs do not build: ${model.diagnostics.map((d) => d.message).join('; ')}`);
  const layout = new SharedLayout();
  const compiled = slos.map((s) => {
    const slo = model.slos.find((m) => m.service === s.service && m.name === s.name);
    if (!slo) throw new Error(`SLO ${s.service}/${s.name} missing from the model`);
    return compileSlo(slo, { engineVersion: 'bench' });
  });
  const own = compiled.map((c) => layout.add(c).rules.groups);
  return { perSlo: compiled.map((c) => c.rules), shared: { groups: [...own.flat(), ...layout.file().groups] }, compiled };
}
