// @integration: packs and installs the CLI with npm
/**
 * The published package as a team gets it: `pnpm pack` of packages/cli (its prepack bundles the CLI),
 * `npm install -g` of the tarball into a private prefix (third-party dependencies come from the npm
 * registry), then the installed `slo` on a small spec folder in a directory outside the repository.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { CLI_DIR, output, pathOutsideWorkspace, promtoolDir, ROOT, run } from './support';

jest.setTimeout(300_000);

const SPEC = `# A team's SLO: checkout requests that do not fail
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prom
spec:
  type: Prometheus
  connectionDetails:
    url: http://prometheus:9090
---
apiVersion: openslo/v1
kind: Service
metadata:
  name: shop
spec:
  description: The shop front
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: shop
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  indicator:
    metadata:
      name: checkout-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            metricSourceRef: prom
            spec:
              query: http_requests_total{job="checkout",code=~"5.."}
        total:
          metricSource:
            metricSourceRef: prom
            spec:
              query: http_requests_total{job="checkout"}
  objectives:
    - displayName: Checkout without server errors
      target: 0.99
`;

const OVERRIDES = `function(dashboard, slo)
  dashboard + { tags+: ['team-' + slo.service] }
`;

const EXPECTED_FILES = ['package/LICENSE', 'package/README.md', 'package/dist/bundle/slo.cjs', 'package/package.json'];

let tmp: string;
let tarball: string;
let packed: Record<string, unknown> & { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
let packedText: string;
let prefix: string;
let slo: string;
let team: string;
let packSeconds = 0;
let installSeconds = 0;

/** Runs the installed `slo` in the team's directory with a PATH that holds no workspace `slo`. */
function sloRun(...args: string[]) {
  return run(slo, args, { cwd: team, env: { ...process.env, PATH: pathOutsideWorkspace(path.join(prefix, 'bin')), NODE_PATH: '' } });
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'slo-pack-'));
  const packDir = path.join(tmp, 'pack');
  mkdirSync(packDir);
  let t = Date.now();
  const pack = run('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', packDir], { cwd: CLI_DIR, timeoutMs: 180_000 });
  packSeconds = (Date.now() - t) / 1000;
  if (pack.status !== 0) throw new Error(`pnpm pack failed\n${output(pack)}`);
  const tgz = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  if (tgz.length !== 1) throw new Error(`expected one tarball in ${packDir}, found ${tgz.join(', ') || 'none'}`);
  tarball = path.join(packDir, tgz[0]!);
  const extracted = run('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: tmp });
  if (extracted.status !== 0) throw new Error(output(extracted));
  packedText = extracted.stdout;
  packed = JSON.parse(packedText);

  prefix = path.join(tmp, 'prefix');
  t = Date.now();
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', PATH: pathOutsideWorkspace() };
  const install = run('npm', ['install', '-g', '--prefix', prefix, tarball], { cwd: tmp, env, timeoutMs: 240_000 });
  installSeconds = (Date.now() - t) / 1000;
  if (install.status !== 0) throw new Error(`npm install -g of the tarball failed\n${output(install)}`);
  slo = path.join(prefix, 'bin', 'slo');

  team = path.join(tmp, 'team-repo');
  mkdirSync(path.join(team, 'specs'), { recursive: true });
  writeFileSync(path.join(team, 'specs', 'checkout.yaml'), SPEC);
  writeFileSync(path.join(team, 'overrides.jsonnet'), OVERRIDES);
  process.stdout.write(`pack test: pnpm pack ${packSeconds.toFixed(1)} s, npm install -g ${installSeconds.toFixed(1)} s, tarball ${statSync(tarball).size} bytes\n`);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  test('holds the bundle, README.md, LICENSE and package.json only', () => {
    const list = run('tar', ['-tzf', tarball], { cwd: tmp });
    expect(list.status).toBe(0);
    const files = list.stdout.split('\n').filter(Boolean).sort();
    expect(files).toEqual(EXPECTED_FILES);
    expect(files.filter((f) => /\/src\/|\.test\.|\.map$|\.ts$/.test(f))).toEqual([]);
  });

  test('its package.json is publishable: no workspace deps, bin, engines, license, files', () => {
    expect(packedText).not.toContain('workspace:');
    expect(packed.private).toBeUndefined();
    expect(packed.name).toBe('@slo-engine/cli');
    expect(packed.version).toBe(JSON.parse(readFileSync(path.join(CLI_DIR, 'package.json'), 'utf8')).version);
    expect(packed.license).toBe('Apache-2.0');
    expect(packed.bin).toEqual({ slo: 'dist/bundle/slo.cjs' });
    expect(packed.engines).toEqual({ node: '>=20' });
    expect(packed.files).toEqual(['dist/bundle/slo.cjs', 'README.md', 'LICENSE']);
    // every field that names a file names one in the tarball
    expect(EXPECTED_FILES).toContain(`package/${packed.main as string}`);
    expect(packed.types).toBeUndefined();
    // pack-time scripts do not travel
    expect((packed.scripts as Record<string, string> | undefined)?.prepack).toBeUndefined();
    // the workspace packages are bundled; third-party packages are real dependencies at exact versions
    const deps = packed.dependencies ?? {};
    expect(Object.keys(deps).filter((d) => d.startsWith('@slo-engine/'))).toEqual([]);
    for (const [name, version] of Object.entries(deps)) expect(`${name}@${version}`).toMatch(/@\d+\.\d+\.\d+$/);
    for (const name of ['commander', 'yaml', 'js-yaml', 'zod', '@arakoodev/jsonnet', '@prometheus-io/lezer-promql', '@grafana/schema']) expect(deps).toHaveProperty([name]);
  });

  test('the bundle starts with a node shebang and requires no workspace package', () => {
    const bundle = run('tar', ['-xzOf', tarball, 'package/dist/bundle/slo.cjs'], { cwd: tmp }).stdout;
    expect(bundle.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(bundle).not.toMatch(/require\(["']@slo-engine\//);
    expect(bundle).not.toContain(ROOT);
  });
});

describe('slo installed globally from the tarball', () => {
  test('installs the third-party dependencies and no workspace package', () => {
    const installed = path.join(prefix, 'lib', 'node_modules', '@slo-engine', 'cli');
    expect(existsSync(path.join(installed, 'dist', 'bundle', 'slo.cjs'))).toBe(true);
    expect(statSync(slo).mode & 0o111).not.toBe(0);
    const modules = path.join(installed, 'node_modules');
    for (const dep of Object.keys(packed.dependencies ?? {})) {
      // npm hoists into the package's own node_modules (global installs nest under the package)
      expect(existsSync(path.join(modules, ...dep.split('/'), 'package.json'))).toBe(true);
    }
    expect(existsSync(path.join(modules, '@slo-engine'))).toBe(false);
  });

  test('slo --version prints the package version', () => {
    const r = sloRun('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(packed.version);
  });

  test('slo validate accepts the spec folder and rejects a broken one', () => {
    const ok = sloRun('validate', 'specs/');
    expect({ status: ok.status, out: output(ok) }).toMatchObject({ status: 0 });
    mkdirSync(path.join(team, 'broken'), { recursive: true });
    writeFileSync(path.join(team, 'broken', 'slo.yaml'), SPEC.replace('target: 0.99', 'target: 1.5'));
    const bad = sloRun('validate', 'broken/');
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/broken\/slo\.yaml:\d+:\d+/);
  });

  test('slo compile writes rule files, promtool tests and dashboards; promtool accepts them', () => {
    const r = sloRun('compile', 'specs/');
    expect({ status: r.status, out: output(r) }).toMatchObject({ status: 0 });
    const rules = path.join(team, 'rules-out', 'shop');
    expect(readdirSync(rules).sort()).toEqual([
      'checkout-availability.prometheusrule.yaml',
      'checkout-availability.rules.yaml',
      'checkout-availability.test-shared.yaml',
      'checkout-availability.test.yaml',
    ]);
    const ruleFile = parse(readFileSync(path.join(rules, 'checkout-availability.rules.yaml'), 'utf8')) as { groups: { rules: { alert?: string; record?: string }[] }[] };
    expect(ruleFile.groups.length).toBeGreaterThan(0);
    expect(ruleFile.groups.flatMap((g) => g.rules).some((x) => x.alert)).toBe(true);
    const dashboards = path.join(team, 'dashboards-out');
    expect(readdirSync(path.join(dashboards, 'shop'))).toEqual(['checkout-availability.json']);
    const dashboard = JSON.parse(readFileSync(path.join(dashboards, 'shop', 'checkout-availability.json'), 'utf8')) as { panels: unknown[]; title: string };
    expect(dashboard.panels.length).toBeGreaterThan(0);
    expect(existsSync(path.join(dashboards, 'overview.json'))).toBe(true);

    const promtool = promtoolDir();
    if (!promtool) {
      process.stdout.write('pack test: promtool not found (.tools/bin or PATH): skipped promtool check rules / test rules of the installed CLI output\n');
      return;
    }
    const check = run(path.join(promtool, 'promtool'), ['check', 'rules', 'checkout-availability.rules.yaml'], { cwd: rules });
    expect({ status: check.status, out: output(check) }).toMatchObject({ status: 0 });
    const unit = run(path.join(promtool, 'promtool'), ['test', 'rules', 'checkout-availability.test.yaml'], { cwd: rules });
    expect({ status: unit.status, out: output(unit) }).toMatchObject({ status: 0 });
  });

  test('slo compile --check passes on fresh output and fails once the spec changes', () => {
    const fresh = sloRun('compile', '--check', 'specs/');
    expect({ status: fresh.status, out: output(fresh) }).toMatchObject({ status: 0 });
    const spec = path.join(team, 'specs', 'checkout.yaml');
    writeFileSync(spec, SPEC.replace('target: 0.99', 'target: 0.995'));
    try {
      const stale = sloRun('compile', '--check', 'specs/');
      expect(stale.status).toBe(1);
      expect(stale.stdout + stale.stderr).toContain('checkout-availability');
    } finally {
      writeFileSync(spec, SPEC);
    }
  });

  test('dashboard overrides run through the jsonnet WebAssembly engine of the installed package', () => {
    const r = sloRun('compile', 'specs/', '--rules-out', 'rules-jsonnet', '--dashboards-out', 'dashboards-jsonnet', '--dashboard-overrides', 'overrides.jsonnet');
    expect({ status: r.status, out: output(r) }).toMatchObject({ status: 0 });
    const dashboard = JSON.parse(readFileSync(path.join(team, 'dashboards-jsonnet', 'shop', 'checkout-availability.json'), 'utf8')) as { tags: string[] };
    expect(dashboard.tags).toContain('team-shop');
  });
});
