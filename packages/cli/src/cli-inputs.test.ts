// @integration: runs the built slo command
/**
 * The CLI's checks of what it is given, through the built binary: --disable-tier names, output paths that cannot
 * be written, folders that mix SLO specs with other YAML (--include, --exclude) and folders with no specs at all.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MAIN = path.resolve(__dirname, '../dist/main.js');
/** A folder of a team's repository: a Helm chart with templates, a Deployment manifest and two SLO specs. */
const MIXED = path.join(__dirname, 'fixtures/mixed');

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error('run pnpm build first: packages/cli/dist/main.js is missing');
});
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-inputs-'));
  fs.cpSync(MIXED, path.join(tmp, 'mixed'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'afile'), 'a file, not a folder\n');
  fs.mkdirSync(path.join(tmp, 'emptydir'));
});
afterEach(() => {
  // a read-only folder a test made must be writable again to be removed
  if (fs.existsSync(path.join(tmp, 'ro'))) fs.chmodSync(path.join(tmp, 'ro'), 0o755);
  fs.rmSync(tmp, { recursive: true, force: true });
});

function slo(args: string[]) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PROMETHEUS_URL: '' }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

const TIERS = 'page-fast, page-slow, ticket-fast, ticket-slow, page, ticket, no-data';
const OUTS = ['--rules-out', 'r', '--dashboards-out', 'd'];

