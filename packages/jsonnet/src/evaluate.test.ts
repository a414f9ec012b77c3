// @integration: runs the jsonnet command
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonnetError } from './errors';
import { evaluateJsonnet } from './evaluate';

/** Evaluates with Debian's jsonnet (the C++ engine), which reads files and resolves imports itself. */
function cppJsonnet(cwd: string, args: string[]): unknown {
  const run = spawnSync('jsonnet', args, { cwd, encoding: 'utf8' });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error('the jsonnet CLI (Debian package jsonnet) is missing: run scripts/setup-test-tools.sh');
  }
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`jsonnet ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown;
}

/**
 * Files that exercise the bundler: imports next to and below the importing file, cached and cyclic
 * imports, importstr, and the lexical corners (text blocks, verbatim strings, comments, non-ASCII text,
 * identifiers that look like generated names). Both engines must agree on every one.
 */
const files: Record<string, string> = {
  'lib/a.libsonnet': "// imports its sibling, and is imported twice\nlocal b = import 'b.libsonnet';\n{ x: 1, fromB: b.z, msg: importstr 'msg.txt' }\n",
  'lib/b.libsonnet': "# a lazy cycle back to a.libsonnet\n{ z: (import 'a.libsonnet').x + 1 }\n",
  'lib/msg.txt': 'Grüße, 😀 "quoted" \\ back\n  indented |||\n',
  'corners.jsonnet': [
    "local a1 = import 'lib/a.libsonnet';",
    "local a2 = import /* same file, other spelling */ './lib/../lib/a.libsonnet';",
    'local __a0 = "looks generated", __b = 2;',
    '{',
    '  same: a1 == a2, a: a1, generated: [__a0, __b],',
    '  text: |||\n    Überschrift ✓\n\n      indented import \'nope\'\n    ends "here" |||\n  |||,',
    "  verbatim: @'it''s ünïcödé \\n not an escape',",
    '  quoted: "tab\\t é \\u00e9 \\ud83d\\ude00 😀 \\"q\\" {{ $labels.slo_name }}",',
    '  single: \'import "x" // not a comment # nor this /* */\',',
    '  /* ü comment with { brackets ( and quotes \' " */ n: [1e3, 0.5, -2, 1.5e-3],',
    '  obj: { a: self.b, b: $.same, "import": "a field", ["hid" + "den"]:: 1 },',
    '  // ✓ line comment with |||',
    "  str: importstr 'lib/msg.txt',",
    '}',
  ].join('\n'),
};

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-jsonnet-evaluate-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('evaluateJsonnet agrees with the C++ jsonnet CLI', () => {
  it.each(['corners.jsonnet', 'lib/a.libsonnet', 'lib/b.libsonnet'])('%s', (name) => {
    const file = path.join(dir, name);
    const ours = evaluateJsonnet({ file, text: fs.readFileSync(file, 'utf8') });
    expect(ours).toEqual(cppJsonnet(dir, [name]));
  });

  it('evaluates the corners as expected, not only alike', () => {
    const file = path.join(dir, 'corners.jsonnet');
    const value = evaluateJsonnet({ file, text: fs.readFileSync(file, 'utf8') }) as Record<string, unknown>;
    expect(value).toMatchObject({
      same: true,
      a: { x: 1, fromB: 2, msg: files['lib/msg.txt'] },
      generated: ['looks generated', 2],
      text: 'Überschrift ✓\n\n  indented import \'nope\'\nends "here" |||\n',
      verbatim: "it's ünïcödé \\n not an escape",
      quoted: 'tab\t é é 😀 😀 "q" {{ $labels.slo_name }}',
      obj: { a: true, b: true, import: 'a field' },
    });
  });
});

describe('evaluateJsonnet, in-process only', () => {
  it('imports bytes with importbin', () => {
    fs.writeFileSync(path.join(dir, 'bytes.bin'), Buffer.from([0, 255, 10]));
    expect(evaluateJsonnet({ file: path.join(dir, 'x.jsonnet'), text: "importbin 'bytes.bin'" })).toEqual([0, 255, 10]);
  });

  it('reads imports relative to a relative entry path, and names them so', () => {
    const relative = path.relative(process.cwd(), path.join(dir, 'rel.jsonnet'));
    let caught: unknown;
    try {
      evaluateJsonnet({ file: relative, text: "local a = import 'lib/a.libsonnet';\na.x + (import 'lib/missing.libsonnet')" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(JsonnetError);
    expect((caught as JsonnetError).message).toContain(`${relative}:2:8: cannot import "lib/missing.libsonnet": no file ${path.join(path.dirname(relative), 'lib', 'missing.libsonnet')}`);
  });

  it('reads a helper changed between two evaluations afresh', () => {
    const file = path.join(dir, 'fresh.jsonnet');
    fs.writeFileSync(path.join(dir, 'v.libsonnet'), '1');
    expect(evaluateJsonnet({ file, text: "import 'v.libsonnet'" })).toBe(1);
    fs.writeFileSync(path.join(dir, 'v.libsonnet'), '2');
    expect(evaluateJsonnet({ file, text: "import 'v.libsonnet'" })).toBe(2);
  });
});
