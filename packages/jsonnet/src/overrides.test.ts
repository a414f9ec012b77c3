import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyOverrides, JsonnetError, type OverrideContext } from './index';

/** A small dashboard shaped like the generated ones (keys in generation order, not sorted). */
function dashboard(): Record<string, unknown> {
  return {
    uid: 'slo-day-api-availability',
    title: 'SLO: day-api-availability',
    description: 'Availability of the day API',
    tags: ['slo', 'day'],
    timezone: 'browser',
    editable: true,
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    schemaVersion: 39,
    links: [],
    annotations: { list: [] },
    templating: { list: [{ type: 'datasource', name: 'datasource', query: 'prometheus' }] },
    panels: [
      {
        id: 1,
        type: 'stat',
        title: 'Error budget remaining',
        gridPos: { h: 6, w: 8, x: 0, y: 0 },
        targets: [{ expr: 'slo:error_budget:remaining{slo_name="day-api-availability"}', legendFormat: '{{ $labels.slo_name }}', refId: 'A' }],
      },
      {
        id: 2,
        type: 'timeseries',
        title: 'Burn rate é',
        gridPos: { h: 8, w: 24, x: 0, y: 6 },
        targets: [{ expr: 'slo:burn_rate:ratio_rate5m{slo_name="day-api-availability"} / 0.001', refId: 'A' }],
      },
    ],
  };
}

const sloContext: OverrideContext = { name: 'day-api-availability', service: 'day', uid: 'slo-day-api-availability', file: 'day/day-api-availability.json' };
const overviewContext: OverrideContext = { name: null, service: null, uid: 'slo-overview', file: 'overview.json' };

let dir: string;
let overridesFile: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-jsonnet-overrides-'));
  overridesFile = path.join(dir, 'overrides.jsonnet');
  fs.mkdirSync(path.join(dir, 'lib'));
  // lib/team.libsonnet imports its sibling by a path relative to itself, not to the overrides file
  fs.writeFileSync(path.join(dir, 'lib', 'urls.libsonnet'), "{ runbooks: 'https://runbooks.example.com/' }\n");
  fs.writeFileSync(
    path.join(dir, 'lib', 'team.libsonnet'),
    "local urls = import 'urls.libsonnet';\n{\n  name: 'payments',\n  link(slo):: { title: 'Runbook', url: urls.runbooks + slo },\n  fail():: error 'helper failed',\n}\n",
  );
  fs.writeFileSync(path.join(dir, 'lib', 'about.md'), 'Owned by **payments**.\n');
  fs.writeFileSync(path.join(dir, 'broken.libsonnet'), '{\n  a: 1\n  b: 2,\n}\n');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function apply(text: string, context: OverrideContext = sloContext): unknown {
  return applyOverrides({ file: overridesFile, text }, dashboard(), context);
}