describe('--disable-tier', () => {
  const unknown = (tier: string) => `error: --disable-tier ${tier} is not an alert tier; valid tiers: ${TIERS}, or an AlertCondition of these inputs: checkout-fast-burn, search-fast-burn\n`;

  it.each([
    { command: 'compile', args: ['compile', 'mixed/slos', ...OUTS, '--disable-tier', 'page-fst'], tier: 'page-fst' },
    { command: 'compile (the second of two)', args: ['compile', 'mixed/slos', ...OUTS, '--disable-tier', 'page', '--disable-tier', 'fast-burn'], tier: 'fast-burn' },
    { command: 'backfill', args: ['backfill', 'mixed/slos', '--out', 'blocks', '--disable-tier', 'page-fst'], tier: 'page-fst' },
    { command: 'backtest', args: ['backtest', 'mixed/slos', '--disable-tier', 'tickets'], tier: 'tickets' },
  ])('$command refuses an unknown tier with exit 2, listing the valid ones, and writes nothing', ({ args, tier }) => {
    expect(slo(args)).toMatchObject({ code: 2, stdout: '', stderr: unknown(tier) });
    expect(fs.readdirSync(tmp).sort()).toEqual(['afile', 'emptydir', 'mixed']);
  });

  it('inputs without AlertConditions say so', () => {
    fs.writeFileSync(path.join(tmp, 'plain.yaml'), fs.readFileSync(path.join(MIXED, 'slos/search.yaml'), 'utf8').replace(/\n {2}alertPolicies:[\s\S]*$/, '\n'));
    expect(slo(['compile', 'plain.yaml', ...OUTS, '--disable-tier', 'fast'])).toMatchObject({
      code: 2,
      stderr: `error: --disable-tier fast is not an alert tier; valid tiers: ${TIERS} (these inputs have no AlertConditions)\n`,
    });
  });

  it.each([['page-fast'], ['ticket'], ['no-data'], ['checkout-fast-burn']])('%s is a tier: compile exits 0', (tier) => {
    expect(slo(['compile', 'mixed/slos', ...OUTS, '--disable-tier', tier])).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('an output that cannot be written fails at once, before compiling', () => {
  const isRoot = process.getuid?.() === 0;
  const dir = (flag: string, given: string, reason: string) => `error: cannot write ${flag} ${given}: ${reason}; pass a directory you can write to\n`;
  const file = (flag: string, given: string, reason: string) => `error: cannot write ${flag} ${given}: ${reason}; pass a file in a directory you can write to\n`;
  const PROC = '/proc does not allow creating files (a special file system such as /proc)';

  const cases = [
    { name: '--rules-out under /proc', args: ['compile', 'mixed/slos', '--rules-out', '/proc/x'], stderr: dir('--rules-out', '/proc/x', PROC) },
    { name: '--dashboards-out under /proc', args: ['compile', 'mixed/slos', '--rules-out', 'r', '--dashboards-out', '/proc/x/y'], stderr: dir('--dashboards-out', '/proc/x/y', PROC) },
    { name: '--chart-files under /proc', args: ['compile', 'mixed/slos', ...OUTS, '--chart-files', '/proc/x'], stderr: dir('--chart-files', '/proc/x', PROC) },
    { name: '--mixin under /proc', args: ['compile', 'mixed/slos', ...OUTS, '--mixin', '/proc/x'], stderr: dir('--mixin', '/proc/x', PROC) },
    { name: '--rules-out below a file', args: ['compile', 'mixed/slos', '--rules-out', 'afile/rules'], stderr: dir('--rules-out', 'afile/rules', 'afile is a file, not a directory') },
    { name: '--dashboards-out is a file', args: ['compile', 'mixed/slos', '--rules-out', 'r', '--dashboards-out', 'afile'], stderr: dir('--dashboards-out', 'afile', 'it is a file, not a directory') },
    { name: 'backfill --out under /proc', args: ['backfill', 'mixed/slos', '--out', '/proc/blocks'], stderr: dir('--out', '/proc/blocks', PROC) },
    { name: 'backfill --out below a file', args: ['backfill', 'mixed/slos', '--out', 'afile/blocks'], stderr: dir('--out', 'afile/blocks', 'afile is a file, not a directory') },
    { name: 'backtest --out under /proc', args: ['backtest', 'mixed/slos', '--out', '/proc/backtest.txt'], stderr: file('--out', '/proc/backtest.txt', PROC) },
    { name: 'backtest --out in a missing folder', args: ['backtest', 'mixed/slos', '--out', 'no/such.txt'], stderr: file('--out', 'no/such.txt', 'its folder no does not exist') },
    { name: 'report --out below a file', args: ['report', 'mixed/slos', '--out', 'afile/report.txt'], stderr: file('--out', 'afile/report.txt', 'afile is a file, not a directory') },
    { name: 'report --out under /proc', args: ['report', 'mixed/slos', '--out', '/proc/report.html'], stderr: file('--out', '/proc/report.html', PROC) },
  ];

  it.each(cases)('$name: exit 2, one line, quickly', ({ args, stderr }) => {
    const r = slo(args);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '', stderr });
    expect(r.ms).toBeLessThan(10_000);
    expect(fs.readdirSync(tmp).sort()).toEqual(['afile', 'emptydir', 'mixed']);
  });

  // root may write into any folder whatever its mode, so only another user can see the refusal
  (isRoot ? it.skip : it)('a read-only folder (skipped when running as root: root may write anywhere)', () => {
    fs.mkdirSync(path.join(tmp, 'ro'));
    fs.chmodSync(path.join(tmp, 'ro'), 0o555);
    expect(slo(['compile', 'mixed/slos', '--rules-out', 'ro/rules', '--dashboards-out', 'd'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: dir('--rules-out', 'ro/rules', 'no permission to create files in ro'),
    });
    expect(slo(['backtest', 'mixed/slos', '--out', 'ro/out.txt'])).toMatchObject({ code: 2, stdout: '', stderr: file('--out', 'ro/out.txt', 'no permission to create files in ro') });
  });

  it('--check writes nothing, so it does not mind', () => {
    expect(slo(['compile', 'mixed/slos', '--rules-out', '/proc/x', '--dashboards-out', 'd', '--check'])).toMatchObject({ code: 1 });
  });
});

/**
 * These depend on the openslo package reporting the documents it skips (checkSources' `skipped`, skippedSummary,
 * readInputs' include and exclude) and the error for inputs without any spec.
 */
describe('a folder that mixes SLO specs with other YAML', () => {
  const SKIPPED = 'skipped 4 documents that are not SLO specs (no openslo apiVersion, no Sloth version)\n';

  it.each([
    { name: 'validate', args: ['validate', 'mixed'], code: 0, stdout: '6 files, 2 objects: valid\n', stderr: SKIPPED },
    { name: 'validate --include of the specs', args: ['validate', 'mixed', '--include', 'slos/**'], code: 0, stdout: '2 files, 2 objects: valid\n', stderr: '' },
    {
      name: 'validate --exclude of the chart and the manifests',
      args: ['validate', 'mixed', '--exclude', 'chart/**', '--exclude', 'mixed/k8s/*.yaml'],
      code: 0,
      stdout: '2 files, 2 objects: valid\n',
      stderr: '',
    },
    { name: 'compile', args: ['compile', 'mixed', ...OUTS], code: 0, stdout: '2 SLOs compiled: 10 files in r (10 updated), 3 files in d (3 updated)\n', stderr: SKIPPED },
  ])('$name: the summary line once, after the diagnostics', ({ args, code, stdout, stderr }) => {
    expect(slo(args)).toMatchObject({ code, stdout, stderr });
  });

  it.each([
    { name: 'validate', args: ['validate', 'mixed', '--exclude', 'slos/**'], last: '4 files, 0 objects: 1 error\n' },
    { name: 'compile', args: ['compile', 'mixed', ...OUTS, '--exclude', 'slos/*.yaml'], last: '1 error; nothing was written\n' },
    { name: 'backtest', args: ['backtest', 'mixed', '--exclude', 'slos/**'], last: '1 error; nothing was done\n' },
    { name: 'backfill', args: ['backfill', 'mixed', '--out', 'blocks', '--include', 'chart/**'], last: '1 error; nothing was done\n' },
  ])('$name with the specs excluded leaves nothing: exit 1', ({ args, last }) => {
    const r = slo(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe('mixed:1:1 error no OpenSLO or Sloth documents found in mixed [no-specs]');
    expect(lines[1]).toMatch(/^ {4}hint: /);
    expect(r.stderr.endsWith(last)).toBe(true);
    expect(fs.readdirSync(tmp).sort()).toEqual(['afile', 'emptydir', 'mixed']);
  });

  it('validate --format json lists the skipped documents', () => {
    const body = JSON.parse(slo(['validate', 'mixed', '--format', 'json']).stdout) as { valid: boolean; skipped: { file: string; line: number }[] };
    expect(body.valid).toBe(true);
    expect(body.skipped.map((s) => `${s.file}:${s.line}`)).toEqual(['mixed/chart/Chart.yaml:1', 'mixed/chart/templates/deployment.yaml:6', 'mixed/chart/values.yaml:1', 'mixed/k8s/deployment.yaml:1']);
  });
});

describe('a folder without any spec', () => {
  it.each([
    { args: ['validate', 'emptydir'], last: '0 files, 0 objects: 1 error' },
    { args: ['compile', 'emptydir', ...OUTS], last: '1 error; nothing was written' },
  ])('slo $args exits 1 and says so', ({ args, last }) => {
    const r = slo(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('emptydir:1:1 error no OpenSLO or Sloth documents found in emptydir [no-specs]');
    expect(lines.at(-1)).toBe(last);
    expect(fs.readdirSync(tmp).sort()).toEqual(['afile', 'emptydir', 'mixed']);
  });
});
