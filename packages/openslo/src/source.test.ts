import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CORPUS, corpusAvailable, itWithCorpus } from '../../../test/corpus';
import { listFiles } from '../../../test/support/files';
import { mulberry32 } from '../../../test/support/random';
import type { PathSeg } from './diagnostics';
import { parseSource, parseSourceWithYaml, quickRead, type ParsedFile, type RawObject } from './source';

/**
 * `parseSource` reads most files with js-yaml (quick) and falls back to yaml's Documents (careful) for
 * anything the quick path cannot be sure about. These tests hold the two paths to the same answer: the
 * same values, the same diagnostics and the same position for every key and value, on the conformance
 * corpus, the repository's specs, a table of tricky inputs and seeded random edits of all of them.
 */

const SPECS = path.resolve(__dirname, '../../../slo-specs');

/** Without the shared corpus, only the specs: the two tests that read FILES are skipped then. */
const FILES = [...(corpusAvailable() ? listFiles(CORPUS, /\.(ya?ml|json)$/) : []), ...listFiles(SPECS, /\.ya?ml$/)].map((p) => ({
  file: path.relative(path.dirname(CORPUS), p).split(path.sep).join('/'),
  text: readFileSync(p, 'utf8'),
}));

/** Every path into a value, maps and lists included, in document order. */
function pathsOf(value: unknown, at: PathSeg[] = [], out: PathSeg[][] = []): PathSeg[][] {
  out.push(at);
  if (Array.isArray(value)) for (const [i, v] of value.entries()) pathsOf(v, [...at, i], out);
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...at, k], out);
  return out;
}

const where = (o: RawObject, p: readonly PathSeg[], at: 'key' | 'value') => {
  const { line, column } = o.locate(p, at);
  return `${line}:${column}`;
};

/** Everything observable about a parsed file: values (with key order), diagnostics and every position. */
function observe(parsed: ParsedFile): string[] {
  const out = parsed.diagnostics.map((d) => `diagnostic ${d.severity} ${d.code} ${d.pos.line}:${d.pos.column} ${d.message}`);
  for (const o of parsed.objects) {
    out.push(`object doc ${o.docIndex} base ${JSON.stringify(o.base)} ${JSON.stringify(o.value)}`);
    for (const p of pathsOf(o.value)) {
      const s = o.scalarSource(p);
      out.push(`${JSON.stringify(p)} value ${where(o, p, 'value')} key ${where(o, p, 'key')}${s ? ` scalar ${s.offset}-${s.end} ${s.type}` : ''}`);
      // a path that leaves the data half way: the deepest node found
      out.push(`${JSON.stringify([...p, 'nope'])} value ${where(o, [...p, 'nope'], 'value')} key ${where(o, [...p, 'nope'], 'key')}`);
    }
  }
  return out;
}

/** The quick path's answer must be the careful path's; returns whether the quick path read the file. */
function expectSameAsYaml(file: string, text: string): boolean {
  const careful = observe(parseSourceWithYaml(file, text));
  expect(observe(parseSource(file, text))).toEqual(careful);
  return quickRead(text) !== undefined;
}

