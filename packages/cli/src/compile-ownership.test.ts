// @integration: runs the built slo command
/**
 * `slo compile` never removes what another compile wrote: each output folder keeps .slo-engine-manifest, the files
 * each input generated, and a compile prunes only files its own inputs generated before. Through the built binary,
 * on real folders.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MAIN = path.resolve(__dirname, '../dist/main.js');
const MANIFEST = '.slo-engine-manifest';

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error('run pnpm build first: packages/cli/dist/main.js is missing');
});
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-own-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function slo(args: string[], cwd = tmp) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A self-contained SLO (its SLI inline): service and name. */
const spec = (service: string, name: string) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
spec:
  service: ${service}
  indicator:
    metadata:
      name: ${name}-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="${service}",code=~"5.."}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="${service}"}
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
`;

function write(files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), content);
  }
}

/** Every file below dir (relative to tmp), sorted. */
function tree(dir: string): string[] {
  const root = path.join(tmp, dir);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(tmp, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

const read = (rel: string) => fs.readFileSync(path.join(tmp, rel), 'utf8');

/** The files one SLO has in each kind of output folder. */
const ruleFiles = (dir: string, service: string, name: string) => ['prometheusrule', 'rules', 'test'].map((k) => `${dir}/${service}/${name}.${k}.yaml`);
// per-slo: one file set per SLO keeps the counts below about ownership; the shared file has tests of its own
const OUT = ['--rules-out', 'out/rules', '--dashboards-out', 'out/boards', '--layout', 'per-slo'];

/** Two sets of specs: a/ (shop: cart, pay) and b/ (books: search). */
function twoSets(): void {
  write({ 'a/one.yaml': spec('shop', 'cart'), 'a/two.yaml': spec('shop', 'pay'), 'b/three.yaml': spec('books', 'search') });
}

const SET_A = [...ruleFiles('out/rules', 'shop', 'cart'), ...ruleFiles('out/rules', 'shop', 'pay')];
const SET_B = ruleFiles('out/rules', 'books', 'search');

describe('two sets of specs in one output folder', () => {
  it("the second compile keeps the first set's files, and recompiling either removes nothing of the other", () => {
    twoSets();
    expect(slo(['compile', 'a', ...OUT])).toEqual({ code: 0, stdout: '2 SLOs compiled: 6 files in out/rules (6 updated), 3 files in out/boards (3 updated)\n', stderr: '' });
    // overview.json is the same for every set: it lists SLOs by tag, not by name
    expect(slo(['compile', 'b', ...OUT])).toEqual({ code: 0, stdout: '1 SLO compiled: 3 files in out/rules (3 updated), 2 files in out/boards (1 updated)\n', stderr: '' });
    expect(tree('out/rules')).toEqual([`out/rules/${MANIFEST}`, ...SET_B, ...SET_A].sort());
    expect(tree('out/boards')).toEqual([`out/boards/${MANIFEST}`, 'out/boards/books/search.json', 'out/boards/overview.json', 'out/boards/shop/cart.json', 'out/boards/shop/pay.json']);
    expect(slo(['compile', 'a', ...OUT])).toEqual({ code: 0, stdout: '2 SLOs compiled: 6 files in out/rules (0 updated), 3 files in out/boards (0 updated)\n', stderr: '' });
    for (const set of ['a', 'b']) expect(slo(['compile', set, ...OUT, '--check'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('the manifest lists, per input (relative to the folder), the files it generated: sorted, the same from any working directory', () => {
    twoSets();
    expect(slo(['compile', 'a', ...OUT]).code).toBe(0);
    expect(slo(['compile', 'b', ...OUT]).code).toBe(0);
    expect(read(`out/boards/${MANIFEST}`)).toBe(
      `${JSON.stringify(
        {
          note: 'slo compile records here which files each input generated, so that it only ever removes files its own inputs generated before; do not edit',
          version: 1,
          sources: [
            { source: '../../a/one.yaml', files: ['overview.json', 'shop/cart.json'] },
            { source: '../../a/two.yaml', files: ['overview.json', 'shop/pay.json'] },
            { source: '../../b/three.yaml', files: ['books/search.json', 'overview.json'] },
          ],
        },
        null,
        2,
      )}\n`,
    );
    const first = read(`out/rules/${MANIFEST}`);
    // the same compile given absolute paths, from another working directory: byte for byte the same manifest
    fs.rmSync(path.join(tmp, 'out'), { recursive: true });
    const abs = (p: string) => path.join(tmp, p);
    expect(slo(['compile', abs('b'), '--rules-out', abs('out/rules'), '--dashboards-out', abs('out/boards'), '--layout', 'per-slo'], os.tmpdir()).code).toBe(0);
    expect(slo(['compile', abs('a'), '--rules-out', abs('out/rules'), '--dashboards-out', abs('out/boards'), '--layout', 'per-slo'], os.tmpdir()).code).toBe(0);
    expect(read(`out/rules/${MANIFEST}`)).toBe(first);
    expect(first).not.toContain(tmp);
  });
});

describe('a compile removes only what its own inputs generated before', () => {
  const renamed = (dir: string) => [
    `removed ${dir}/rules/shop/cart.prometheusrule.yaml (generated before from a/one.yaml, no longer produced)`,
    `removed ${dir}/rules/shop/cart.rules.yaml (generated before from a/one.yaml, no longer produced)`,
    `removed ${dir}/rules/shop/cart.test.yaml (generated before from a/one.yaml, no longer produced)`,
    `removed ${dir}/boards/shop/cart.json (generated before from a/one.yaml, no longer produced)`,
  ];
  const dropped = (from: string) => [
    `removed out/rules/shop/pay.prometheusrule.yaml (generated before from ${from}, no longer produced)`,
    `removed out/rules/shop/pay.rules.yaml (generated before from ${from}, no longer produced)`,
    `removed out/rules/shop/pay.test.yaml (generated before from ${from}, no longer produced)`,
    `removed out/boards/shop/pay.json (generated before from ${from}, no longer produced)`,
  ];

  it.each([
    {
      name: "an SLO renamed in its file: the old name's files go",
      change: () => write({ 'a/one.yaml': spec('shop', 'basket') }),
      flags: [] as string[],
      removed: renamed('out'),
      summary: '2 SLOs compiled: 6 files in out/rules (3 updated, 3 removed), 3 files in out/boards (1 updated, 1 removed)',
      gone: ruleFiles('out/rules', 'shop', 'cart'),
    },
    {
      name: 'a file deleted from the folder: its files go',
      change: () => fs.rmSync(path.join(tmp, 'a/two.yaml')),
      flags: [],
      removed: dropped('a/two.yaml'),
      summary: '1 SLO compiled: 3 files in out/rules (0 updated, 3 removed), 2 files in out/boards (0 updated, 1 removed)',
      gone: ruleFiles('out/rules', 'shop', 'pay'),
    },
    {
      name: 'a file excluded: its files go',
      change: () => {},
      flags: ['--exclude', 'two.yaml'],
      removed: dropped('a/two.yaml'),
      summary: '1 SLO compiled: 3 files in out/rules (0 updated, 3 removed), 2 files in out/boards (0 updated, 1 removed)',
      gone: ruleFiles('out/rules', 'shop', 'pay'),
    },
  ])("$name, listed by --check, removed and said, and the other set's files stay", ({ change, flags, removed, summary, gone }) => {
    twoSets();
    expect(slo(['compile', 'a', ...OUT]).code).toBe(0);
    expect(slo(['compile', 'b', ...OUT]).code).toBe(0);
    change();
    const check = slo(['compile', 'a', ...OUT, ...flags, '--check']);
    expect(check.code).toBe(1);
    // --check lists what compile would remove, with the same reason
    expect(check.stderr.split('\n').filter((l) => l.startsWith('extra'))).toEqual(removed.map((l) => l.replace(/^removed /, 'extra    ')));
    expect(slo(['compile', 'a', ...OUT, ...flags])).toEqual({ code: 0, stdout: `${removed.join('\n')}\n${summary}\n`, stderr: '' });
    for (const f of gone) expect(fs.existsSync(path.join(tmp, f))).toBe(false);
    for (const f of SET_B) expect(fs.existsSync(path.join(tmp, f))).toBe(true);
    expect(slo(['compile', 'a', ...OUT, ...flags, '--check'])).toMatchObject({ code: 0, stderr: '' });
    expect(slo(['compile', 'b', ...OUT, '--check'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('--chart-files copies follow the same rule', () => {
    twoSets();
    const outs = [...OUT, '--chart-files', 'chart/files'];
    expect(slo(['compile', 'a', ...outs]).code).toBe(0);
    // the routing sums up every input, as the shared layout's file does: it now holds set b's targets, and says so
    const shared = (f: string) =>
      `note: chart/files/alertmanager/${f} was generated from other inputs too (a/one.yaml, a/two.yaml); it now holds what these inputs generate: give each set of inputs its own output folders to keep both\n`;
    expect(slo(['compile', 'b', ...outs])).toEqual({
      code: 0,
      stdout:
        '1 SLO compiled: 3 files in out/rules (3 updated), 1 file in chart/files/rules (1 updated), 2 files in out/boards (1 updated), 2 files in chart/files/dashboards (1 updated), 2 files in chart/files/alertmanager (2 updated)\n',
      stderr: shared('alertmanager.yml') + shared('alertmanagerconfig.yaml'),
    });
    write({ 'a/one.yaml': spec('shop', 'basket') });
    const r = slo(['compile', 'a', ...outs]);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('removed'))).toEqual([
      ...renamed('out').slice(0, 3),
      'removed chart/files/rules/shop/cart.rules.yaml (generated before from a/one.yaml, no longer produced)',
      renamed('out')[3],
      'removed chart/files/dashboards/shop/cart.json (generated before from a/one.yaml, no longer produced)',
    ]);
    expect(tree('chart/files/rules')).toEqual([
      'chart/files/rules/.slo-engine-manifest',
      'chart/files/rules/books/search.rules.yaml',
      'chart/files/rules/shop/basket.rules.yaml',
      'chart/files/rules/shop/pay.rules.yaml',
    ]);
  });

  it('a manifest entry whose file is gone by hand is out of date for --check until compile rewrites the manifest', () => {
    twoSets();
    expect(slo(['compile', 'a', ...OUT]).code).toBe(0);
    fs.rmSync(path.join(tmp, 'a/two.yaml'));
    for (const f of [...ruleFiles('out/rules', 'shop', 'pay'), 'out/boards/shop/pay.json']) fs.rmSync(path.join(tmp, f));
    expect(slo(['compile', 'a', ...OUT, '--check'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `changed  out/rules/${MANIFEST} (it records files these inputs no longer generate)\n` +
        `changed  out/boards/${MANIFEST} (it records files these inputs no longer generate)\n` +
        '2 generated files out of date; run slo compile\n',
    });
    expect(slo(['compile', 'a', ...OUT])).toEqual({ code: 0, stdout: '1 SLO compiled: 3 files in out/rules (0 updated), 2 files in out/boards (0 updated)\n', stderr: '' });
    expect(slo(['compile', 'a', ...OUT, '--check'])).toEqual({ code: 0, stdout: '5 files up to date\n', stderr: '' });
    expect(read(`out/rules/${MANIFEST}`)).not.toContain('pay');
  });
});

describe('files every SLO of a compile feeds', () => {
  it('two sets in one folder each keep their own shared rule file, named after their inputs, and recompiling one leaves the other', () => {
    write({ 'a/one.yaml': spec('shop', 'cart'), 'b/two.yaml': spec('books', 'search'), 'b/three.yaml': spec('books', 'lookup') });
    const shared = [...OUT, '--layout', 'shared'];
    expect(slo(['compile', 'b', ...shared]).code).toBe(0);
    expect(slo(['compile', 'a', ...shared])).toEqual({ code: 0, stdout: '1 SLO compiled: 6 files in out/rules (6 updated), 2 files in out/boards (1 updated)\n', stderr: '' });
    expect(tree('out/rules').filter((f) => f.startsWith('out/rules/shared-'))).toEqual([
      'out/rules/shared-a.prometheusrule.yaml',
      'out/rules/shared-a.rules.yaml',
      'out/rules/shared-b.prometheusrule.yaml',
      'out/rules/shared-b.rules.yaml',
    ]);
    // each reads only its own SLOs
    expect(read('out/rules/shared-a.rules.yaml')).toContain('slo_name="cart",slo_service="shop"');
    expect(read('out/rules/shared-a.rules.yaml')).not.toContain('books');
    expect(read('out/rules/shared-b.rules.yaml')).toContain('slo_name=~"lookup|search",slo_service="books"');
    // the same inputs given another way (an absolute path) name the same file (the headers then show that path)
    const before = tree('out/rules');
    expect(slo(['compile', path.join(tmp, 'b'), ...shared])).toMatchObject({ code: 0, stderr: '' });
    expect(tree('out/rules')).toEqual(before);
    expect(tree('out/rules').filter((f) => f.startsWith('out/rules/shared-a.'))).toHaveLength(2);
    // back to per-slo for a: its shared files go, b's stay
    expect(slo(['compile', 'a', ...OUT])).toMatchObject({ code: 0, stdout: expect.stringContaining('removed out/rules/shared-a.rules.yaml') });
    expect(tree('out/rules').filter((f) => f.startsWith('out/rules/shared-'))).toEqual(['out/rules/shared-b.prometheusrule.yaml', 'out/rules/shared-b.rules.yaml']);
  });
});

describe('what a compile leaves alone', () => {
  it('only --rules-out given: the default dashboards-out of another set keeps every file', () => {
    write({ 'slo-specs/one.yaml': spec('shop', 'cart'), 'slo-specs/two.yaml': spec('shop', 'pay'), 'my.yaml': spec('books', 'search') });
    expect(slo(['compile']).code).toBe(0);
    const before = tree('dashboards-out').map((f): [string, string] => [f, read(f)]);
    expect(slo(['compile', 'my.yaml', '--rules-out', 'x'])).toEqual({ code: 0, stdout: '1 SLO compiled: 6 files in x (6 updated), 2 files in dashboards-out (1 updated)\n', stderr: '' });
    const after = new Map(tree('dashboards-out').map((f) => [f, read(f)]));
    for (const [f, text] of before) if (f !== `dashboards-out/${MANIFEST}`) expect([f, after.get(f)]).toEqual([f, text]);
    expect(after.has('dashboards-out/books/search.json')).toBe(true);
    // the repository's own compile is still up to date, and its next run removes nothing of my.yaml's
    expect(slo(['compile', '--check'])).toMatchObject({ code: 0, stderr: '' });
    expect(slo(['compile'])).toMatchObject({ code: 0, stdout: '2 SLOs compiled: 10 files in rules-out (0 updated), 3 files in dashboards-out (0 updated)\n' });
    expect(fs.existsSync(path.join(tmp, 'dashboards-out/books/search.json'))).toBe(true);
  });

  it('hand-written files are never touched, even at a path these inputs generated before', () => {
    twoSets();
    expect(slo(['compile', 'a', ...OUT]).code).toBe(0);
    // replaced by hand (no generated header), and a file of the user's own beside the outputs
    write({ 'out/rules/shop/pay.rules.yaml': 'groups: [] # mine now\n', 'out/rules/shop/notes.yaml': 'groups: []\n' });
    fs.rmSync(path.join(tmp, 'a/two.yaml'));
    const r = slo(['compile', 'a', ...OUT]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('pay.rules.yaml');
    expect(read('out/rules/shop/pay.rules.yaml')).toBe('groups: [] # mine now\n');
    expect(read('out/rules/shop/notes.yaml')).toBe('groups: []\n');
    expect(read(`out/rules/${MANIFEST}`)).not.toContain('pay');
  });

  it.each([
    { name: 'one file', files: ['out/rules/old/x.rules.yaml'], list: 'out/rules/old/x.rules.yaml', it: 'it' },
    {
      name: 'many files (the first five named)',
      files: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => `out/rules/old/${n}.rules.yaml`),
      list: 'out/rules/old/a.rules.yaml, out/rules/old/b.rules.yaml, out/rules/old/c.rules.yaml, out/rules/old/d.rules.yaml, out/rules/old/e.rules.yaml and 2 more',
      it: 'them',
    },
  ])('generated files from before the manifest, of other inputs: left, said once ($name)', ({ files, list, it: pronoun }) => {
    twoSets();
    write(Object.fromEntries(files.map((f) => [f, '# Generated by slo-engine 0.0.1 from specs-of-old/x.yaml.\ngroups: []\n'])));
    const note =
      `note: left ${files.length === 1 ? '1 generated file' : `${files.length} generated files`} that no compile of these inputs recorded in ${MANIFEST} (written by an older slo compile, or from other inputs): ` +
      `${list}; delete ${pronoun} by hand if nothing generates ${pronoun} any more\n`;
    expect(slo(['compile', 'a', ...OUT])).toEqual({ code: 0, stdout: '2 SLOs compiled: 6 files in out/rules (6 updated), 3 files in out/boards (3 updated)\n', stderr: note });
    for (const f of files) expect(fs.existsSync(path.join(tmp, f))).toBe(true);
    // not out of date: they are not this compile's
    expect(slo(['compile', 'a', ...OUT, '--check'])).toEqual({ code: 0, stdout: '9 files up to date\n', stderr: note });
  });

  it('a folder compiled before the manifest existed: the first compile with it removes nothing it cannot attribute', () => {
    twoSets();
    expect(slo(['compile', 'a', ...OUT]).code).toBe(0);
    expect(slo(['compile', 'b', ...OUT]).code).toBe(0);
    for (const d of ['out/rules', 'out/boards']) fs.rmSync(path.join(tmp, d, MANIFEST));
    // b alone, as the older slo compile would have removed a's files: its header names b/three.yaml, a's do not
    const r = slo(['compile', 'b', ...OUT]);
    expect(r).toMatchObject({ code: 0, stdout: '1 SLO compiled: 3 files in out/rules (0 updated), 2 files in out/boards (0 updated)\n' });
    expect(r.stderr).toMatch(/^note: left 8 generated files that no compile of these inputs recorded in \.slo-engine-manifest /);
    for (const f of SET_A) expect(fs.existsSync(path.join(tmp, f))).toBe(true);
  });
});
