import { createHash } from 'node:crypto';
import { q } from '@slo-engine/promql';
import type { Blocks } from './blocks';
import { promDuration } from './durations';
import { sortKeys } from './labels';
import type { RecordingRule } from './model';
import { BLOCK, BLOCK_INTERVAL_MINUTES, BLOCK_RANGE, BLOCK_RANGE_MINUTES, LABEL, RECORD, ROLLUP_MINUTES, ROLLUP_THRESHOLD_MINUTES } from './names';

/**
 * The catalogue of recorded series: each series the compiler records is defined here once, with its name (from
 * names.ts), the group it belongs to, and its expression for a scope: one objective (`perObjective`), or every
 * SLO of a bundle at once (`perBundle`; absent for the series that read raw metrics). A layout
 * (compile.ts for per-slo, shared.ts for shared) only decides which group and file each series goes to.
 */

/**
 * The kind of group a series belongs to: building blocks and short windows, roll-ups, day-plus windows and the
 * period; and the constants of a bundle, which the shared layout gathers in one group of their own.
 */
export type Home = 'sli' | 'rollup' | 'period' | 'constants';

/** One recorded series of one objective (or of a bundle), and the kind of group it belongs to. */
export interface Placed {
  home: Home;
  rule: RecordingRule;
  /** Recorded for the whole bundle in the shared layout, so not per objective there. */
  shared: boolean;
  /** A constant (objective, error budget, slo_info): the shared layout records its rule in the bundle's constants group. */
  constant?: true;
}

/** What the expressions of one objective's series read. */
export interface ObjectiveFacts {
  /** `slo_name="x",slo_service="y"` and the scope's: exactly this objective's series. */
  matchers: readonly q.Matcher[];
  labels: Record<string, string>;
  target: string;
  budget: string;
  periodMinutes: number;
  /** Every window with an error-ratio record, in minutes, ascending. */
  windows: number[];
  grouped: boolean;
  blocks: Blocks;
  /** Its no-traffic flag cannot be read from its total block (time slices count every slice): never shared. */
  ownNoTraffic: boolean;
  /** slo_info's labels beyond `labels`. */
  info: Record<string, string>;
}

/** What the shared expressions of a bundle read: which SLOs are its own, and the windows and periods they use. */
export interface BundleFacts {
  /** Matchers per service, `slo_name=~"a|b",slo_service="y"`: together exactly the bundle's objectives. */
  selectors: (readonly q.Matcher[])[];
  /**
   * What every shared rule reads: the bundle's objective names in its services. With several services it may
   * also select another bundle's objective of the same name in one of them, which the member filter removes.
   */
  reads: readonly q.Matcher[];
  /** With several services: the record of the bundle's objectives, which every shared rule keeps to. */
  member?: string;
  /** Every objective's constant rules, recorded in the bundle's constants group. */
  constants: readonly RecordingRule[];
  windows: number[];
  periods: number[];
  /** Some objective keeps its own no-traffic flag. */
  ownNoTraffic: boolean;
}

/** Budgeting method whose no-traffic flag cannot be read from its total block (it counts every slice). */
export const OWN_NO_TRAFFIC_METHOD = 'Timeslices';
/** Matches a window ratio to its objective's error budget; a grouped SLO has several ratios per budget. */
const PER_OBJECTIVE = { on: [LABEL.name, LABEL.service], spaced: true } as const;
const ROLL = promDuration(ROLLUP_MINUTES);
const LINES = { lines: true } as const;

type Matchers = readonly q.Matcher[];
const rec = (record: string, expr: q.Expr, labels: Record<string, string> = {}): RecordingRule => ({ record, expr: q.render(expr), labels: sortKeys(labels) });
const at = (metric: string, m: Matchers, ...more: q.Matcher[]) => q.sel(metric, [...m, ...more]);
const over = (fn: string, metric: string, m: Matchers, window: string) => q.call(fn, q.range(at(metric, m), window));
const windowHome = (minutes: number): Home => (minutes >= ROLLUP_THRESHOLD_MINUTES ? 'period' : 'sli');
/** A window's ratio without its window label, to divide by a budget. */
const ratioOf = (window: string, m: Matchers) => q.without('max', [LABEL.window], at(RECORD.errorRatio(window), m));