describe('parseSource quick path', () => {
  itWithCorpus('reads the corpus and the specs quickly, with the same values and positions as yaml', () => {
    expect(FILES.length).toBeGreaterThan(250);
    let quick = 0;
    for (const { file, text } of FILES) if (expectSameAsYaml(file, text)) quick++;
    // the quick path must really be taken, or the comparison above proves nothing
    expect(quick / FILES.length).toBeGreaterThan(0.8);
  });

  // [what, text, whether the quick path may read it]
  const CASES: [string, string, boolean][] = [
    ['plain map', 'a: 1\nb: [x, "y", \'z\']\nc: {d: e}\n', true],
    ['several documents, an empty one and a trailing separator', 'a: 1\n---\n---\n# only a comment\n---\n- b: 2\n- c: 3\n---\n', true],
    ['a top-level list of objects', '- kind: SLO\n  spec: {}\n- kind: SLI\n', true],
    ['quoted keys and values', "\"a b\": \"c\\nd\"\n'e': 'f''g'\n", true],
    ['block scalars', 'q: |\n  sum(rate(x[5m]))\n  / 2\nr: >-\n  folded\n  text\ns: |+\n  kept\n\n', true],
    ['empty values', 'a:\nb: ~\nc: null\nd: ""\ne:\n  - \n  -\n', true],
    ['CRLF line ends', 'a: 1\r\nb:\r\n  c: "x"\r\n', true],
    ['a byte order mark', '\ufeffa: 1\nb: 2\n', true],
    ['comments everywhere', '# head\na: 1 # trailing\n# between\nb:\n  # inside\n  c: 2\n', true],
    ['numbers, booleans and nulls as values', 'a: 0x1F\nb: 1e3\nc: .inf\nd: -.NaN\ne: true\nf: False\ng: yes\nh: 0o17\ni: 012\n', true],
    ['YAML 1.1 words stay strings', 'a: on\nb: off\nc: y\nd: 2001-12-14\n', true],
    ['flow collections across lines', 'a: [1,\n  2,\n  {b: c}]\nd: {e: f,\n  g: h}\n', true],
    ['a key that is a number', '1: a\n', false],
    ['a key that is a float', '1.5: a\n', false],
    ['a key that is a boolean', 'true: a\n', false],
    ['a key that is null', '~: a\n', false],
    ['an empty key', ': a\n', false],
    ['a key that is a list', '[a, b]: c\n', false],
    ['a key that is a map', '{a: b}: c\n', false],
    ['an explicit key', '? a\n: b\n', true],
    ['a tag', 'a: !!str 1\n', false],
    ['a local tag', 'a: !x 1\n', false],
    ['an anchor and an alias', 'a: &x 1\nb: *x\n', false],
    ['a merge key', 'a: &x {c: 1}\nb:\n  <<: *x\n', false],
    ['a merge key without an alias', '<<: {c: 1}\n', true],
    ['a YAML directive', '%YAML 1.1\n---\na: yes\n', false],
    ['a TAG directive', '%TAG ! tag:x:\n---\na: 1\n', false],
    ['a duplicate key', 'a: 1\na: 2\n', false],
    ['a duplicate quoted key', 'a: 1\n"a": 2\n', false],
    ['__proto__ as a key', '__proto__: {polluted: 1}\nconstructor: x\n', true],
    ['a tab as indentation', 'a:\n\tb: 1\n', false],
    ['bad indentation', 'a:\n  b: 1\n c: 2\n', false],
    ['an unterminated quote', 'a: "x\n', false],
    ['a document end marker', 'a: 1\n...\n---\nb: 2\n', true],
    ['JSON', '{\n  "a": [1, 2.5, true, null],\n  "b": {"c": "d"}\n}\n', true],
    ['unicode', 'ä: "日本 😀"\n"\\u00e9": x\n', true],
    ['a very long plain scalar', `a: ${'x'.repeat(5000)}\n`, true],
    ['nesting close to the limit', `${'['.repeat(60)}1${']'.repeat(60)}\n`, true],
    // js-yaml refuses this before MAX_DEPTH, so the quick path never needs a depth check of its own
    ['nesting at the limit', `${'['.repeat(64)}1${']'.repeat(64)}\n`, false],
    ['nesting past the limit', `${'['.repeat(70)}1${']'.repeat(70)}\n`, false],
  ];

  it.each(CASES)('%s', (what, text, quick) => {
    expectSameAsYaml(`${what}.yaml`, text);
    // the quick path is taken exactly where it is meant to be
    expect(quickRead(text) !== undefined).toBe(quick);
  });

  it('gives the values yaml gives, keeping key order', () => {
    for (const [, text, quick] of CASES) {
      if (!quick) continue;
      const values = quickRead(text)!.values;
      expect(JSON.stringify(values)).toEqual(JSON.stringify(parseAllDocuments(text).map((d) => d.toJS())));
    }
  });

  it('works out a position only when it is read, and then keeps it', () => {
    const text = 'apiVersion: openslo/v1\nkind: SLO\nspec:\n  objectives:\n    - target: 0.99\n      op: lt\n';
    const [o] = parseSource('a.yaml', text).objects;
    const pos = o!.locate(['spec', 'objectives', 0, 'op']);
    expect(pos).toMatchObject({ file: 'a.yaml', line: 6, column: 11 });
    expect(pos.line).toBe(6); // read again: the same answer
    expect(o!.locate(['spec', 'objectives', 0, 'op'], 'key')).toMatchObject({ line: 6, column: 7 });
    expect(JSON.parse(JSON.stringify(pos))).toEqual({ file: 'a.yaml', line: 6, column: 11 });
  });

  // Seeded edits of real files, most of which the quick path reads and some of which it must refuse.
  const TOKENS = [
    ' ',
    '\n',
    '  ',
    '\t',
    '#',
    ': ',
    '- ',
    '"',
    "'",
    '|',
    '>',
    '{',
    '}',
    '[',
    ']',
    ',',
    '?',
    '&a ',
    '*a',
    '!t ',
    '!!str ',
    '~',
    '1',
    'true',
    '---\n',
    '...\n',
    '%YAML 1.2\n',
    '\r\n',
    '\ufeff',
    'null: x\n',
    '"k": v\n',
    'k:\n',
    '<<: ',
  ];
  const edit = (r: () => number, text: string): string => {
    const at = Math.floor(r() * (text.length + 1));
    const op = Math.floor(r() * 4);
    if (op === 0) return text.slice(0, at) + TOKENS[Math.floor(r() * TOKENS.length)] + text.slice(at);
    if (op === 1) return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 6));
    if (op === 2) {
      // repeat a line, which often repeats a key
      const start = text.lastIndexOf('\n', at - 1) + 1;
      const end = text.indexOf('\n', at);
      const line = text.slice(start, end < 0 ? text.length : end + 1);
      return text.slice(0, start) + line + (line.endsWith('\n') ? '' : '\n') + text.slice(start);
    }
    // change the indentation of a line
    const start = text.lastIndexOf('\n', at - 1) + 1;
    return text.slice(0, start) + (r() < 0.5 ? ' ' : '') + text.slice(start + (r() < 0.5 ? 1 : 0));
  };

  itWithCorpus('agrees with yaml on 1500 seeded random edits of the corpus and the specs', () => {
    const r = mulberry32(0x51ce);
    let quick = 0;
    let careful = 0;
    for (let run = 0; run < 1500; run++) {
      const { file, text } = FILES[Math.floor(r() * FILES.length)]!;
      let t = text;
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) t = edit(r, t);
      try {
        if (expectSameAsYaml(file, t)) quick++;
        else careful++;
      } catch (e) {
        throw new Error(`run ${run} on ${file} differs:\n${JSON.stringify(t)}\n${(e as Error).message}`);
      }
    }
    // both paths are exercised
    expect(quick).toBeGreaterThan(400);
    expect(careful).toBeGreaterThan(200);
  });
});
