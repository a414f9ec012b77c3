// @integration: runs the built slo command
/**
 * End-to-end tests of the `slo` command line: they run the BUILT binary (packages/cli/dist/main.js)
 * in a child process, exactly as a user would, and check exit codes, stdout, stderr and positions.
 *
 * Build first: `cd /work/main && pnpm run build`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MAIN = path.resolve(__dirname, '../dist/main.js');
const REPO_ROOT = path.resolve(__dirname, '../../..');
const CLI_VERSION = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as { version: string }).version;

/** A stack trace line as Node prints it ("\n    at fn (file:1:2)"). */
const STACK_TRACE = /\n\s+at /;
const ESC = '\u001b[';

let tmp: string;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface RunOptions {
  cwd?: string;
  input?: string | Buffer;
  /** Variables to set (a string) or to remove (undefined) on top of this process's environment. */
  env?: Record<string, string | undefined>;
}

/** The environment of every run: this process's, without anything that changes colour unless a test asks. */
function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function slo(args: string[], opts: RunOptions = {}): RunResult {
  const started = Date.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: opts.cwd ?? tmp,
    input: opts.input ?? '',
    env: childEnv(opts.env),
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  // EPIPE is expected when the CLI stops reading an oversized standard input; anything else is a harness failure.
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - started };
}

/** Writes `files` (relative path → content) under `dir` (relative to the temp dir) and returns the directory. */
function writeFiles(dir: string, files: Record<string, string | Buffer>): string {
  const root = path.join(tmp, dir);
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return root;
}

/**
 * 1-based `line:col` of `needle` inside the single line of `text` that contains `lineMarker`.
 * `which: 'last'` takes the last occurrence of the needle on that line.
 */
function posOf(text: string, lineMarker: string, needle: string, which: 'first' | 'last' = 'first'): string {
  const lines = text.split('\n');
  const hits = lines.map((l, i) => (l.includes(lineMarker) ? i : -1)).filter((i) => i >= 0);
  if (hits.length !== 1) throw new Error(`fixture: "${lineMarker}" is on ${hits.length} lines, expected exactly one`);
  const i = hits[0]!;
  const line = lines[i]!;
  const col = which === 'first' ? line.indexOf(needle) : line.lastIndexOf(needle);
  if (col < 0) throw new Error(`fixture: "${needle}" is not on line ${i + 1}`);
  return `${i + 1}:${col + 1}`;
}

/** The diagnostic lines of a text report (not the hint lines, not the summary). */
function diagnosticLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^\S+:\d+:\d+ (error|warning) /.test(l));
}

// ---------------------------------------------------------------------------------------------
// Fixtures: small, readable OpenSLO documents.
// ---------------------------------------------------------------------------------------------

const DATASOURCE = `apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prometheus
spec:
  type: Prometheus
  connectionDetails:
    url: http://prometheus:9090
`;

const SERVICE_JSON = `{
  "apiVersion": "openslo/v1",
  "kind": "Service",
  "metadata": { "name": "orders" },
  "spec": { "description": "Orders API" }
}
`;

const SLI = `apiVersion: openslo/v1
kind: SLI
metadata:
  name: orders-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        metricSourceRef: prometheus
        spec:
          query: http_requests_total{job="orders",code=~"5.."}
    total:
      metricSource:
        metricSourceRef: prometheus
        spec:
          query: http_requests_total{job="orders"}
`;

/** A valid SLO referring to SLI orders-errors (defined in SLI, another file). */
const sloDoc = (name: string, target: string) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
spec:
  service: orders
  indicatorRef: orders-errors
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Orders without server errors
      target: ${target}
`;
const SLO = sloDoc('orders-availability', '0.99');

/** Two mistakes: a lower-case budgetingMethod and a target written as a percentage. */
const INVALID_SLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: orders-broken
spec:
  service: orders
  indicatorRef: orders-errors
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: occurrences
  objectives:
    - displayName: Orders without server errors
      target: 99.5
`;

