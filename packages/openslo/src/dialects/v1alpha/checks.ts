import { COMPAT } from '../../compat';
import type { ObjectContext } from '../../context';
import type { PathSeg } from '../../diagnostics';
import { CALENDAR_WORDS, LONGER_THAN_MAX_PERIOD, MAX_PERIOD_MINUTES } from '../../formats';
import { asArr, asNum, asObj, asStr, has, isObj, type Obj } from '../../values';
import { checkCalendar, checkDescription, PERIOD_HINT, zeroTarget } from '../shared/checks';

/** v1alpha, the dialect Sloth writes: ratio queries on the objectives, windows as a count of units. */

export const SLO_SPEC_FIELDS = 'service, timeWindows, budgetingMethod and objectives (with ratioMetrics, or an indicator.thresholdMetric)';

export function checkV1alphaRules(ctx: ObjectContext, kind: string, value: Obj): void {
  if (isObj(value.spec) && kind === 'SLO') checkV1alphaSlo(ctx, value.spec, asStr(asObj(value.metadata).name));
  if (isObj(value.spec)) checkDescription(ctx, ['spec'], value.spec);
}

function checkV1alphaSlo(ctx: ObjectContext, spec: Obj, name: string | undefined): void {
  const path: PathSeg[] = ['spec'];
  const objectives = asArr(spec.objectives);
  const ratio = objectives.some((o) => isObj(o) && has(o, 'ratioMetrics'));
  if (ratio && has(spec, 'indicator')) ctx.error([...path, 'indicator'], 'indicator', 'set either indicator or objectives[].ratioMetrics, not both', undefined, 'key');
  if (!ratio && !has(spec, 'indicator')) ctx.error(path, 'indicator', 'a v1alpha SLO needs indicator.thresholdMetric or objectives[].ratioMetrics');
  const tw = spec.timeWindows;
  if (tw === undefined || tw === null) {
    const slo = `SLO${name ? ` ${name}` : ''}`;
    ctx.compat(path, 'v1alpha-default-window', `${slo} has no timeWindows: ${COMPAT['v1alpha-default-window'].strict}`, undefined, {
      message: `${slo} has no timeWindows: using 30 days rolling, as Sloth does; write timeWindows to choose`,
      hint: 'e.g. timeWindows: [{count: 30, unit: Day, isRolling: true}]',
    });
  }
  if (Array.isArray(tw)) {
    if (tw.length !== 1) ctx.error([...path, 'timeWindows'], 'time-window', `timeWindows must contain exactly one item (got ${tw.length})`);
    tw.forEach((raw, i) => {
      const w = asObj(raw);
      const wp = [...path, 'timeWindows', i];
      const cal = isObj(w.calendar) ? w.calendar : undefined;
      if (w.isRolling === true && cal) ctx.error([...wp, 'calendar'], 'time-window', 'a window is either rolling (isRolling: true) or calendar-aligned (calendar), not both', undefined, 'key');
      if (w.isRolling !== true && !cal) ctx.compat(wp, 'v1alpha-implicit-rolling', COMPAT['v1alpha-implicit-rolling'].strict);
      if (cal) checkCalendar(ctx, cal, [...wp, 'calendar']);
      checkV1alphaPeriod(ctx, w, wp);
    });
  }
  const tq = asObj(asObj(spec.indicator).thresholdMetric);
  pushV1alphaQuery(ctx, tq, [...path, 'indicator', 'thresholdMetric'], 'threshold', 'spec');
  objectives.forEach((raw, i) => {
    if (!isObj(raw)) return;
    const op: PathSeg[] = [...path, 'objectives', i];
    const rm = isObj(raw.ratioMetrics) ? raw.ratioMetrics : undefined;
    if (!has(raw, 'value')) {
      if (rm) ctx.compat(op, 'v1alpha-objective-value', COMPAT['v1alpha-objective-value'].strict);
      else ctx.error(op, 'threshold-objective', 'objectives need value (the threshold the metric is compared with)');
    }
    if (raw.target === 0) zeroTarget(ctx, [...op, 'target'], 'target');
    if (!rm && !has(raw, 'op') && !ratio) ctx.error(op, 'threshold-objective', 'objectives need op (lte | gte | lt | gt) with a thresholdMetric');
    if (rm && has(raw, 'op')) ctx.error([...op, 'op'], 'ratio-objective', 'op must not be set with ratioMetrics', undefined, 'key');
    if (spec.budgetingMethod === 'Timeslices' && !has(raw, 'timeSliceTarget')) ctx.compat(op, 'v1alpha-timeslice-target', `${COMPAT['v1alpha-timeslice-target'].strict} (e.g. 0.95)`);
    if (rm) {
      if (has(rm, 'counter')) ctx.compat([...op, 'ratioMetrics', 'counter'], 'v1alpha-counter', COMPAT['v1alpha-counter'].strict, 'key');
      const counter = rm.incremental === true || rm.counter === true;
      pushV1alphaQuery(ctx, asObj(rm.good), [...op, 'ratioMetrics', 'good'], 'good', `objectives[${i}]`, counter);
      pushV1alphaQuery(ctx, asObj(rm.total), [...op, 'ratioMetrics', 'total'], 'total', `objectives[${i}]`, counter);
    }
  });
}

/** A v1alpha window (`count: 30, unit: Day`) no longer than the longest period. */
function checkV1alphaPeriod(ctx: ObjectContext, w: Obj, path: PathSeg[]): void {
  const count = asNum(w.count);
  const unit = CALENDAR_WORDS[asStr(w.unit) ?? ''];
  if (count === undefined || !unit || count * unit.minutes <= MAX_PERIOD_MINUTES) return;
  ctx.error([...path, 'count'], 'duration', `timeWindows count ${count} ${String(w.unit)} ${LONGER_THAN_MAX_PERIOD}`, PERIOD_HINT);
}

function pushV1alphaQuery(ctx: ObjectContext, q: Obj, path: PathSeg[], role: 'good' | 'total' | 'threshold', group: string, counter?: boolean): void {
  const query = asStr(q.query);
  if (query === undefined) return;
  const promql = /^prometheus$/i.test(asStr(q.source) ?? '') || /^promql$/i.test(asStr(q.queryType) ?? '');
  ctx.queries.push({ path: [...path, 'query'], query, type: promql ? 'Prometheus' : asStr(q.source), role, group, counter });
}