describe('applyOverrides: what the function returns is the dashboard', () => {
  const cases: { name: string; text: string; context?: OverrideContext; expected: (d: Record<string, unknown>) => unknown }[] = [
    {
      name: 'adds a tag',
      text: "function(dashboard, slo) dashboard + { tags+: ['team-payments'] }",
      expected: (d) => ({ ...d, tags: ['slo', 'day', 'team-payments'] }),
    },
    {
      name: 'adds a link',
      text: "function(dashboard, slo)\n  dashboard {\n    links+: [{ title: 'Runbooks', type: 'link', url: 'https://runbooks.example.com/' }],\n  }\n",
      expected: (d) => ({ ...d, links: [{ title: 'Runbooks', type: 'link', url: 'https://runbooks.example.com/' }] }),
    },
    {
      name: 'appends a panel named after slo.name',
      text: "function(dashboard, slo) dashboard + {\n  panels+: [{ id: 3, type: 'text', title: 'About ' + slo.name, options: { content: slo.service } }],\n}\n",
      expected: (d) => ({ ...d, panels: [...(d.panels as unknown[]), { id: 3, type: 'text', title: 'About day-api-availability', options: { content: 'day' } }] }),
    },
    {
      name: 'sees null name and service for the overview',
      text: "function(dashboard, slo)\n  if slo.name == null then dashboard + { title: 'Overview of ' + slo.file + ' ' + slo.uid, desc: [slo.name, slo.service] } else error 'not the overview'\n",
      context: overviewContext,
      expected: (d) => ({ ...d, title: 'Overview of overview.json slo-overview', desc: [null, null] }),
    },
    {
      name: 'imports a helper (which imports its sibling) and importstr a file, relative to the overrides file',
      text: "local team = import 'lib/team.libsonnet';\nlocal about = importstr 'lib/about.md';\nfunction(dashboard, slo)\n  dashboard + {\n    tags+: [team.name],\n    links+: [team.link(slo.name)],\n    description: about,\n  }\n",
      expected: (d) => ({
        ...d,
        description: 'Owned by **payments**.\n',
        tags: ['slo', 'day', 'payments'],
        links: [{ title: 'Runbook', url: 'https://runbooks.example.com/day-api-availability' }],
      }),
    },
    {
      name: 'imports the same file twice, via two spellings, with comments between keyword and path',
      text: "local a = import /* the helper */ 'lib/team.libsonnet';\nlocal b = import @'./lib/../lib/team.libsonnet';\nfunction(dashboard, slo) dashboard + { same: a == b }\n",
      expected: (d) => ({ ...d, same: true }),
    },
    {
      name: 'takes the arguments by name, in any order',
      text: 'function(slo, dashboard) dashboard + { title: slo.uid }',
      expected: (d) => ({ ...d, title: 'slo-day-api-availability' }),
    },
    {
      name: 'keeps strings with quotes, backslashes, unicode and Prometheus templates',
      text: 'function(dashboard, slo) dashboard + { note: "\\"q\\" \\\\ é 😀 {{ $labels.slo_name }}\\n" }',
      expected: (d) => ({ ...d, note: '"q" \\ é 😀 {{ $labels.slo_name }}\n' }),
    },
    {
      name: 'ends with a line comment and no newline',
      text: 'function(dashboard, slo) dashboard // nothing to change',
      expected: (d) => d,
    },
  ];

  it.each(cases)('$name', ({ text, context, expected }) => {
    expect(apply(text, context)).toEqual(expected(dashboard()));
  });

  it('keeps the generated key order, with new keys after it', () => {
    const result = apply("function(dashboard, slo) dashboard + { zeta: 1, alpha: 2, refresh: '5m', panels: [dashboard.panels[1] + { extra: true }] }");
    expect(Object.keys(result as object)).toEqual([...Object.keys(dashboard()), 'alpha', 'zeta']);
    expect(Object.keys((result as { panels: object[] }).panels[0] as object)).toEqual(['id', 'type', 'title', 'gridPos', 'targets', 'extra']);
    // an override that changes nothing writes the dashboard byte for byte as generated
    expect(JSON.stringify(apply('function(dashboard, slo) dashboard'))).toBe(JSON.stringify(dashboard()));
  });

  it('is deterministic: same input, identical JSON', () => {
    const text = "local team = import 'lib/team.libsonnet';\nfunction(dashboard, slo) dashboard + { tags+: [team.name], z: { b: 1, a: [slo.name] } }";
    const first = JSON.stringify(apply(text));
    for (let i = 0; i < 5; i++) expect(JSON.stringify(apply(text))).toBe(first);
  });

  it('handles many dashboards with the same overrides quickly', () => {
    const text = "function(dashboard, slo) dashboard + { tags+: ['x'], panels+: [{ type: 'text', title: slo.name }] }";
    const started = Date.now();
    for (let i = 0; i < 200; i++) {
      const result = applyOverrides({ file: overridesFile, text }, dashboard(), { ...sloContext, name: `slo-${i}` }) as { panels: { title: string }[] };
      expect(result.panels[2]?.title).toBe(`slo-${i}`);
    }
    // measured at a few milliseconds per dashboard; generous for slow machines
    expect(Date.now() - started).toBeLessThan(20000);
  });
});

