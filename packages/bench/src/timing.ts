import { writeFileSync } from 'node:fs';
import { buildModel, checkSources } from '@slo-engine/openslo';
import {
  compileSlo,
  header,
  isAlert,
  LABEL,
  promDuration,
  RECORD,
  renderRuleFile,
  ROLLUP_MINUTES,
  ROLLUP_THRESHOLD_MINUTES,
  BLOCK_RANGE_MINUTES,
  type CompiledSlo,
  type RuleFile,
  type Tier,
} from '@slo-engine/rules';
import { backfillPasses, moveBlocks, PromSandbox, type PrometheusServer } from '@slo-engine/stack';
import type { Context, Mode, Section, SectionResult, Table, Target } from './section';

/**
 * Section 3, alert timing: how long after a constant burn starts each alert tier of a compiled SLO fires,
 * against the theoretical `factor / burn × long window`, and how long after the burn stops it resolves.
 * Measured on a real Prometheus over backfilled history (see the method text below).
 */

export const TIMING_BURNS: Record<Mode, number[]> = { smoke: [100, 1000], default: [2, 10, 100, 1000], full: [2, 5, 10, 20, 50, 100, 1000] };
/** The SLO: 30 days, 99.9%, the default four tiers. */
const TARGET = '0.999';
const BUDGET = 0.001;
/** Unix seconds of the first sample: Monday 2024-01-01 00:00 UTC, aligned to every rule group interval. */
const START = Date.UTC(2024, 0, 1) / 1000;
/** Requests per minute, so that every burn's bad count per minute is a whole number. */
const PER_MINUTE = 100_000;
/** A burn lasts until its slowest firing tier should have fired, plus this, but never longer than the cap. */
const BURN_MARGIN = 30;
const BURN_CAP = 2 * 1440;
/** After the burn, good traffic for the longest firing short window plus this. */
const RECOVERY_MARGIN = 60;
/** Prometheus refuses range queries of more than 11,000 steps; promtool's rule backfill makes one per rule. */
const MAX_MINUTES = 10_500;
/** The alert expressions are evaluated every minute, like the alert group. */
const EVAL = 1;

