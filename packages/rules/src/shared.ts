import { coverageExpr, ratioExpr, withScope, type CompiledSlo } from './compile';
import { promDuration } from './durations';
import { sortKeys } from './labels';
import { isAlert, type RecordingRule, type RuleFile, type RuleGroup } from './model';
import { BLOCK, BLOCK_RANGE, GROUP, INTERVAL, LABEL, RECORD, ROLLUP_MINUTES, ROLLUP_THRESHOLD_MINUTES } from './names';

/**
 * The shared rule layout (`slo compile --layout shared`). Every rule that reads only recorded series
 * (window error ratios, roll-ups, burn rate, no-traffic flag, budget remaining) is written once for all
 * SLOs instead of once per SLO; per SLO there remain the building blocks, the constants and the alerts.
 * Prometheus pays mostly per rule, not per series, so this costs about half as much to evaluate. The
 * series and labels are the same as in the per-SLO layout; window ratios trail the building blocks by up
 * to one evaluation because they sit in another group.
 */

/** Budgeting method whose no-traffic flag cannot be read from its total block (it counts every slice). */
const OWN_NO_TRAFFIC_METHOD = 'Timeslices';
/** Per SLO only these records stay; the shared groups derive everything else from them. */
const KEEP_PER_SLO = new Set<string>([BLOCK.bad, BLOCK.total, RECORD.objective, RECORD.errorBudget, RECORD.info]);
/** Matches a window ratio to its objective's error budget; a grouped SLO has several ratios per budget. */
const PER_OBJECTIVE = `on (${LABEL.name}, ${LABEL.service})`;

const rec = (record: string, expr: string, labels: Record<string, string> = {}): RecordingRule => ({ record, expr, labels: sortKeys(labels) });

/**
 * Collects what the shared groups must serve while SLOs are compiled one at a time (`add`), then renders
 * them (`file`). Every objective gets a ratio for every window any SLO uses: the price of one rule per
 * window instead of one per SLO is a few ratio series nobody reads.
 */
export class SharedLayout {
  private readonly windows = new Set<number>();
  private readonly periods = new Set<number>();
  private ownNoTraffic = false;
  private slos = 0;
  /** The compile's scope (every SLO of a compile has the same). */
  private scope: Record<string, string> = {};

  /** The SLO's own part of the rules: building blocks, constants and alerts (plus a time-sliced SLO's no-traffic flag). */
  add(c: CompiledSlo): CompiledSlo {
    this.slos++;
    this.scope = c.scope;
    const own = c.slo.budgetingMethod === OWN_NO_TRAFFIC_METHOD;
    if (own) this.ownNoTraffic = true;
    for (const o of c.objectives) {
      for (const w of o.windows) this.windows.add(w);
      this.periods.add(o.periodMinutes);
    }
    const recorded = c.rules.groups.flatMap((g) => g.rules).filter((r): r is RecordingRule => !isAlert(r) && (KEEP_PER_SLO.has(r.record) || (own && r.record === RECORD.noTraffic)));
    const groups: RuleGroup[] = [{ name: GROUP.sli(c.slo.service, c.slo.name), interval: INTERVAL.sli, rules: recorded }];
    const alerts = c.rules.groups.find((g) => g.rules.some(isAlert));
    if (alerts) groups.push(alerts);
    return { ...c, rules: { groups } };
  }

  /** How many SLOs the shared groups serve. */
  get size(): number {
    return this.slos;
  }

  /** The shared groups for every SLO added so far; the same SLOs in any order give the same file. */
  file(): RuleFile {
    const windows = [...this.windows].sort((a, b) => a - b);
    const periods = [...this.periods].sort((a, b) => a - b);
    const ratios = (long: boolean) =>
      windows.filter((m) => m >= ROLLUP_THRESHOLD_MINUTES === long).map((m) => rec(RECORD.errorRatio(promDuration(m)), ratioExpr('', m, true), { [LABEL.window]: promDuration(m) }));
    const perObjective = (w: string) => `max without (${LABEL.window}) (${RECORD.errorRatio(w)})`;
    // with one period every budget is that period's; with several each rule keeps the objectives of its own
    const budgetOf = (period: string) => (periods.length === 1 ? RECORD.errorBudget : `(${RECORD.errorBudget} and ${PER_OBJECTIVE} ${RECORD.info}{${LABEL.period}="${period}"})`);
    const noTraffic = `${BLOCK.total} == bool 0${this.ownNoTraffic ? ` unless ${PER_OBJECTIVE} ${RECORD.info}{${LABEL.budgetingMethod}="${OWN_NO_TRAFFIC_METHOD}"}` : ''}`;
    const roll = promDuration(ROLLUP_MINUTES);
    return withScope(
      {
        groups: [
          {
            name: GROUP.sharedWindows,
            interval: INTERVAL.sli,
            rules: [...ratios(false), rec(RECORD.currentBurnRate, `${perObjective(BLOCK_RANGE)} / ${PER_OBJECTIVE} group_left () ${RECORD.errorBudget}`), rec(RECORD.noTraffic, noTraffic)],
          },
          {
            name: GROUP.sharedRollup,
            interval: INTERVAL.rollup,
            rules: [rec(BLOCK.badRollup, `sum_over_time(${BLOCK.bad}[${roll}])`), rec(BLOCK.totalRollup, `sum_over_time(${BLOCK.total}[${roll}])`)],
          },
          {
            name: GROUP.sharedPeriod,
            interval: INTERVAL.period,
            // one rule however many periods: promtool rejects two rules recording the same series name and labels
            rules: [
              ...ratios(true),
              rec(
                RECORD.budgetRemaining,
                `1 - (${periods
                  .map((m) => promDuration(m))
                  .map((p) => `${perObjective(p)} / ${PER_OBJECTIVE} group_left () ${budgetOf(p)}`)
                  .join('\nor\n')})`,
              ),
              rec(
                RECORD.periodCoverage,
                periods.length === 1
                  ? coverageExpr('', periods[0]!)
                  : periods.map((m) => `(${coverageExpr('', m)} and ${PER_OBJECTIVE} ${RECORD.info}{${LABEL.period}="${promDuration(m)}"})`).join('\nor\n'),
              ),
            ],
          },
        ],
      },
      this.scope,
    );
  }
}