describe('applyOverrides: mistakes are JsonnetErrors with file, line and column', () => {
  const CONTRACT = 'must evaluate to function(dashboard, slo) returning the dashboard object';
  const cases: { name: string; text: string; context?: OverrideContext; file?: string; line?: number; column?: number; message: string[] }[] = [
    {
      name: 'syntax error',
      text: "function(dashboard, slo)\n  dashboard + {\n    tags+ ['x'],\n  }\n",
      line: 3,
      column: 11,
      message: ['overrides.jsonnet:3:11: syntax error', 'expected one of', 'got "["', 'hint: fix the jsonnet syntax'],
    },
    {
      name: "runtime error 'x' raised by the user",
      text: "function(dashboard, slo)\n  dashboard + {\n    tags+: [\n      error 'x',\n    ],\n  }\n",
      line: 4,
      column: 7,
      message: ['overrides.jsonnet:4:7: dashboard overrides failed for day/day-api-availability.json: runtime error: x', 'error statement'],
    },
    {
      name: 'error only for the overview, where slo.name is null',
      text: "function(dashboard, slo)\n  dashboard + { title: 'SLO ' + std.asciiUpper(slo.name) }\n",
      context: overviewContext,
      line: 2,
      message: ['dashboard overrides failed for overview.json'],
    },
    {
      name: 'not a function',
      text: "{ tags: ['x'] }\n",
      message: [`overrides.jsonnet: dashboard overrides ${CONTRACT}, but the file evaluates to an object`, 'function(dashboard, slo) dashboard + { ... }'],
    },
    {
      name: 'a function returning a string',
      text: "function(dashboard, slo) 'dashboard'\n",
      message: [`dashboard overrides ${CONTRACT}, but for day/day-api-availability.json the function returned a string`],
    },
    {
      name: 'a function returning null',
      text: 'function(dashboard, slo) null\n',
      message: [`${CONTRACT}, but for day/day-api-availability.json the function returned null`],
    },
    {
      name: 'parameters named otherwise',
      text: 'function(d, s) d\n',
      message: [`${CONTRACT}: parameter dashboard is not defined`, 'name the parameters exactly dashboard and slo'],
    },
    {
      name: 'an import that does not exist',
      text: "local x = 1;\nlocal t = import 'lib/nope.libsonnet';\nfunction(dashboard, slo) dashboard\n",
      line: 2,
      column: 11,
      message: ['cannot import "lib/nope.libsonnet": no file', 'nope.libsonnet'],
    },
    {
      name: 'an error raised in an imported helper, reported in the helper',
      text: "local team = import 'lib/team.libsonnet';\nfunction(dashboard, slo) dashboard + { x: team.fail() }\n",
      file: 'team.libsonnet',
      line: 5,
      column: 12,
      message: ['team.libsonnet:5:12: dashboard overrides failed', 'runtime error: helper failed', 'overrides.jsonnet:2:'],
    },
    {
      name: 'a syntax error in an imported file, reported in that file',
      text: "local b = import 'broken.libsonnet';\nfunction(dashboard, slo) dashboard + b\n",
      file: 'broken.libsonnet',
      line: 3,
      column: 3,
      message: ['broken.libsonnet:3:3: syntax error'],
    },
    {
      name: 'a string never closed (it must not swallow what follows the file)',
      text: "function(dashboard, slo)\n  dashboard + { title: 'open }\n",
      line: 2,
      column: 24,
      message: ['overrides.jsonnet:2:24: syntax error: string is never closed'],
    },
    {
      name: 'an extra closing bracket',
      text: 'function(dashboard, slo) dashboard)\n',
      line: 1,
      column: 35,
      message: ['syntax error: unexpected ")"'],
    },
    {
      name: 'an expression cut short at the end of the file',
      text: 'function(dashboard, slo) dashboard +\n',
      line: 1,
      column: 37,
      message: ['overrides.jsonnet:1:37: syntax error', 'got the end of the file'],
    },
    {
      name: 'non-ASCII outside strings and comments',
      text: 'function(dashboard, slo) dashboard + { a: 1 × 2 }\n',
      line: 1,
      column: 45,
      message: ['unexpected character "×" (U+00D7)'],
    },
    {
      name: 'a computed import',
      text: "local p = 'lib/team.libsonnet';\nlocal t = import p;\nfunction(dashboard, slo) dashboard\n",
      line: 2,
      column: 18,
      message: ['import must be followed by a string literal path'],
    },
    {
      name: 'columns count characters, not bytes',
      text: "function(dashboard, slo) dashboard + { a: 'ééé' + error 'x' }\n",
      line: 1,
      column: 51,
      message: ['overrides.jsonnet:1:51: '],
    },
    {
      // jrsonnet's own positions drift after non-ASCII text; they are corrected
      name: 'positions after non-ASCII text on earlier lines',
      text: "// Überschrift 😀 ✓\nlocal label = 'Verfügbarkeit ✓ 😀';\nfunction(dashboard, slo)\n  dashboard + { title: label + ' 😀 ' + error 'boom' }\n",
      line: 4,
      column: 40,
      message: ['overrides.jsonnet:4:40: ', 'runtime error: boom'],
    },
    {
      name: 'a syntax error after non-ASCII text',
      text: "local label = 'Verfügbarkeit ✓ 😀 ééé';\nfunction(dashboard, slo)\n  dashboard + { title: label label }\n",
      line: 3,
      column: 30,
      message: ['overrides.jsonnet:3:30: syntax error'],
    },
    {
      // text blocks and verbatim strings keep their non-ASCII text; positions are corrected for it
      name: 'positions after non-ASCII text in a text block and a verbatim string',
      text: "local text = |||\n  Überschrift ✓ 😀\n|||;\nlocal v = @'ünïcödé ''q''';\nfunction(dashboard, slo) dashboard + {\n  title: (error 'boom') + text + v + ' and more text on this line',\n}\n",
      line: 6,
      column: 11,
      message: ['overrides.jsonnet:6:11: ', 'runtime error: boom'],
    },
    {
      // the drift pushed the span past the line's end, so the engine printed it without a column
      name: 'the line, at least, when the drift pushes a span past the end of its line',
      text: "local text = |||\n  Überschrift ✓ 😀\n|||;\nlocal v = @'ünïcödé ''q''';\nfunction(dashboard, slo) dashboard + {\n  title: text + v + error 'boom',\n}\n",
      line: 6,
      message: ['overrides.jsonnet:6: ', 'runtime error: boom'],
    },
    {
      name: 'a line only, for a frame the engine prints over several lines',
      text: "function(dashboard, slo) dashboard + {\n  title: error\n    'boom',\n}\n",
      line: 2,
      message: ['overrides.jsonnet:2: dashboard overrides failed', 'runtime error: boom'],
    },
    {
      name: 'an error in an imported file after non-ASCII text in the importer',
      text: "// ééé 😀\nlocal team = import 'lib/team.libsonnet';\nfunction(dashboard, slo) dashboard + { x: team.fail() }\n",
      file: 'team.libsonnet',
      line: 5,
      column: 12,
      message: ['runtime error: helper failed'],
    },
    {
      name: 'a panic inside the engine',
      text: "function(dashboard, slo) dashboard + { a: arakoo.regexMatch('a', '(') }\n",
      message: ['overrides.jsonnet: the jsonnet engine crashed', 'unclosed group'],
    },
  ];

  it.each(cases)('$name', ({ text, context, file, line, column, message }) => {
    let caught: unknown;
    try {
      apply(text, context);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(JsonnetError);
    const error = caught as JsonnetError;
    expect(error.name).toBe('JsonnetError');
    expect(error.file).toBe(file ? path.join(dir, file === 'team.libsonnet' ? 'lib' : '', file) : overridesFile);
    expect(error.line).toBe(line);
    if (column !== undefined || line === undefined) expect(error.column).toBe(column);
    for (const part of message) expect(error.message).toContain(part);
    // the generated wrapper never shows
    expect(error.message).not.toMatch(/snippet:|__[a-z]\d|slo-engine:not-/);
  });

  it('keeps working after the engine crashed', () => {
    expect(() => apply("function(dashboard, slo) arakoo.regexMatch('a', '[')")).toThrow(JsonnetError);
    expect(apply('function(dashboard, slo) dashboard + { ok: true }')).toMatchObject({ ok: true });
  });
});