/** Lints clean against the reference validator except for the upper-case name (RFC 1123 requires lower case). */
const DISPUTED_ALERT_POLICY = `apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: AlertPolicy
spec:
  alertWhenBreaching: true
  conditions:
    - kind: AlertCondition
      metadata:
        name: burn-2x-1h
      spec:
        severity: page
        condition:
          kind: burnrate
          op: gte
          threshold: 2
          lookbackWindow: 1h
          alertAfter: 5m
  notificationTargets:
    - kind: AlertNotificationTarget
      metadata:
        name: oncall
      spec:
        target: pagerduty
`;

/** A threshold SLI whose query is given by `queryLines` (already indented for `spec:` at 6 spaces). */
const sliWithQuery = (name: string, queryLines: string) => `apiVersion: openslo/v1
kind: SLI
metadata:
  name: ${name}
spec:
  thresholdMetric:
    metricSource:
      metricSourceRef: prometheus
      spec:
${queryLines}
`;

/** Nine levels of nine aliases: about 387 million nodes if expanded. */
const ALIAS_BOMB = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;

beforeAll(() => {
  if (!fs.existsSync(MAIN)) {
    throw new Error(`${MAIN} does not exist: run pnpm build first (cd /work/main && pnpm run build)`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-cli-test-'));
  writeFiles('.', {
    'datasource.yaml': DATASOURCE,
    'service.json': SERVICE_JSON,
    'sli.yaml': SLI,
    'slo.yaml': SLO,
    'invalid.yaml': INVALID_SLO,
    'disputed.yaml': DISPUTED_ALERT_POLICY,
  });
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('help, version and usage errors', () => {
  test.each([
    { args: ['--help'], mentions: ['Usage: slo', 'validate'] },
    { args: ['-h'], mentions: ['Usage: slo', 'validate'] },
    { args: ['validate', '--help'], mentions: ['Usage: slo validate', '--strict', '--format', 'json'] },
    { args: ['help', 'validate'], mentions: ['Usage: slo validate', '--strict', '--format'] },
  ])('slo $args exits 0 and mentions $mentions', ({ args, mentions }) => {
    const r = slo(args);
    expect(r.code).toBe(0);
    for (const m of mentions) expect(r.stdout).toContain(m);
    expect(r.stderr).toBe('');
  });

  test.each([['--version'], ['-V']])('slo %s prints the version from packages/cli/package.json', (flag) => {
    const r = slo([flag]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(CLI_VERSION);
    expect(r.stderr).toBe('');
  });

  test('no arguments prints the usage and exits 2', () => {
    const r = slo([]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain('Usage: slo');
    expect(r.stdout + r.stderr).toContain('validate');
  });

  test.each([
    { args: ['--bogus'], message: /unknown option '--bogus'/ },
    { args: ['validate', '--bogus'], message: /unknown option '--bogus'/ },
    { args: ['frobnicate'], message: /unknown command 'frobnicate'/ },
    { args: ['valdate'], message: /unknown command 'valdate'[\s\S]*validate/ },
    { args: ['validate', '--format', 'yaml'], message: /'yaml' is invalid[\s\S]*text, json/ },
    { args: ['validate', '--format=yaml', 'slo.yaml'], message: /'yaml' is invalid/ },
    { args: ['validate', '--format'], message: /argument missing/ },
  ])('slo $args is a usage error: exit 2, a message, no stack trace', ({ args, message }) => {
    const r = slo(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('--help');
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.stdout).toBe('');
  });
});

describe('valid input', () => {
  test('a valid directory (read recursively; .yaml, .yml, .json) exits 0 with the summary on stdout only', () => {
    const dir = writeFiles('valid', {
      'datasource.yaml': DATASOURCE,
      'orders/service.json': SERVICE_JSON,
      'orders/slo.yml': `${SLI}---\n${SLO}`,
      'README.md': 'not a spec: ignored\n',
      '.hidden.yaml': 'this: [is not: valid yaml\n', // dot files are skipped
    });
    const r = slo(['validate', path.basename(dir)]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('3 files, 4 objects: valid\n');
    expect(r.code).toBe(0);
  });

  test("the repository's own slo-specs validates by default (cwd = repo root, no path)", () => {
    const r = slo(['validate'], { cwd: REPO_ROOT });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+ files?, \d+ objects?: valid\n$/);
    expect(r.code).toBe(0);
  });
});

describe('invalid input: every error, located', () => {
  test('a document with two mistakes reports both, each at file:line:col of the offending value, with hints', () => {
    const r = slo(['validate', 'invalid.yaml', 'sli.yaml', 'datasource.yaml', 'service.json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = diagnosticLines(r.stderr);
    expect(lines).toHaveLength(2);

    const budgeting = `invalid.yaml:${posOf(INVALID_SLO, 'budgetingMethod:', 'occurrences')} error spec.budgetingMethod:`;
    const target = `invalid.yaml:${posOf(INVALID_SLO, 'target:', '99.5')} error spec.objectives[0].target:`;
    expect(budgeting).toMatch(/^invalid\.yaml:11:20 /); // sanity check of the fixture arithmetic
    expect(target).toMatch(/^invalid\.yaml:14:15 /);
    expect(lines[0]).toMatch(new RegExp(`^${escapeRe(budgeting)}`));
    expect(lines[1]).toMatch(new RegExp(`^${escapeRe(target)}`));

    expect(r.stderr).toContain('hint: did you mean "Occurrences"?');
    // The target hint explains that target is a fraction.
    expect(r.stderr).toMatch(/spec\.objectives\[0\]\.target: .*99\.5.*\n {4}hint: .*(0\.995|targetPercent)/);
    expect(r.stderr).toMatch(/: 2 errors\n$/);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  const PLAIN = `        query: rate(http_requests_total{job="orders"}[5m]) * * 2`;
  const LITERAL = ['        query: |', '          sum(', '            rate(http_requests_total{job="orders"}[5m])', '          ) by (code))'].join('\n');
  const LITERAL_RANGE = ['        query: |', '          sum(', '            rate(http_requests_total{job="orders"}[5m)', '          )'].join('\n');
  const SINGLE_QUOTED = `        query: 'rate(http_requests_total{job="orders"}[5m]) * * 2'`;
  // `|2`: content is indented 2 beyond the parent (8 + 2 = 10), so the value keeps 2 leading spaces of the 12.
  const LITERAL_INDENT_INDICATOR = ['        query: |2', '            rate(http_requests_total[5m]) * * 2'].join('\n');

  test.each([
    { name: 'plain one-line scalar', lines: PLAIN, marker: 'query:', needle: '* 2', which: 'first' as const, message: 'unexpected "*"' },
    { name: 'query: | literal block', lines: LITERAL, marker: ') by (code))', needle: ')', which: 'last' as const, message: 'unexpected ")"' },
    { name: 'query: | literal block, unclosed range', lines: LITERAL_RANGE, marker: '[5m)', needle: ')', which: 'last' as const, message: 'expected "]"' },
    { name: 'single-quoted scalar', lines: SINGLE_QUOTED, marker: 'query:', needle: '* 2', which: 'first' as const, message: 'unexpected "*"' },
    { name: 'literal block with an indentation indicator (|2)', lines: LITERAL_INDENT_INDICATOR, marker: 'rate(', needle: '* 2', which: 'first' as const, message: 'unexpected "*"' },
  ])('a PromQL syntax error in a $name points at the offending character', ({ name, lines, marker, needle, which, message }) => {
    const file = `promql-${name.replace(/\W+/g, '-')}.yaml`;
    const text = sliWithQuery('broken-query', lines);
    writeFiles('.', { [file]: text });
    const r = slo(['validate', 'datasource.yaml', file]);
    expect(r.code).toBe(1);
    const diags = diagnosticLines(r.stderr);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toContain('[promql]');
    expect(diags[0]).toContain(message);
    expect(diags[0]).toMatch(new RegExp(`^${escapeRe(file)}:${posOf(text, marker, needle, which)} error spec\\.thresholdMetric\\.metricSource\\.spec\\.query: invalid PromQL`));
  });
});

describe('references and duplicates across inputs', () => {
  test('a reference to an SLI no input defines is a missing-reference warning naming kind and name (exit 0)', () => {
    const r = slo(['validate', 'slo.yaml']);
    expect(r.code).toBe(0);
    const diags = diagnosticLines(r.stderr);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatch(new RegExp(`^slo\\.yaml:${posOf(SLO, 'indicatorRef:', 'orders-errors')} warning spec\\.indicatorRef: `));
    expect(diags[0]).toContain('[missing-reference]');
    expect(r.stderr).toContain('SLI "orders-errors"');
    expect(r.stdout).toBe('1 file, 1 object: valid, 1 warning\n');
  });

  test('passing the defining files too removes the warning', () => {
    const r = slo(['validate', 'slo.yaml', 'sli.yaml', 'datasource.yaml']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('3 files, 3 objects: valid\n');
    expect(r.code).toBe(0);
  });

  test('two different SLOs with the same name in two files: exit 1, both places reported', () => {
    writeFiles('dup', { 'a.yaml': sloDoc('orders-availability', '0.99'), 'b.yaml': sloDoc('orders-availability', '0.95') });
    const r = slo(['validate', 'dup', 'sli.yaml', 'datasource.yaml']);
    expect(r.code).toBe(1);
    const at = posOf(SLO, 'name: orders-availability', 'orders-availability');
    const diags = diagnosticLines(r.stderr);
    expect(diags).toHaveLength(2);
    expect(diags[0]).toMatch(new RegExp(`^dup/a\\.yaml:${at} error metadata\\.name: .*dup/b\\.yaml:${at}.*\\[duplicate-name\\]`));
    expect(diags[1]).toMatch(new RegExp(`^dup/b\\.yaml:${at} error metadata\\.name: .*dup/a\\.yaml:${at}.*\\[duplicate-name\\]`));
    expect(r.stdout).toBe('');
  });
});

describe('disputed documents and --strict', () => {
  test('an upper-case AlertPolicy name is accepted with one warning by default', () => {
    const r = slo(['validate', 'disputed.yaml']);
    expect(r.code).toBe(0);
    const diags = diagnosticLines(r.stderr);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatch(/^disputed\.yaml:4:9 warning metadata\.name: .*"AlertPolicy"/);
    expect(r.stdout).toBe('1 file, 1 object: valid, 1 warning\n');
  });

  test('--strict rejects it: exit 1', () => {
    const r = slo(['validate', '--strict', 'disputed.yaml']);
    expect(r.code).toBe(1);
    const diags = diagnosticLines(r.stderr);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatch(/^disputed\.yaml:4:9 error metadata\.name: .*\[name-format\]/);
    expect(r.stdout).toBe('');
  });
});

describe('standard input', () => {
  test('valid input on - exits 0', () => {
    const r = slo(['validate', '-'], { input: `${DATASOURCE}---\n${SLI}` });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1 file, 2 objects: valid\n');
    expect(r.code).toBe(0);
  });

  test('invalid input on - exits 1 and reports positions in <stdin>', () => {
    const r = slo(['validate', '-', 'sli.yaml', 'datasource.yaml'], { input: INVALID_SLO });
    expect(r.code).toBe(1);
    const diags = diagnosticLines(r.stderr);
    expect(diags).toHaveLength(2);
    expect(diags[0]).toMatch(/^<stdin>:11:20 error spec\.budgetingMethod: /);
    expect(diags[1]).toMatch(/^<stdin>:14:15 error spec\.objectives\[0\]\.target: /);
    expect(r.stdout).toBe('');
  });

  test('mixing - and files: references resolve across them', () => {
    const r = slo(['validate', 'sli.yaml', '-', 'datasource.yaml'], { input: SLO });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('3 files, 3 objects: valid\n');
    expect(r.code).toBe(0);
  });

  test('mixing - and files: a duplicate between stdin and a file is reported at both', () => {
    const r = slo(['validate', '-', 'slo.yaml', 'sli.yaml', 'datasource.yaml'], { input: sloDoc('orders-availability', '0.9') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^<stdin>:4:9 error metadata\.name: .*\[duplicate-name\]/m);
    expect(r.stderr).toMatch(/^slo\.yaml:4:9 error metadata\.name: .*\[duplicate-name\]/m);
  });
});

describe('--format json', () => {
  interface JsonReport {
    valid: boolean;
    errors: number;
    warnings: number;
    diagnostics: Array<Record<string, unknown>>;
  }

  test('invalid input: one JSON object on stdout with every diagnostic, nothing else', () => {
    const r = slo(['validate', '--format', 'json', 'invalid.yaml', 'slo.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const body = JSON.parse(r.stdout) as JsonReport; // throws if anything but one JSON value is on stdout
    expect(body.valid).toBe(false);
    expect(body.errors).toBe(2);
    expect(body.warnings).toBe(2); // both SLOs refer to the SLI that is not passed
    expect(body.diagnostics).toHaveLength(4);
    for (const d of body.diagnostics) {
      expect(d).toEqual(
        expect.objectContaining({
          file: expect.any(String),
          line: expect.any(Number),
          column: expect.any(Number),
          path: expect.any(String),
          code: expect.any(String),
          message: expect.any(String),
        }),
      );
    }
    expect(body.diagnostics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ severity: 'error', file: 'invalid.yaml', line: 11, column: 20, path: 'spec.budgetingMethod', hint: 'did you mean "Occurrences"?' }),
        expect.objectContaining({ severity: 'error', file: 'invalid.yaml', line: 14, column: 15, path: 'spec.objectives[0].target', code: 'range' }),
        expect.objectContaining({ severity: 'warning', file: 'slo.yaml', code: 'missing-reference', path: 'spec.indicatorRef' }),
      ]),
    );
  });

  test('valid input: valid true, no diagnostics, nothing on stderr', () => {
    const r = slo(['validate', '--format=json', 'slo.yaml', 'sli.yaml', 'datasource.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const body = JSON.parse(r.stdout) as JsonReport;
    expect(body).toEqual(expect.objectContaining({ valid: true, errors: 0, warnings: 0, diagnostics: [] }));
  });

  test('input errors (missing file, stdin) are in the JSON too', () => {
    const r = slo(['validate', '--format', 'json', 'nope.yaml', '-'], { input: INVALID_SLO });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const body = JSON.parse(r.stdout) as JsonReport;
    expect(body.diagnostics).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: 'nope.yaml', line: 1, column: 1, code: 'input' }), expect.objectContaining({ file: '<stdin>', line: 11, column: 20 })]),
    );
  });
});

describe('colour', () => {
  test.each([
    { name: 'NO_COLOR=1', env: { NO_COLOR: '1' } },
    { name: 'not a TTY (pipes), TERM=xterm-256color', env: { TERM: 'xterm-256color' } },
  ])('no ANSI escapes with $name', ({ env }) => {
    const r = slo(['validate', 'invalid.yaml', 'disputed.yaml'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBeGreaterThan(0);
    expect(r.stdout + r.stderr).not.toContain(ESC);
  });

  const hasScript = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).status === 0;
  const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  /** Runs the CLI on a pseudo-terminal with `script`; stdout and stderr both come out of script's stdout. */
  const onTty = (args: string[], env: Record<string, string | undefined>) =>
    spawnSync('script', ['-qfec', [process.execPath, MAIN, ...args].map(shq).join(' '), '/dev/null'], {
      cwd: tmp,
      env: childEnv(env),
      encoding: 'utf8',
      timeout: 30_000,
    });

  (hasScript ? test : test.skip)('on a terminal the report is coloured', () => {
    const r = onTty(['validate', 'invalid.yaml'], { TERM: 'xterm-256color' });
    expect(r.stdout).toContain(ESC);
    expect(r.stdout).toContain('did you mean');
  });

  (hasScript ? test : test.skip)('on a terminal NO_COLOR=1 still turns colour off', () => {
    const r = onTty(['validate', 'invalid.yaml'], { TERM: 'xterm-256color', NO_COLOR: '1' });
    expect(r.stdout).toContain('did you mean');
    expect(r.stdout).not.toContain(ESC);
  });
});

describe('hostile input', () => {
  test('a YAML alias bomb is refused quickly with an error about aliases', () => {
    writeFiles('.', { 'bomb.yaml': ALIAS_BOMB });
    const r = slo(['validate', 'bomb.yaml']);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(10_000);
    expect(diagnosticLines(r.stderr)[0]).toMatch(/^bomb\.yaml:\d+:\d+ error .*alias/i);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  test('a YAML alias bomb on standard input is refused too', () => {
    const r = slo(['validate', '-'], { input: ALIAS_BOMB });
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.stderr).toMatch(/^<stdin>:\d+:\d+ error .*alias/im);
  });

  test('a 5 MB file is refused as too large', () => {
    writeFiles('.', { 'huge.yaml': `# ${'x'.repeat(5 * 1024 * 1024)}\n` });
    const r = slo(['validate', 'huge.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^huge\.yaml:1:1 error .*(too large|larger than|more than the limit)/m);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  test('5 MB on standard input is refused as too large', () => {
    const r = slo(['validate', '-'], { input: `# ${'x'.repeat(5 * 1024 * 1024)}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^<stdin>:1:1 error .*(too large|larger than|more than the limit)/m);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  test('a binary file with NUL bytes is refused', () => {
    writeFiles('.', { 'binary.yaml': Buffer.from('apiVersion: openslo/v1\n\u0000\u0000\u0001\u0002kind: SLO\n', 'latin1') });
    const r = slo(['validate', 'binary.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^binary\.yaml:1:1 error .*binary/m);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  test('a missing path is an error saying "no such file"', () => {
    const r = slo(['validate', 'does-not-exist.yaml', 'slo.yaml', 'sli.yaml', 'datasource.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^does-not-exist\.yaml:1:1 error no such file/m);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.stdout).toBe('');
  });

  test('deeply nested input is an error, not a crash', () => {
    writeFiles('.', { 'deep.yaml': `a: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n` });
    const r = slo(['validate', 'deep.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^deep\.yaml:\d+:\d+ error /m);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.stderr).not.toContain('internal error');
  });

  // A directory whose spec files are symbolic links (e.g. a Kubernetes ConfigMap volume) must not be skipped:
  // an invalid document behind a link has to fail validation.
  test('an invalid file reached through a symbolic link inside a directory is validated', () => {
    const dir = writeFiles('linked/data', { 'slo.yaml': INVALID_SLO });
    fs.mkdirSync(path.join(tmp, 'linked/specs'));
    fs.symlinkSync(path.join(dir, 'slo.yaml'), path.join(tmp, 'linked/specs/slo.yaml'));
    const r = slo(['validate', 'linked/specs']);
    expect(r.stderr).toContain('did you mean "Occurrences"?');
    expect(r.code).toBe(1);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('a reader that closes the pipe early', () => {
  it('ends the output quietly: no stack trace, exit 0 (`slo compile --help | true`)', () => {
    // `true` exits before node starts writing, so every write meets a closed pipe (EPIPE)
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${MAIN}" compile --help | true`], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
