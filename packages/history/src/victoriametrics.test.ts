import { compileText, ratioSli, sloDoc } from '../../../test/support/slo-docs';
import { BLOCK, RECORD } from '@slo-engine/rules';
import { replayPasses, rfc3339, vmalertReplayArgs } from './victoriametrics';

const compiled = compileText(sloDoc({ sli: ratioSli({ bad: 'http_requests_total{code="500"}', total: 'http_requests_total' }), objectives: '    - target: 0.999\n' }));
const names = (p: { groups: { rules: ({ record: string } | { alert: string })[] }[] }) => p.groups.flatMap((g) => g.rules.map((r) => ('record' in r ? r.record : `alert:${r.alert}`)));

describe('replayPasses', () => {
  const passes = replayPasses([compiled[0]!.rules]);
  const passOf = (name: string) => passes.findIndex((p) => names(p).includes(name));
  it.each([
    [BLOCK.total, 0],
    [RECORD.errorRatio('5m'), 1],
    [BLOCK.totalRollup, 1],
    [RECORD.errorRatio('30d'), 2],
    [RECORD.budgetRemaining, 3],
  ])('%s is replayed in pass %i: after every series it reads', (name, pass) => {
    expect(passOf(name)).toBe(pass);
  });
  it('replays every rule once, alerts included, in groups with their own names and intervals', () => {
    const all = passes.flatMap(names);
    expect(all.sort()).toEqual(names(compiled[0]!.rules).sort());
    const groups = new Map(compiled[0]!.rules.groups.map((g) => [g.name, g.interval]));
    for (const p of passes) for (const g of p.groups) expect(g.interval).toBe(groups.get(g.name));
    // the page reads the 1h and 5m ratios: it comes after them
    expect(passes.findIndex((p) => names(p).some((n) => n.startsWith('alert:')))).toBeGreaterThan(passOf(RECORD.errorRatio('1h')));
  });
});

it("replay flags: the group's interval as the step, no delay needed between rules of a pass, RFC 3339 times", () => {
  const args = vmalertReplayArgs({ ruleFiles: ['a.yaml'], url: 'http://vm:8428', from: 1_700_000_000, to: 1_700_003_600, port: 1 });
  expect(args).toEqual(
    expect.arrayContaining([
      '-rule=a.yaml',
      '-datasource.queryStep=0',
      '-replay.rulesDelay=0s',
      '-replay.timeFrom=2023-11-14T22:13:20Z',
      '-replay.timeTo=2023-11-14T23:13:20Z',
      '-remoteWrite.url=http://vm:8428',
    ]),
  );
  expect(rfc3339(0)).toBe('1970-01-01T00:00:00Z');
});