const specFor = (burns: number[]) =>
  [
    'apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: timing\nspec:\n  description: The alert timing benchmark\n',
    ...burns.map(
      (b) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${sloName(b)}
spec:
  description: One SLO per burn, each reading its own job
  service: timing
  indicator:
    metadata:
      name: ${sloName(b)}-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="${sloName(b)}",code=~"5.."}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="${sloName(b)}"}
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: ${TARGET}
`,
    ),
  ].join('---\n');

const sloName = (burn: number) => `timing-${String(burn).replace('.', 'p')}x`;

/** Theoretical detection in minutes, or undefined when the burn never reaches the tier's factor. */
export function theoreticalDetection(tier: Pick<Tier, 'factor' | 'longMinutes'>, burn: number): number | undefined {
  const f = Number(tier.factor);
  return burn <= f ? undefined : (f / burn) * tier.longMinutes;
}

/** How late a window can see a change: one evaluation, the 5m rate of the building blocks, and the 10m roll-ups for day-plus windows. */
export function detectionSlack(tier: Pick<Tier, 'longMinutes' | 'forMinutes'>): number {
  return EVAL + BLOCK_RANGE_MINUTES + (tier.longMinutes >= ROLLUP_THRESHOLD_MINUTES ? ROLLUP_MINUTES : 0) + tier.forMinutes;
}

const ceilTo = (m: number, step: number) => Math.ceil(m / step) * step;

interface Plan {
  burn: number;
  /** Error ratio during the burn: burn × budget, at most 1. */
  errorRatio: number;
  badPerMinute: number;
  burnMinutes: number;
  recoveryMinutes: number;
}

function planBurn(burn: number, tiers: Tier[]): Plan {
  const errorRatio = Math.min(1, burn * BUDGET);
  const firing = tiers.filter((t) => theoreticalDetection(t, burn) !== undefined);
  const slowest = Math.max(0, ...firing.map((t) => theoreticalDetection(t, burn)! + detectionSlack(t)));
  const burnMinutes = Math.min(BURN_CAP, ceilTo(slowest + BURN_MARGIN, 10));
  const recoveryMinutes = ceilTo(Math.max(0, ...firing.map((t) => t.shortMinutes)) + BLOCK_RANGE_MINUTES + RECOVERY_MARGIN, 10);
  return { burn, errorRatio, badPerMinute: Math.round(errorRatio * PER_MINUTE), burnMinutes, recoveryMinutes };
}

/** Counters of good and bad requests per burn, one sample a minute, as OpenMetrics. */
function openMetrics(plans: Plan[], warmup: number, minutes: number): string {
  const lines = ['# HELP http_requests Requests by status code.', '# TYPE http_requests counter'];
  for (const p of plans) {
    let good = 0;
    let bad = 0;
    const goodLines: string[] = [];
    const badLines: string[] = [];
    for (let m = 0; m <= minutes; m++) {
      // sample m counts the requests of minute (m-1, m]
      const burning = m > warmup && m <= warmup + p.burnMinutes;
      if (m > 0) {
        const b = burning ? p.badPerMinute : 0;
        bad += b;
        good += PER_MINUTE - b;
      }
      const t = START + m * 60;
      goodLines.push(`http_requests_total{job="${sloName(p.burn)}",code="200"} ${good} ${t}`);
      badLines.push(`http_requests_total{job="${sloName(p.burn)}",code="500"} ${bad} ${t}`);
    }
    lines.push(...goodLines, ...badLines);
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

/** Timestamps (unix seconds) at which a query returns anything, evaluated every `step` seconds. */
async function firingAt(server: PrometheusServer, expr: string, start: number, end: number, step: number): Promise<Set<number>> {
  const res = await fetch(`${server.url}/api/v1/query_range`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) }).toString(),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { values: [number, string][] }[] } };
  if (body.status !== 'success' || body.data?.resultType !== 'matrix') throw new Error(`query_range ${expr}: ${body.error ?? `HTTP ${res.status}`}`);
  return new Set(body.data.result.flatMap((r) => r.values.map((v) => v[0])));
}

export interface TierTiming {
  tier: string;
  factor: number;
  longMinutes: number;
  shortMinutes: number;
  forMinutes: number;
  /** factor / burn × long window; null: never. */
  theoreticalMinutes: number | null;
  /** When the alert condition (+ for:) first held after the burn started; null: not during the burn. */
  measuredMinutes: number | null;
  /** theoretical + slack: the target. */
  targetMinutes: number | null;
  met: boolean;
  /** The condition held at some step before the burn started (a false alarm). */
  firedBefore: boolean;
  /** The condition stopped holding at some step between detection and the end of the burn. */
  flapped: boolean;
  /** When the condition stopped holding after the burn stopped; null: not fired, or not resolved in the recovery. */
  resolveMinutes: number | null;
  /** short window × (1 − factor / burn): when the short window's error ratio drops below the threshold, before smear. */
  expectedResolveMinutes: number | null;
}

export interface BurnTiming extends Plan {
  tiers: TierTiming[];
}

/** Minutes as read best: 8.6 min, or 36.2 h (2172 min) where hours alone would hide the difference. */
const fmt = (m: number | null | undefined, never = 'never') => (m === null || m === undefined ? never : m < 100 ? `${m.toFixed(1)} min` : `${(m / 60).toFixed(1)} h (${m.toFixed(0)} min)`);
const span = (m: number) => (m < 120 ? `${m.toFixed(0)} min` : `${+(m / 60).toFixed(1)} h`);

export const alertTiming: Section = async (ctx: Context): Promise<SectionResult> => {
  const began = Date.now();
  const burns = TIMING_BURNS[ctx.mode];
  // smoke: the page tiers only, so the history is hours, not days
  const disable = ctx.mode === 'smoke' ? ['ticket'] : [];

  const checked = checkSources([{ file: 'timing.yaml', text: specFor(burns) }], { missingReferences: 'error' });
  const model = buildModel(checked);
  const problems = [...checked.diagnostics, ...model.diagnostics].filter((d) => d.severity === 'error');
  if (problems.length) throw new Error(`the timing SLO does not compile: ${problems.map((d) => d.message).join('; ')}`);
  const compiled = new Map<number, CompiledSlo>(burns.map((b, i) => [b, compileSlo(model.slos[i]!, { engineVersion: 'bench', disable })]));
  const tiers = compiled.get(burns[0]!)!.objectives[0]!.tiers;

  const longest = Math.max(...tiers.map((t) => t.longMinutes));
  // good traffic long enough to fill the longest window and its roll-ups
  const warmup = ceilTo(longest + ROLLUP_MINUTES + BLOCK_RANGE_MINUTES + 30, 60);
  const plans = burns.map((b) => planBurn(b, tiers));
  const minutes = warmup + Math.max(...plans.map((p) => p.burnMinutes + p.recoveryMinutes));
  if (minutes > MAX_MINUTES) throw new Error(`a ${minutes}-minute history is too long for one range query per rule (${MAX_MINUTES} at most)`);
  const end = START + minutes * 60;
  const burnStart = START + warmup * 60;
  ctx.log(`burns ${burns.join(', ')}x; ${tiers.map((t) => t.id).join(', ')}; history ${span(minutes)}`);

  const box = new PromSandbox('slo-bench-timing-');
  const results: BurnTiming[] = [];
  try {
    const dataDir = box.path('data');
    writeFileSync(box.path('traffic.om'), openMetrics(plans, warmup, minutes));
    await box.backfillOpenMetrics(box.path('traffic.om'), dataDir);
    ctx.log('raw counters backfilled');

    // every window the alerts read, and what those read, one dependency level per pass
    const all: RuleFile = { groups: [...compiled.values()].flatMap((c) => c.rules.groups) };
    const records = [...new Set(tiers.flatMap((t) => [t.longMinutes, t.shortMinutes]))].map((m) => RECORD.errorRatio(promDuration(m)));
    const passes = backfillPasses(all, records);
    const server = await box.start({ dataDir });
    for (const [i, pass] of passes.entries()) {
      const file = `pass-${i + 1}.rules.yml`; // relative: group evaluation offsets then do not depend on the sandbox's name
      writeFileSync(box.path(file), renderRuleFile(pass, header('bench', 'timing.ts', `backfill pass ${i + 1}`)));
      const out = box.path(`pass-${i + 1}-blocks`);
      await box.backfillRules(server, { ruleFiles: [file], start: START, end, outputDir: out });
      await server.stop();
      moveBlocks(out, dataDir);
      await server.restart();
      ctx.log(`rules backfill pass ${i + 1}/${passes.length} (${pass.groups.flatMap((g) => g.rules).length} rules)`);
    }

    for (const p of plans) {
      const c = compiled.get(p.burn)!;
      const burnStop = burnStart + p.burnMinutes * 60;
      const burnEnd = burnStop + p.recoveryMinutes * 60;
      const alerts = c.rules.groups.flatMap((g) => g.rules).filter(isAlert);
      const rows: TierTiming[] = [];
      for (const t of c.objectives[0]!.tiers) {
        const rule = alerts.find((a) => a.labels?.[LABEL.tier] === t.id);
        if (!rule) throw new Error(`no alert for tier ${t.id}`);
        // alerts cannot be backfilled; their expression over the backfilled records is what the alert group evaluates
        const from = burnStart - 60 * 60;
        const at = await firingAt(server, rule.expr, from, burnEnd, EVAL * 60);
        const steps = (a: number, b: number) => Array.from({ length: Math.floor((b - a) / 60) + 1 }, (_, k) => a + k * 60);
        const firedBefore = steps(from, burnStart - 60).some((s) => at.has(s));
        const first = steps(burnStart, burnStop).find((s) => at.has(s));
        const flapped = first !== undefined && steps(first, burnStop).some((s) => !at.has(s));
        const resolved = first === undefined ? undefined : steps(burnStop, burnEnd).find((s) => !at.has(s));
        const theory = theoreticalDetection(t, p.burn);
        const measured = first === undefined ? null : (first - burnStart) / 60 + t.forMinutes;
        const target = theory === undefined ? null : theory + detectionSlack(t);
        const f = Number(t.factor);
        rows.push({
          tier: t.id,
          factor: f,
          longMinutes: t.longMinutes,
          shortMinutes: t.shortMinutes,
          forMinutes: t.forMinutes,
          theoreticalMinutes: theory ?? null,
          measuredMinutes: measured,
          targetMinutes: target,
          met: !firedBefore && (target === null ? measured === null : measured !== null && measured <= target),
          firedBefore,
          flapped,
          resolveMinutes: resolved === undefined ? null : (resolved - burnStop) / 60,
          expectedResolveMinutes: theory === undefined ? null : t.shortMinutes * (1 - f / p.burn),
        });
      }
      results.push({ ...p, tiers: rows });
      ctx.log(`${p.burn}x: ${rows.map((r) => `${r.tier} ${fmt(r.measuredMinutes)}`).join(', ')}`);
    }
  } finally {
    await box.close();
  }

  const tables: Table[] = results.map((r) => ({
    title: `${r.burn}x burn (error ratio ${+(r.errorRatio * 100).toFixed(4)}%${r.burn * BUDGET >= 1 ? ', every request fails' : ''}; burning ${span(r.burnMinutes)}, then ${span(r.recoveryMinutes)} of good traffic)`,
    columns: [
      'tier (factor, long / short)',
      'theoretical detection',
      'measured detection',
      'measured / theoretical',
      'target',
      'met',
      'resolved after the burn stops',
      'expected resolve (short × (1 − factor / burn))',
      'short window',
    ],
    rows: r.tiers.map((t) => [
      `${t.tier} (${t.factor}, ${promDuration(t.longMinutes)} / ${promDuration(t.shortMinutes)})`,
      fmt(t.theoreticalMinutes),
      t.measuredMinutes === null ? (t.theoreticalMinutes === null ? 'never' : 'did not fire') : fmt(t.measuredMinutes),
      t.measuredMinutes !== null && t.theoreticalMinutes ? (t.measuredMinutes / t.theoreticalMinutes).toFixed(2) : '—',
      t.targetMinutes === null ? 'never fires' : `≤ ${fmt(t.targetMinutes)}`,
      t.met ? 'yes' : '**no**',
      t.measuredMinutes === null ? '—' : t.resolveMinutes === null ? `not within ${span(r.recoveryMinutes)}` : fmt(t.resolveMinutes),
      fmt(t.expectedResolveMinutes, '—'),
      promDuration(t.shortMinutes),
    ]),
  }));
  const targets: Target[] = results.map((r) => {
    const met = r.tiers.filter((t) => t.met).length;
    return {
      what: `alert timing at ${r.burn}x: every tier fires within theoretical + ${EVAL}m evaluation + ${BLOCK_RANGE_MINUTES}m smear (+${ROLLUP_MINUTES}m roll-up for day-plus windows), or never when the burn is below its factor`,
      goal: `${r.tiers.length} of ${r.tiers.length} tiers`,
      measured: `${met} of ${r.tiers.length}`,
      met: met === r.tiers.length,
    };
  });
  const notes: string[] = [];
  for (const r of results)
    for (const t of r.tiers) {
      if (t.firedBefore) notes.push(`${r.burn}x ${t.tier}: the alert condition held before the burn started.`);
      if (t.flapped) notes.push(`${r.burn}x ${t.tier}: the alert condition stopped holding during the burn after it first fired.`);
    }
  if (burns.some((b) => b * BUDGET > 1)) notes.push(`Burns above ${1 / BUDGET}x are capped at an error ratio of 100%.`);
  notes.push(`${1 / BUDGET}x is the largest burn a ${+(Number(TARGET) * 100)}% objective can have: every request fails.`);

  return {
    id: 'timing',
    title: 'Alert timing',
    method:
      `One SLO (30d, ${+(Number(TARGET) * 100)}%, bad/total counters, ${ctx.mode === 'smoke' ? 'the two page tiers (smoke mode)' : 'the default four tiers'}) compiled by our compiler, once per burn ` +
      `(${burns.map((b) => `${b}x`).join(', ')}; each copy reads its own job, so all burns share one history). Synthetic traffic of ${PER_MINUTE.toLocaleString('en-US')} requests a minute: ` +
      `${span(warmup)} of good traffic (the longest window and its roll-ups), then a constant burn (error ratio = burn × budget) until the slowest tier that can fire should have fired plus ${BURN_MARGIN}m ` +
      `(at most ${span(BURN_CAP)}), then good traffic for the longest short window plus ${RECOVERY_MARGIN}m. The raw counters are backfilled into a real Prometheus 2.42 (promtool, OpenMetrics), and the ` +
      `recorded building blocks, roll-ups and window ratios the alerts read are backfilled from them with \`promtool tsdb create-blocks-from rules\`, one dependency level per pass. ` +
      `Alerts cannot be backfilled: each tier's alert expression is evaluated over the recorded series with query_range every ${EVAL}m, which is what the alert group does; ` +
      'detection is the first evaluation after the burn starts where it holds (plus `for:`, 0 for the defaults), resolution the first after the burn stops where it no longer does. ' +
      `Theoretical detection is factor / burn × long window. The run took ${((Date.now() - began) / 1000).toFixed(0)} s.`,
    tables,
    targets,
    data: { burns: results, warmupMinutes: warmup, historyMinutes: minutes, seconds: (Date.now() - began) / 1000 },
    notes,
  };
};
