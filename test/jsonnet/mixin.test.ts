// @integration: runs the jsonnet command
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../golden/cases';

/**
 * `slo compile --mixin` and `--dashboard-overrides`, end to end through the built CLI. The mixin is
 * evaluated by Debian's jsonnet (the C++ engine, independent of the WebAssembly one the CLI uses) and
 * must give exactly the rules and dashboards that `slo compile` writes.
 */

const MAIN = path.join(ROOT, 'packages/cli/dist/main.js');
let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error('run pnpm build first: packages/cli/dist/main.js is missing');
  if (spawnSync('jsonnet', ['--version']).status !== 0) throw new Error('jsonnet is missing: run bash scripts/setup-test-tools.sh');
});
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-mixin-'));
  fs.cpSync(path.join(ROOT, 'slo-specs'), path.join(tmp, 'slo-specs'), { recursive: true });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const slo = (args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const jsonnet = (expr: string, cwd: string): unknown => {
  const r = spawnSync('jsonnet', ['-e', expr], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`jsonnet failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
function walk(dir: string, suffix: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

describe('slo compile --mixin', () => {
  it.each([[[]], [['--layout', 'shared']]])('writes mixin.libsonnet that evaluates to exactly the rules and dashboards compile writes %j', (layout: string[]) => {
    const r = slo(['compile', '--mixin', 'mixin', ...layout]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 file in mixin');
    const dir = path.join(tmp, 'mixin');
    const groups = walk(path.join(tmp, 'rules-out'), '.rules.yaml').flatMap((f) => (parse(fs.readFileSync(f, 'utf8')) as { groups: { name: string; rules: { alert?: string }[] }[] }).groups);
    const alerting = (g: { rules: { alert?: string }[] }) => g.rules.some((x) => x.alert !== undefined);
    const sortByName = <T extends { name?: string }>(xs: T[]) => [...xs].sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : 1));
    const rules = jsonnet("(import 'mixin.libsonnet').prometheusRules", dir) as { groups: { name: string }[] };
    const alerts = jsonnet("(import 'mixin.libsonnet').prometheusAlerts", dir) as { groups: { name: string }[] };
    expect(sortByName(rules.groups)).toEqual(sortByName(groups.filter((g) => !alerting(g))));
    expect(sortByName(alerts.groups)).toEqual(sortByName(groups.filter(alerting)));
    expect(alerts.groups.length).toBeGreaterThan(0);

    const boards = jsonnet("(import 'mixin.libsonnet').grafanaDashboards", dir) as Record<string, { uid: string }>;
    const written = walk(path.join(tmp, 'dashboards-out'), '.json').map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { uid: string });
    expect(Object.keys(boards).sort()).toEqual(written.map((d) => `${d.uid}.json`).sort());
    for (const d of written) expect(boards[`${d.uid}.json`]).toEqual(d);
    // hidden fields: a mixin composes with others and renders nothing by itself
    expect(jsonnet("import 'mixin.libsonnet'", dir)).toEqual({});
  });

  it('--check covers the mixin', () => {
    expect(slo(['compile', '--mixin', 'mixin']).code).toBe(0);
    expect(slo(['compile', '--check', '--mixin', 'mixin']).code).toBe(0);
    fs.appendFileSync(path.join(tmp, 'mixin/mixin.libsonnet'), '\n');
    const r = slo(['compile', '--check', '--mixin', 'mixin']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('changed  mixin/mixin.libsonnet');
  });
});

describe('slo compile --dashboard-overrides', () => {
  it('applies the bundled example to every dashboard', () => {
    const example = path.join(ROOT, 'examples/dashboard-overrides.jsonnet');
    const r = slo(['compile', '--dashboard-overrides', example]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-plain-'));
    try {
      expect(slo(['compile', '--dashboards-out', path.join(plain, 'd'), '--rules-out', path.join(plain, 'r')]).code).toBe(0);
      const files = walk(path.join(tmp, 'dashboards-out'), '.json').map((f) => path.relative(path.join(tmp, 'dashboards-out'), f));
      expect(files).toEqual(walk(path.join(plain, 'd'), '.json').map((f) => path.relative(path.join(plain, 'd'), f)));
      for (const f of files) {
        const changed = JSON.parse(fs.readFileSync(path.join(tmp, 'dashboards-out', f), 'utf8'));
        const before = JSON.parse(fs.readFileSync(path.join(plain, 'd', f), 'utf8'));
        expect({ f, differs: JSON.stringify(changed) !== JSON.stringify(before) }).toEqual({ f, differs: true });
        // what the example leaves alone stays as generated
        expect(changed.uid).toBe(before.uid);
        expect(changed.templating).toEqual(before.templating);
        expect(changed.panels.slice(0, before.panels.length).map((p: { targets?: unknown }) => p.targets)).toEqual(before.panels.map((p: { targets?: unknown }) => p.targets));
      }
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });

  it.each([
    ['a syntax error', 'function(dashboard, slo)\n  dashboard + {\n    title: ,\n  }\n', /^bad\.jsonnet:3:\d+ error/],
    ['an error the user raises', "function(dashboard, slo)\n  if slo.name == 'day-api-availability' then error 'no' else dashboard\n", /^bad\.jsonnet:2:\d+ error .*no/],
    ['not a function', '{ title: "x" }\n', /^bad\.jsonnet:\d+:\d+ error .*function\(dashboard, slo\)/],
  ])('%s is reported with file and line, and nothing is written', (_name, text, expected) => {
    fs.writeFileSync(path.join(tmp, 'bad.jsonnet'), text);
    const r = slo(['compile', '--dashboard-overrides', 'bad.jsonnet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stderr).toContain('nothing was written');
    expect(fs.existsSync(path.join(tmp, 'dashboards-out'))).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'rules-out'))).toBe(false);
  });

  it('a missing overrides file is a clear error', () => {
    const r = slo(['compile', '--dashboard-overrides', 'nope.jsonnet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: cannot read --dashboard-overrides nope.jsonnet: ENOENT\n');
  });
});
