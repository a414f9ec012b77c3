/**
 * Durations that must fit inside the period of the SLO that uses them: time slices, burn-rate lookback windows
 * and alertAfter. Conditions may live in other objects (AlertPolicy, AlertCondition), so this runs once every
 * input is known; each problem is reported where the duration is written.
 */
import type { ObjectContext } from './context';
import type { PathSeg } from './diagnostics';
import type { CheckedObject } from './engine';
import { CALENDAR_WORDS, MAX_PERIOD_MINUTES, parseDuration, type Duration } from './formats';
import { DURATION_HINTS } from './dialects/shared/checks';
import { asArr, asObj, asStr, has, isObj, type Obj } from './values';

/** Why each field must fit inside the period. */
const WHY: Record<string, string> = {
  lookbackWindow: 'a burn-rate window must fit inside the period',
  alertAfter: 'the alert could not fire before the period is over',
  timeSliceWindow: 'a time slice must fit inside the period',
};

/** An object and where in it a burn-rate condition (`condition:`) is. */
interface ConditionAt {
  owner: CheckedObject;
  path: PathSeg[];
  condition: Obj;
}

export function checkDurationsWithinPeriods(contexts: readonly { ctx: ObjectContext; obj?: CheckedObject }[], index: Map<string, CheckedObject>): void {
  const ctxOf = new Map<CheckedObject, ObjectContext>();
  for (const { ctx, obj } of contexts) if (obj) ctxOf.set(obj, ctx);
  for (const { obj } of contexts) {
    if (obj?.kind !== 'SLO' || (obj.version !== 'openslo/v1' && obj.version !== 'openslo.com/v2alpha')) continue;
    const spec = asObj(obj.value.spec);
    const period = periodOf(spec);
    if (!period) continue;
    const check = (owner: CheckedObject, path: PathSeg[], field: string, value: unknown) => {
      const c = ctxOf.get(owner);
      if (c) withinPeriod(c, path, field, value, period, obj.name);
    };
    for (const [i, o] of asArr(spec.objectives).entries()) check(obj, ['spec', 'objectives', i, 'timeSliceWindow'], 'timeSliceWindow', asObj(o).timeSliceWindow);
    for (const { owner, path, condition } of conditionsOf(obj, spec, index)) {
      check(owner, [...path, 'lookbackWindow'], 'lookbackWindow', condition.lookbackWindow);
      check(owner, [...path, 'alertAfter'], 'alertAfter', condition.alertAfter);
    }
  }
}

/** The SLO's period, if it is valid and no longer than the longest (else it was reported already). */
function periodOf(spec: Obj): Duration | undefined {
  const text = asStr(asObj(asArr(spec.timeWindow)[0]).duration) ?? '';
  const period = parseDuration(text) ?? CALENDAR_WORDS[text];
  return period && period.minutes <= MAX_PERIOD_MINUTES ? period : undefined;
}

function withinPeriod(ctx: ObjectContext, path: PathSeg[], field: string, value: unknown, period: Duration, slo: string): void {
  if (typeof value !== 'string') return;
  // the sign of a negative lookbackWindow is tolerated (and reported) elsewhere
  const d = parseDuration(field === 'lookbackWindow' ? value.replace(/^-/, '') : value);
  // longer than any period: reported by the object's own checks
  if (!d || d.minutes <= period.minutes || d.minutes > MAX_PERIOD_MINUTES) return;
  const message = `${field} "${value}" is longer than the ${period.text} period of SLO "${slo}": ${WHY[field]}`;
  // a policy listed twice, or referenced by the same SLO twice, is reported once
  if (ctx.reports.some((r) => r.message === message && r.path.join('.') === path.join('.'))) return;
  ctx.error(path, 'duration', message, `shorten ${field} to at most ${period.text}; ${DURATION_HINTS[field]}`);
}

/** Every burn-rate condition the SLO's alert policies use, inline or by reference, with the object it is in. */
function conditionsOf(slo: CheckedObject, spec: Obj, index: Map<string, CheckedObject>): ConditionAt[] {
  const out: ConditionAt[] = [];
  asArr(spec.alertPolicies).forEach((item, i) => {
    const ref = typeof item === 'string' ? item : asStr(asObj(item).alertPolicyRef);
    const owner = ref === undefined ? slo : index.get(`AlertPolicy/${ref}`);
    if (!owner) return;
    const base: PathSeg[] = ref === undefined ? ['spec', 'alertPolicies', i, 'spec'] : ['spec'];
    const policy = ref === undefined ? asObj(asObj(item).spec) : asObj(owner.value.spec);
    asArr(policy.conditions).forEach((c, j) => {
      if (!isObj(c)) return;
      const condRef = asStr(c.conditionRef);
      if (has(c, 'conditionRef')) {
        const target = condRef === undefined ? undefined : index.get(`AlertCondition/${condRef}`);
        if (target) out.push({ owner: target, path: ['spec', 'condition'], condition: asObj(asObj(target.value.spec).condition) });
        return;
      }
      out.push({ owner, path: [...base, 'conditions', j, 'spec', 'condition'], condition: asObj(asObj(c.spec).condition) });
    });
  });
  return out;
}
