// @integration: runs promtool
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { planCompile } from '@slo-engine/pipeline';
import type { Layout } from '@slo-engine/rules';

/**
 * Real-world-shaped SLO specs (test/realworld/specs, one file per case): each compiles with the CLI's pipeline,
 * every rule file passes `promtool check rules`, and every generated test file passes `promtool test rules`
 * against the rules it ships with. A generated test that fails on its own rules is a defect.
 */

const ROOT = path.resolve(__dirname, '../..');
const SPECS = path.join(__dirname, 'specs');

/**
 * Specs whose SLI no input series can be synthesised for, so their generated tests cover zero traffic only;
 * compile must say so with a warning matching the pattern. Every other spec must get burn tests.
 */
const ZERO_TRAFFIC_ONLY: Record<string, RegExp> = {
  // min(expiry - time()): the value moves with the clock, no steady input holds it on either side of the threshold
  '34-cert-expiry.yaml': /tls-cert-expiry cover zero traffic only: .*time\(\)/,
  // count(gauge < 0.7) per subquery step: an event is a client, and one client is all or nothing
  '45-wifi-clients.yaml': /client-satisfaction cover zero traffic only/,
};

/**
 * Failures that come from the compiler, not from the generated tests: spec → why. Each listed spec must still
 * fail (so that a fix shows up here); remove the entry when the compiler is fixed.
 */
const PENDING_COMPILER_FIXES: Record<string, string> = {};

/** Specs also compiled together in the shared layout, where every test loads the shared groups beside the SLO's own. */
const SHARED_LAYOUT = [
  '04-http-latency-bucket.yaml',
  '09-probe-threshold-timeslices.yaml',
  '13-quantile-threshold-5m.yaml',
  '17-two-services-errors.yaml',
  '21-sloth-raw-probe.yaml',
  '35-grouped-by-route.yaml',
  '43-probe-raw-timeslices.yaml',
];

const specs = readdirSync(SPECS)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('error', (e) => resolve({ code: -1, output: `${e.message}: install promtool with scripts/setup-test-tools.sh` }));
    p.on('close', (code) => resolve({ code, output }));
  });
}

const compile = (spec: string | string[], layout?: Layout) =>
  planCompile(
    [spec].flat().map((s) => path.relative(ROOT, path.join(SPECS, s))),
    { strict: false, disableTier: [], layout },
    { cwd: ROOT, stdin: Readable.from([]) },
  );

/** promtool's output is long: keep the failing tests' lines and a little context. */
function excerpt(output: string): string {
  const lines = output.split('\n');
  const keep = lines.filter((l, i) => /FAILED|expr:|exp:|got:|error|Error/.test(l) || /FAILED/.test(lines[i - 1] ?? ''));
  return (keep.length ? keep : lines).slice(0, 60).join('\n');
}

interface Failure {
  file: string;
  command: string;
  output: string;
}

/** Writes the files under `out` and runs promtool on them: `check rules` on rule files, `test rules` on test files. */
async function promtoolAll(out: string, files: { path: string; content: string }[], only: (f: string) => boolean = () => true): Promise<Failure[]> {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(out, f.path)), { recursive: true });
    writeFileSync(path.join(out, f.path), f.content);
  }
  const failures: Failure[] = [];
  for (const f of files.filter((x) => only(x.path))) {
    const name = path.basename(f.path);
    const args = f.path.endsWith('.rules.yaml') ? ['check', 'rules', name] : f.path.endsWith('.test.yaml') ? ['test', 'rules', name] : undefined;
    if (!args) continue;
    const r = await run('promtool', args, path.dirname(path.join(out, f.path)));
    if (r.code !== 0 || !r.output.includes('SUCCESS')) failures.push({ file: f.path, command: `promtool ${args.join(' ')}`, output: excerpt(r.output) });
  }
  return failures;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slo-realworld-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the corpus holds the shapes it is meant to (and its lists name only existing specs)', () => {
  expect(specs.length).toBeGreaterThanOrEqual(30);
  for (const k of [...Object.keys(ZERO_TRAFFIC_ONLY), ...Object.keys(PENDING_COMPILER_FIXES)]) expect(specs).toContain(k);
});

describe.each(specs)('%s', (spec) => {
  const pending = PENDING_COMPILER_FIXES[spec];

  it(pending ? `still fails its generated tests (pending compiler fix: ${pending})` : 'compiles, and promtool passes its rules and generated tests', async () => {
    const plan = await compile(spec);
    expect(plan.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.pos.line}:${d.pos.column} ${d.message}`)).toEqual([]);
    expect(plan.files.length).toBeGreaterThan(0);

    const zeroOnly = plan.diagnostics.filter((d) => d.code === 'tests' && /zero traffic only|have no tests/.test(d.message)).map((d) => d.message);
    const expected = ZERO_TRAFFIC_ONLY[spec];
    if (expected) expect(zeroOnly).toEqual([expect.stringMatching(expected)]);
    else expect(zeroOnly).toEqual([]);

    const failures = await promtoolAll(path.join(dir, spec.replace(/\.ya?ml$/, '')), plan.files);
    if (pending) expect(failures.map((f) => f.file)).not.toEqual([]);
    else expect(failures).toEqual([]);
  }, 900_000);
});

describe('in the shared layout', () => {
  let files: { path: string; content: string }[] = [];
  beforeAll(async () => {
    const plan = await compile(SHARED_LAYOUT, 'shared');
    expect(plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    files = plan.files;
  });

  it.each(SHARED_LAYOUT)(
    '%s passes promtool with the shared groups',
    async (spec) => {
      // the SLOs of this spec: their service/name stems, read from the per-SLO layout's files
      const stems = (await compile(spec)).files.filter((f) => f.path.endsWith('.test.yaml')).map((f) => f.path.replace(/\.test\.yaml$/, ''));
      expect(stems.length).toBeGreaterThan(0);
      const mine = (p: string) => stems.some((s) => p.startsWith(`${s}.`)) || /^shared-[^/]*\.rules\.yaml$/.test(p);
      expect(await promtoolAll(path.join(dir, 'shared-layout'), files, mine)).toEqual([]);
    },
    900_000,
  );
});

it('compiles every spec byte-identically twice', async () => {
  for (const spec of specs) {
    const [a, b] = [await compile(spec), await compile(spec)];
    expect({ spec, files: b.files }).toEqual({ spec, files: a.files });
  }
}, 300_000);