/**
 * Error ratio over a window as a ratio of sums of building blocks; 0, never NaN, when there were no events
 * (per group for a grouped SLO, and for a bundle: `0 * total` keeps the series' labels where `vector(0)` has none).
 * That zero multiplies the total block as now recorded, one sample per series, not the window's sum of it, which
 * would read every sample of the window a second time (a quarter of what the 30-day ratios read); a series that
 * stopped being recorded and saw no events over the window therefore has no ratio instead of 0.
 */
export function ratioExpr(m: Matchers, minutes: number, grouped: boolean): q.Expr {
  const rolled = minutes >= ROLLUP_THRESHOLD_MINUTES;
  const read = (block: string, rollup: string) => (minutes === BLOCK_RANGE_MINUTES ? at(block, m) : over('sum_over_time', rolled ? rollup : block, m, promDuration(minutes)));
  const [bad, total] = [read(BLOCK.bad, BLOCK.badRollup), read(BLOCK.total, BLOCK.totalRollup)];
  const ratio = q.paren(q.binary(bad, '/', q.paren(q.binary(total, '>', q.num(0)))));
  return grouped ? q.binary(ratio, 'or', q.paren(q.binary(q.num(0), '*', at(BLOCK.total, m)))) : q.binary(ratio, 'or', q.call('vector', q.num(0)), { on: [] });
}

/**
 * The fraction of a period that recorded building blocks cover: the samples the period ratio sums (roll-ups for
 * day-plus periods, else building blocks) over as many as the period can hold, at most 1. Absent until the first
 * sample; per group for a grouped SLO, as every other series.
 */
export function coverageExpr(m: Matchers, periodMinutes: number): q.Expr {
  const [series, every] = periodMinutes >= ROLLUP_THRESHOLD_MINUTES ? [BLOCK.totalRollup, ROLLUP_MINUTES] : [BLOCK.total, BLOCK_INTERVAL_MINUTES];
  return q.call('clamp_max', q.binary(over('count_over_time', series, m, promDuration(periodMinutes)), '/', q.num(Math.floor(periodMinutes / every))), q.num(1));
}

/**
 * A bundle's expression: read with the bundle's selector and, with several services, kept to its member record,
 * so that no other bundle's SLO is ever recorded.
 */
function forBundle(b: BundleFacts, expr: (m: Matchers) => q.Expr): q.Expr {
  // one selector per read, then one filter: reading each service apart costs a selector per service and read
  return b.member === undefined ? expr(b.reads) : q.binary(q.paren(expr(b.reads)), 'and', q.sel(b.member), { ...PER_OBJECTIVE, lines: true });
}

interface SeriesDef {
  perObjective(o: ObjectiveFacts): Placed[];
  /** The bundle's rules standing in for every objective's `shared` ones; absent: recorded per objective in every layout. */
  perBundle?(b: BundleFacts): Placed[];
}

const one = (home: Home, rule: RecordingRule, shared: boolean): Placed[] => [{ home, rule, shared }];
const isZero = (total: q.Expr) => q.binary(total, '==', q.num(0), { bool: true });

