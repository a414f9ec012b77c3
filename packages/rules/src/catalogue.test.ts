import { checkPromql, q } from '@slo-engine/promql';
import { compileText, ratioSli, rolling, sloDoc } from '../../../test/support/slo-docs';
import { bundleFacts, bundleMatchers, bundleSeries, type BundleFacts } from './catalogue';
import { BLOCK, RECORD } from './names';

describe('bundleMatchers: exactly the objectives of one service of a bundle', () => {
  it.each([
    ['one objective', 'shop', ['api'], '{slo_name="api",slo_service="shop"}'],
    ['several, sorted and once each', 'shop', ['b', 'a', 'b'], '{slo_name=~"a|b",slo_service="shop"}'],
    ['regex characters in a name match literally', 'shop', ['a.b', 'c+d'], '{slo_name=~"a\\\\.b|c\\\\+d",slo_service="shop"}'],
    ['quotes in a service are escaped', 'sh"op', ['a'], '{slo_name="a",slo_service="sh\\"op"}'],
  ])('%s', (_what, service, names, expected) => {
    expect(q.render(q.sel(undefined, bundleMatchers(service, names)))).toBe(expected);
  });
});

describe('the catalogue', () => {
  const SLI = ratioSli({ bad: 'http_requests_total{job="day",code=~"5.."}', total: 'http_requests_total{job="day"}' });
  const [c] = compileText(sloDoc({ sli: SLI, objectives: '    - target: 0.999\n', window: rolling('30d'), name: 'api', service: 'day' }));
  /** The bundle of these objectives, each with the constants the compiled SLO has (under its own name and service). */
  const facts = (objectives: Record<string, string[]>, ownNoTraffic = false): BundleFacts =>
    bundleFacts(new Map(Object.entries(objectives)), {
      windows: c!.objectives[0]!.windows,
      periods: [43200],
      ownNoTraffic,
      constants: Object.entries(objectives).flatMap(([service, names]) =>
        names.flatMap((name) => c!.series.flatMap((p) => (p.constant ? [{ ...p.rule, labels: { ...p.rule.labels, slo_name: name, slo_service: service } }] : []))),
      ),
    });
  const reading = (expr: string) => /\{/.test(expr);

  it('records each series of an objective once, and a bundle stands in for exactly the ones marked shared', () => {
    const records = c!.series.map((p) => `${p.rule.record}${p.rule.labels.slo_window ?? ''}`);
    expect(new Set(records).size).toBe(records.length);
    const shared = c!.series.filter((p) => p.shared).map((p) => p.rule.record);
    const bundle = bundleSeries(facts({ day: ['api'] })).map((p) => p.rule.record);
    expect(bundle.sort()).toEqual(shared.sort());
    // per SLO only what reads the raw metrics
    expect(c!.series.filter((p) => !p.shared).map((p) => p.rule.record)).toEqual([BLOCK.bad, BLOCK.total]);
  });

  it("a bundle's constants: each objective's value under exactly its labels, in one group, the same in any order", () => {
    const b = facts({ day: ['api', 'web'] });
    const rules = bundleSeries(b).filter((p) => !reading(p.rule.expr));
    expect(rules.map((p) => `${p.home} ${p.rule.record} ${p.rule.labels.slo_name}`)).toEqual(
      [RECORD.errorBudget, RECORD.objective, RECORD.info].flatMap((r) => ['api', 'web'].map((n) => `constants ${r} ${n}`)),
    );
    expect(rules[0]!.rule).toEqual({ record: RECORD.errorBudget, expr: 'vector(0.001)', labels: { slo_name: 'api', slo_service: 'day' } });
    expect(rules[3]!.rule).toEqual({ record: RECORD.objective, expr: 'vector(0.999)', labels: { slo_name: 'web', slo_service: 'day' } });
    const reversed = bundleFacts(new Map([['day', ['web', 'api']]]), { ...b, constants: [...b.constants].reverse() });
    expect(bundleSeries(reversed)).toEqual(bundleSeries(b));
  });

  it('one service: every shared rule reads that service exactly, and needs no member record', () => {
    for (const own of [false, true])
      for (const p of bundleSeries(facts({ day: ['api', 'web'] }, own)).filter((x) => reading(x.rule.expr))) {
        expect(checkPromql(p.rule.expr).problems).toEqual([]);
        for (const sel of p.rule.expr.match(/\{[^}]*\}/g) ?? []) expect(sel.startsWith('{slo_name=~"api|web",slo_service="day"')).toBe(true);
        expect(p.rule.expr).not.toContain('bundle_members');
      }
  });

  it('several services: a member record of exactly the bundle, first in its group, and every other shared rule keeps to it', () => {
    const b = facts({ day: ['api'], shop: ['a', 'b'] });
    const [first, ...rest] = bundleSeries(b);
    // one member per objective, first in the constants group
    const members = bundleSeries(b).filter((p) => p.rule.record === b.member);
    expect(members[0]).toEqual(first);
    expect(members.map((p) => [p.home, p.rule.expr, p.rule.labels])).toEqual(
      [
        ['a', 'shop'],
        ['api', 'day'],
        ['b', 'shop'],
      ].map(([slo_name, slo_service]) => ['constants', 'vector(1)', { slo_name, slo_service }]),
    );
    expect(b.member).toMatch(/^slo:bundle_members:h[0-9a-f]{8}$/);
    for (const p of rest.filter((x) => reading(x.rule.expr))) {
      expect(checkPromql(p.rule.expr).problems).toEqual([]);
      expect(p.rule.expr.endsWith(`\nand on (slo_name, slo_service)\n${b.member}`)).toBe(true);
    }
    // another set of objectives is another member record; the same set in another order the same
    expect(facts({ day: ['api'], shop: ['a'] }).member).not.toBe(b.member);
    expect(facts({ shop: ['b', 'a'], day: ['api'] }).member).toBe(b.member);
  });
});
