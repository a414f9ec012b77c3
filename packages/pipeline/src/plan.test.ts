/**
 * The shared layout's generated tests load the SLO's own rules and the shared groups for that SLO alone, never the
 * bundle's shared file: with it, every test evaluated every SLO's rules, so one SLO's test ran minutes in a bundle
 * of a few hundred. What a test loads must not depend on the bundle, and must be the bundle's own rules for the SLO.
 */
import { Readable } from 'node:stream';
import { parse } from 'yaml';
import { isAlert, LABEL, outputStem, RECORD, type RuleFile } from '@slo-engine/rules';
import { ROOT } from '../../../test/golden/cases';
import { planCompile, TEST_SHARED_SUFFIX } from './plan';

const plan = async (inputs: string[]) => {
  const p = await planCompile(inputs, { strict: false, disableTier: [], layout: 'shared' }, { cwd: ROOT, stdin: Readable.from([]) });
  expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return p;
};
const contentOf = (files: { path: string; content: string }[], p: string) => files.find((f) => f.path === p)?.content;
/**
 * The file's rules with an objective's labels, by group: the per-objective part of the shared groups. Not the
 * member records: only a bundle of several services has them (test/promtool/layouts.test.ts runs that bundle).
 */
const perObjective = (file: RuleFile, names: Set<string>) =>
  file.groups.map((g) => [g.name, g.rules.filter((r) => !isAlert(r) && names.has(r.labels?.[LABEL.name] ?? '') && !r.record.startsWith(RECORD.bundleMembers(''))).map((r) => JSON.stringify(r))]);

it("each SLO's tests load its own rules and its shared rules alone, the same whatever else is in the bundle", async () => {
  const small = await plan(['slo-specs']);
  const large = await plan(['slo-specs', 'test/golden/inputs']);
  expect(large.compiled.length).toBeGreaterThan(small.compiled.length);
  const bundle = parse(large.files.find((f) => /^shared-[^/]*\.rules\.yaml$/.test(f.path))!.content) as RuleFile;
  for (const c of small.compiled) {
    const stem = outputStem(c.slo.service, c.slo.name);
    const own = stem.split('/').pop()!;
    const test = parse(contentOf(large.files, `${stem}.test.yaml`)!) as { rule_files: string[] };
    expect(test.rule_files).toEqual([`${own}.rules.yaml`, `${own}${TEST_SHARED_SUFFIX}`]);
    // not a rule file name a deployment globs (helm, the stack: **.rules.yaml)
    expect(`${own}${TEST_SHARED_SUFFIX}`).not.toMatch(/\.rules\.yaml$/);
    const alone = contentOf(large.files, `${stem}${TEST_SHARED_SUFFIX}`);
    expect(alone).toBeDefined();
    expect(alone).toBe(contentOf(small.files, `${stem}${TEST_SHARED_SUFFIX}`));
    // the SLO's blocks and constants are the bundle's own rules, and nobody else's are there
    const names = new Set(c.objectives.map((o) => o.sloName));
    const aloneFile = parse(alone!) as RuleFile;
    expect(perObjective(aloneFile, names)).toEqual(perObjective(bundle, names));
    const others = new Set(large.compiled.filter((x) => x !== c).flatMap((x) => x.objectives.map((o) => o.sloName)));
    for (const n of names) others.delete(n);
    expect(perObjective(aloneFile, others).flatMap(([, rules]) => rules)).toEqual([]);
  }
});

it('the per-SLO layout writes no shared rules for tests: its tests load the SLO file alone', async () => {
  const p = await planCompile(['slo-specs'], { strict: false, disableTier: [], layout: 'per-slo' }, { cwd: ROOT, stdin: Readable.from([]) });
  expect(p.files.filter((f) => f.path.endsWith(TEST_SHARED_SUFFIX))).toEqual([]);
  for (const c of p.compiled) {
    const stem = outputStem(c.slo.service, c.slo.name);
    expect((parse(contentOf(p.files, `${stem}.test.yaml`)!) as { rule_files: string[] }).rule_files).toEqual([`${stem.split('/').pop()}.rules.yaml`]);
  }
});