/** Every recorded series, in the order each group lists them. */
const CATALOGUE: readonly SeriesDef[] = [
  // the bundle's constants and its member record, every objective's in one group: Prometheus pays for a group
  // evaluation far more than for a constant rule in it (measured: 200 constants cost less in one group than
  // spread over 50 groups, and less than one label_replace rule per name that sets every objective's labels)
  {
    perObjective: () => [],
    perBundle: (b) => {
      const sorted = [...b.constants].sort((x, y) => compare(x.record, y.record) || compare(labelKey(x), labelKey(y)));
      // one member per objective, with its labels (the scope's among them: a scoped rule reads its member in its scope)
      const members = b.member === undefined ? [] : sorted.filter((c) => c.record === RECORD.objective).map((c) => constantRule(b.member!, '1', c.labels));
      return [...members, ...sorted].map((rule) => ({ home: 'constants', rule, shared: true }));
    },
  },
  // building blocks: the only series that read the raw metrics
  { perObjective: (o) => one('sli', rec(BLOCK.bad, q.text(o.blocks.bad), o.labels), false) },
  { perObjective: (o) => one('sli', rec(BLOCK.total, q.text(o.blocks.total), o.labels), false) },
  // roll-ups: what every day-plus window sums
  ...[
    [BLOCK.badRollup, BLOCK.bad],
    [BLOCK.totalRollup, BLOCK.total],
  ].map(
    ([record, block]): SeriesDef => ({
      perObjective: (o) => one('rollup', rec(record!, over('sum_over_time', block!, o.matchers, ROLL), o.labels), true),
      perBundle: (b) =>
        one(
          'rollup',
          rec(
            record!,
            forBundle(b, (m) => over('sum_over_time', block!, m, ROLL)),
          ),
          true,
        ),
    }),
  ),
  {
    perObjective: (o) =>
      o.windows.map((w) => ({
        home: windowHome(w),
        rule: rec(RECORD.errorRatio(promDuration(w)), ratioExpr(o.matchers, w, o.grouped), { ...o.labels, [LABEL.window]: promDuration(w) }),
        shared: true,
      })),
    // every objective gets a ratio for every window any SLO of the bundle uses: one rule per window, not per SLO
    perBundle: (b) =>
      b.windows.map((w) => ({
        home: windowHome(w),
        rule: rec(
          RECORD.errorRatio(promDuration(w)),
          forBundle(b, (m) => ratioExpr(m, w, true)),
          { [LABEL.window]: promDuration(w) },
        ),
        shared: true,
      })),
  },
  {
    perObjective: (o) => one('sli', rec(RECORD.currentBurnRate, q.binary(ratioOf(BLOCK_RANGE, o.matchers), '/', q.num(o.budget)), o.labels), true),
    perBundle: (b) =>
      one(
        'sli',
        rec(
          RECORD.currentBurnRate,
          forBundle(b, (m) => q.binary(ratioOf(BLOCK_RANGE, m), '/', at(RECORD.errorBudget, m), { ...PER_OBJECTIVE, groupLeft: [] })),
        ),
        true,
      ),
  },
  {
    perObjective: (o) => {
      const total = at(BLOCK.total, o.matchers);
      const flag = o.blocks.noTraffic !== undefined ? q.text(o.blocks.noTraffic) : o.grouped ? isZero(total) : q.binary(q.paren(isZero(total)), 'or', q.call('vector', q.num(1)), { on: [] });
      return one('sli', rec(RECORD.noTraffic, flag, o.labels), !o.ownNoTraffic);
    },
    perBundle: (b) =>
      one(
        'sli',
        rec(
          RECORD.noTraffic,
          forBundle(b, (m) => {
            const flag = isZero(at(BLOCK.total, m));
            return b.ownNoTraffic ? q.binary(flag, 'unless', at(RECORD.info, m, q.eq(LABEL.budgetingMethod, OWN_NO_TRAFFIC_METHOD)), PER_OBJECTIVE) : flag;
          }),
        ),
        true,
      ),
  },
  { perObjective: (o) => constant(RECORD.objective, o.target, o.labels) },
  { perObjective: (o) => constant(RECORD.errorBudget, o.budget, o.labels) },
  {
    perObjective: (o) => one('period', rec(RECORD.budgetRemaining, q.binary(q.num(1), '-', q.binary(ratioOf(promDuration(o.periodMinutes), o.matchers), '/', q.num(o.budget))), o.labels), true),
    // one rule however many periods: promtool rejects two rules recording the same series name and labels
    perBundle: (b) =>
      one(
        'period',
        rec(
          RECORD.budgetRemaining,
          forBundle(b, (m) =>
            q.binary(q.num(1), '-', q.paren(byPeriod(b, (minutes) => q.binary(ratioOf(promDuration(minutes), m), '/', budgetOf(b, m, minutes), { ...PER_OBJECTIVE, groupLeft: [] })))),
          ),
        ),
        true,
      ),
  },
  {
    perObjective: (o) => one('period', rec(RECORD.periodCoverage, coverageExpr(o.matchers, o.periodMinutes), o.labels), true),
    perBundle: (b) =>
      one(
        'period',
        rec(
          RECORD.periodCoverage,
          forBundle(b, (m) =>
            b.periods.length === 1 ? coverageExpr(m, b.periods[0]!) : byPeriod(b, (minutes) => q.paren(q.binary(coverageExpr(m, minutes), 'and', ofPeriod(m, minutes), PER_OBJECTIVE))),
          ),
        ),
        true,
      ),
  },
  { perObjective: (o) => constant(RECORD.info, '1', { ...o.labels, ...o.info }) },
];

