import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { checkSources } from './engine';
import { buildModel } from './normalise';
import { shiftDecimal } from './values';

describe('shiftDecimal', () => {
  it.each([
    ['99.9', -2, '0.999'],
    ['99.95', -2, '0.9995'],
    ['99', -2, '0.99'],
    ['100', -2, '1'],
    ['0.5', -2, '0.005'],
    ['99.999', -2, '0.99999'],
    ['0.999', 2, '99.9'],
  ])('%s shifted by %d is %s', (text, places, expected) => expect(shiftDecimal(text, places)).toBe(expected));
});

function specs(dir: string): { file: string; text: string }[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? specs(p) : [{ file: path.relative(path.resolve(__dirname, '../../..'), p), text: readFileSync(p, 'utf8') }];
    });
}

describe('buildModel', () => {
  const result = checkSources(specs(path.resolve(__dirname, '../../../slo-specs')), { missingReferences: 'error' });
  const { slos, diagnostics } = buildModel(result);
  const byName = Object.fromEntries(slos.map((s) => [s.name, s]));

  it('builds every SLO of slo-specs without errors', () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(diagnostics).toEqual([]);
    expect(Object.keys(byName).sort()).toEqual(['checkout-requests-availability', 'day-api-availability', 'day-lookup-latency']);
  });

  it('resolves indicatorRef, DataSource types, alert policies, conditions and targets', () => {
    const s = byName['day-api-availability']!;
    expect(s.service).toBe('day');
    expect(s.window.duration.minutes).toBe(30 * 1440);
    expect(s.objectives[0]!.target).toBe('0.999');
    const ind = s.objectives[0]!.indicator;
    expect(ind.kind).toBe('ratio');
    expect(ind.kind === 'ratio' && ind.bad?.sourceType).toBe('Prometheus');
    expect(s.alertPolicies.map((p) => [p.name, p.conditions.map((c) => [c.severity, c.threshold, c.lookbackWindow.text, c.alertAfter?.text]), p.targets.map((t) => t.target)])).toEqual([
      ['day-fast-burn', [['page', 14.4, '1h', '2m']], ['pagerduty']],
      ['day-slow-burn', [['ticket', 3, '1d', '5m']], ['jira']],
    ]);
    expect(s.labels).toEqual({ team: 'platform', tier: '1' });
  });

  it('keeps targetPercent exact', () => expect(byName['day-lookup-latency']!.objectives[0]!.target).toBe('0.99'));

  it('reads the v1alpha (Sloth) dialect', () => {
    const s = byName['checkout-requests-availability']!;
    expect(s.window.duration.text).toBe('30d');
    const ind = s.objectives[0]!.indicator;
    expect(ind.kind === 'ratio' && ind.good?.promql).toContain('{{.window}}');
  });
});

describe('buildModel: v1alpha windows', () => {
  const v1alpha = (windows: string) => `apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: web
spec:
  service: web
  budgetingMethod: Occurrences
${windows}  objectives:
    - ratioMetrics:
        good: {source: prometheus, queryType: promql, query: 'sum(rate(x{code!~"5.."}[{{.window}}]))'}
        total: {source: prometheus, queryType: promql, query: 'sum(rate(x[{{.window}}]))'}
      value: 1
      target: 0.99
`;
  it.each([
    ['none: 30 days rolling, as Sloth does', '', { text: '30d', rolling: true }],
    ['a written one is kept', '  timeWindows:\n    - {count: 7, unit: Day, isRolling: true}\n', { text: '7d', rolling: true }],
  ])('%s', (_title, windows, expected) => {
    const { slos, diagnostics } = buildModel(checkSources([{ file: 'in.yaml', text: v1alpha(windows) }], { missingReferences: 'error' }));
    expect(diagnostics).toEqual([]);
    expect(slos.map((s) => ({ text: s.window.duration.text, rolling: s.window.rolling }))).toEqual([expected]);
  });
});
