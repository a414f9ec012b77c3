import { BLOCK, BLOCK_RANGE, INTERVAL, isAlert, LABEL, RECORD, ROLLUP_MINUTES, promDuration, type RecordingRule, type RuleFile, type RuleGroup } from '@slo-engine/rules';

/**
 * An experiment for the evaluation-cost section, not what `slo compile` emits: our compiled rules with
 * every rule that reads only recorded series (window ratios, roll-ups, burn rate, no-traffic flag, budget
 * remaining) written once for all SLOs instead of once per SLO. The series and their labels are the same;
 * per SLO there remain the building blocks, the constants and the alerts. It measures how much of our cost
 * is the number of rules rather than the samples they read.
 */

/** The layout's groups shared by every SLO. */
export const SHARED_GROUPS = { windows: 'slo:shared:windows', rollup: 'slo:shared:rollup', period: 'slo:shared:period' } as const;
/** Per SLO, the building blocks and constants go into one group named like its sli group with this kind. */
export const BLOCKS_KIND = 'blocks';

const KEEP_PER_SLO = new Set<string>([BLOCK.bad, BLOCK.total, RECORD.objective, RECORD.errorBudget, RECORD.info]);
/** Matches a ratio or burn rate to its SLO's error budget; a grouped SLO has several series per budget. */
const PER_BUDGET = `on (${LABEL.name}, ${LABEL.service}) group_left ()`;

const kindOf = (group: string) => group.slice(group.lastIndexOf(':') + 1);
const rec = (record: string, expr: string, labels: Record<string, string> = {}): RecordingRule => ({ record, expr, labels });

/** Error ratio over a window for every SLO at once: 0 where there were no events, never NaN. */
function ratio(window: string, rollup: boolean): string {
  if (window === BLOCK_RANGE) return `(${BLOCK.bad} / (${BLOCK.total} > 0)) or (0 * ${BLOCK.total})`;
  const [bad, total] = rollup ? [BLOCK.badRollup, BLOCK.totalRollup] : [BLOCK.bad, BLOCK.total];
  const sum = (s: string) => `sum_over_time(${s}[${window}])`;
  return `(${sum(bad)} / (${sum(total)} > 0)) or (0 * ${sum(total)})`;
}

/** Our per-SLO rule files in the shared layout, as one file. */
export function sharedLayout(ours: RuleFile[]): RuleFile {
  const perSlo: RuleGroup[] = [];
  const windows = { short: new Set<string>(), long: new Set<string>() };
  const periods = new Set<string>();
  for (const file of ours) {
    const byKind = new Map(file.groups.map((g) => [kindOf(g.name), g]));
    const sli = byKind.get('sli');
    if (!sli) throw new Error(`no sli group in ${file.groups[0]?.name}`);
    const kept = file.groups.flatMap((g) => g.rules).filter((r): r is RecordingRule => !isAlert(r) && KEEP_PER_SLO.has(r.record));
    perSlo.push({ name: `${sli.name.slice(0, sli.name.lastIndexOf(':'))}:${BLOCKS_KIND}`, interval: INTERVAL.sli, rules: kept });
    const alerts = byKind.get('alerts');
    if (alerts) perSlo.push(alerts);
    for (const [kind, set] of [['sli', windows.short], ['period', windows.long]] as const)
      for (const r of byKind.get(kind)?.rules ?? []) if (!isAlert(r) && r.labels[LABEL.window] !== undefined) set.add(r.labels[LABEL.window]!);
    for (const r of kept) if (r.record === RECORD.info) periods.add(r.labels[LABEL.period]!);
  }
  // every SLO gets every window: the layout only fits SLOs that share their windows, as the benchmark's do
  if (periods.size !== 1) throw new Error(`the shared layout needs one period for every SLO; got ${[...periods].join(', ') || 'none'}`);
  const [period] = [...periods];
  const windowRules = (set: Set<string>, rollup: boolean) => [...set].map((w) => rec(RECORD.errorRatio(w), ratio(w, rollup), { [LABEL.window]: w }));
  const perSloRatio = (w: string) => `max without (${LABEL.window}) (${RECORD.errorRatio(w)})`;
  const roll = promDuration(ROLLUP_MINUTES);
  const shared: RuleGroup[] = [
    {
      name: SHARED_GROUPS.windows,
      interval: INTERVAL.sli,
      rules: [
        ...windowRules(windows.short, false),
        rec(RECORD.currentBurnRate, `${perSloRatio(BLOCK_RANGE)} / ${PER_BUDGET} ${RECORD.errorBudget}`),
        rec(RECORD.noTraffic, `${BLOCK.total} == bool 0`),
      ],
    },
    {
      name: SHARED_GROUPS.rollup,
      interval: INTERVAL.rollup,
      rules: [rec(BLOCK.badRollup, `sum_over_time(${BLOCK.bad}[${roll}])`), rec(BLOCK.totalRollup, `sum_over_time(${BLOCK.total}[${roll}])`)],
    },
    {
      name: SHARED_GROUPS.period,
      interval: INTERVAL.period,
      rules: [...windowRules(windows.long, true), rec(RECORD.budgetRemaining, `1 - ${perSloRatio(period!)} / ${PER_BUDGET} ${RECORD.errorBudget}`)],
    },
  ];
  return { groups: [...perSlo, ...shared] };
}