/** A constant series: its value, with its labels as the rule's. */
const constantRule = (record: string, value: string, labels: Record<string, string>) => rec(record, q.call('vector', q.num(value)), labels);
/** An objective's constant: in the period group of its own (per-slo), or in the bundle's constants group (shared). */
const constant = (record: string, value: string, labels: Record<string, string>): Placed[] => [{ home: 'period', rule: constantRule(record, value, labels), shared: true, constant: true }];
const labelKey = (r: RecordingRule) => JSON.stringify(r.labels);
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The objectives of one period: their `slo_info`, to match on. */
const ofPeriod = (m: Matchers, minutes: number) => at(RECORD.info, m, q.eq(LABEL.period, promDuration(minutes)));
/** One expression per period of the bundle, joined with `or`. */
const byPeriod = (b: BundleFacts, expr: (minutes: number) => q.Expr) => q.chain('or', b.periods.map(expr), LINES)!;
/** With one period every budget is that period's; with several each part keeps the objectives of its own. */
const budgetOf = (b: BundleFacts, m: Matchers, minutes: number) =>
  b.periods.length === 1 ? at(RECORD.errorBudget, m) : q.paren(q.binary(at(RECORD.errorBudget, m), 'and', ofPeriod(m, minutes), PER_OBJECTIVE));

/** Every recorded series of one objective, in catalogue order. */
export const objectiveSeries = (o: ObjectiveFacts): Placed[] => CATALOGUE.flatMap((d) => d.perObjective(o));

/** The bundle's shared series, standing in for every objective's series marked `shared`. */
export const bundleSeries = (b: BundleFacts): Placed[] => CATALOGUE.flatMap((d) => d.perBundle?.(b) ?? []);

/**
 * What the shared rules of a bundle read: its objectives' slo_name per service. One service: one exact selector;
 * several: one selector over all names and services, kept to the bundle's own objectives by a member record
 * named after them (a hash), so that another bundle's objectives are never recorded.
 */
export function bundleFacts(objectives: ReadonlyMap<string, readonly string[]>, rest: Omit<BundleFacts, 'selectors' | 'reads' | 'member'>): BundleFacts {
  const services = [...objectives.keys()].sort();
  const selectors = services.map((s) => bundleMatchers(s, objectives.get(s)!));
  if (services.length === 1) return { ...rest, selectors, reads: selectors[0]! };
  const names = [...new Set(services.flatMap((s) => objectives.get(s)!))].sort();
  const reads = [names.length === 1 ? q.eq(LABEL.name, names[0]!) : q.re(LABEL.name, names.map(escapeRegex).join('|')), q.re(LABEL.service, services.map(escapeRegex).join('|'))];
  const id = createHash('sha256')
    .update(selectors.map((m) => q.renderMatchers(m)).join('\n'))
    .digest('hex')
    .slice(0, 8);
  return { ...rest, selectors, reads, member: RECORD.bundleMembers(id) };
}

/** `slo_name=~"a|b",slo_service="y"`: the objectives of one service of a bundle (names matched exactly). */
export function bundleMatchers(service: string, objectives: readonly string[]): q.Matcher[] {
  const names = [...new Set(objectives)].sort();
  return [names.length === 1 ? q.eq(LABEL.name, names[0]!) : q.re(LABEL.name, names.map(escapeRegex).join('|')), q.eq(LABEL.service, service)];
}

/** A literal as an RE2 pattern. */
const escapeRegex = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
