/** compileAndWrite: what `slo compile` does minus printing, on a scratch copy of the bundled specs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ROOT } from '../../../test/golden/cases';
import { compileAndWrite, type CompileOptions, type CompileResult } from './compile';
import { MANIFEST } from './outputs';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-pipeline-'));
  fs.cpSync(path.join(ROOT, 'slo-specs'), path.join(dir, 'slo-specs'), { recursive: true });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const io = () => ({ cwd: dir, stdin: Readable.from([]) });
const options = (more: Partial<CompileOptions> = {}): CompileOptions => ({ strict: false, disableTier: [], check: false, out: { rules: 'rules', dashboards: 'boards' }, ...more });
const done = (r: CompileResult) => {
  if (r.status !== 'done') throw new Error(`expected done, got ${r.status}`);
  return r;
};

it('writes what the committed outputs hold, then finds them up to date; nothing is written with check', async () => {
  const first = done(await compileAndWrite(['slo-specs'], options(), io()));
  expect(first.slos).toBe(3);
  expect(first.folders.map((f) => [f.name, f.size, f.drift.changed.length, f.drift.extra.length])).toEqual([
    ['rules', 14, 0, 0],
    ['boards', 4, 0, 0],
  ]);
  for (const f of first.folders[0]!.drift.missing) expect(fs.readFileSync(path.join(dir, 'rules', f), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'rules-out', f), 'utf8'));
  expect(fs.existsSync(path.join(dir, 'rules', MANIFEST))).toBe(true);

  const again = done(await compileAndWrite(['slo-specs'], options({ check: true }), io()));
  expect(again.folders.map((f) => f.drift)).toEqual([
    { missing: [], changed: [], extra: [] },
    { missing: [], changed: [], extra: [] },
  ]);
  const checked = done(await compileAndWrite(['slo-specs'], options({ check: true, out: { rules: 'rules', dashboards: 'boards', mixin: 'mixin' } }), io()));
  expect(checked.folders.map((f) => [f.name, f.drift.missing])).toContainEqual(['mixin', ['mixin.libsonnet']]);
  expect(fs.existsSync(path.join(dir, 'mixin'))).toBe(false);
});

it('the chart copies and the routing go to their own folders', async () => {
  const r = done(await compileAndWrite(['slo-specs'], options({ out: { rules: 'rules', dashboards: 'boards', chartFiles: 'chart' } }), io()));
  expect(r.folders.map((f) => f.name)).toEqual(['rules', 'chart/rules', 'boards', 'chart/dashboards', 'chart/alertmanager']);
  expect(fs.readdirSync(path.join(dir, 'chart/alertmanager')).sort()).toEqual([MANIFEST, 'alertmanager.yml', 'alertmanagerconfig.yaml']);
});

it('writes nothing for invalid input, and names an unknown tier without compiling', async () => {
  fs.writeFileSync(path.join(dir, 'slo-specs', 'broken.yaml'), 'apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: Not_Valid\n');
  const r = await compileAndWrite(['slo-specs'], options(), io());
  expect(r.status).toBe('invalid');
  expect(r.status === 'invalid' && r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  expect(fs.existsSync(path.join(dir, 'rules'))).toBe(false);

  fs.rmSync(path.join(dir, 'slo-specs', 'broken.yaml'));
  const tier = await compileAndWrite(['slo-specs'], options({ disableTier: ['no-such-tier'] }), io());
  expect(tier.status).toBe('unknown-tier');
  expect(tier.status === 'unknown-tier' && tier.message).toMatch(/^error: --disable-tier no-such-tier is not an alert tier/);
});
