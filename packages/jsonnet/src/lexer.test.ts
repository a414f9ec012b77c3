import { LexError, positionAt, scanJsonnet } from './lexer';

describe('scanJsonnet finds imports, and only real ones', () => {
  const cases: { name: string; text: string; imports: [string, string][] }[] = [
    {
      name: 'all three kinds',
      text: "local a = import 'a.libsonnet', b = importstr \"b.txt\", c = importbin 'c.bin'; a",
      imports: [
        ['import', 'a.libsonnet'],
        ['importstr', 'b.txt'],
        ['importbin', 'c.bin'],
      ],
    },
    { name: 'escapes in the path', text: 'import "dir\\/x\\u00e9\\"q.libsonnet"', imports: [['import', 'dir/xé"q.libsonnet']] },
    { name: 'verbatim path with a doubled quote', text: "import @'it''s.libsonnet'", imports: [['import', "it's.libsonnet"]] },
    { name: 'comments between keyword and path', text: "import /* which */ // file\n  # really\n  'x.libsonnet'", imports: [['import', 'x.libsonnet']] },
    { name: 'no space before the path', text: "(import'x.libsonnet').y", imports: [['import', 'x.libsonnet']] },
    {
      name: 'inside strings, comments and text blocks: none',
      text: "// import 'a'\n# import 'b'\n/* import 'c' */\n{ s: \"import 'd'\", v: @'import ''e''', t: |||\n  import 'f'\n|||, importer: 1 }",
      imports: [],
    },
    { name: 'text block with blank lines and a less indented end', text: "{ t: |||\n    a\n\n      b\n  |||, u: import 'g' }", imports: [['import', 'g']] },
    { name: 'chomped text block', text: "[|||-\n  x\n|||, import 'h']", imports: [['import', 'h']] },
  ];
  it.each(cases)('$name', ({ text, imports }) => {
    expect(scanJsonnet(text).imports.map((r) => [r.kind, r.path])).toEqual(imports);
  });

  it('spans the whole import expression', () => {
    const text = "local x = import /* c */ 'x.libsonnet';";
    const [ref] = scanJsonnet(text).imports;
    expect(text.slice(ref?.start, ref?.end)).toBe("import /* c */ 'x.libsonnet'");
  });

  it('collects identifiers but not keywords used as imports', () => {
    expect([...scanJsonnet('local __a1 = 2, f(x) = x; f(__a1) + import "y"').identifiers].sort()).toEqual(['__a1', 'f', 'local', 'x']);
  });

  it('notes comments and quoted strings with non-ASCII text, not verbatim strings or text blocks', () => {
    const text = "// é\n{ a: 'ü', b: \"ascii\", c: @'ö', d: |||\n  ✓\n|||, e: /* 😀 */ 1 }";
    expect(scanJsonnet(text).nonAscii.map((s) => [s.kind, text.slice(s.start, s.end)])).toEqual([
      ['comment', '// é'],
      ['quoted', "'ü'"],
      ['comment', '/* 😀 */'],
    ]);
  });
});

describe('scanJsonnet rejects text that is not lexically closed', () => {
  const cases: { name: string; text: string; at: [number, number]; message: string }[] = [
    { name: 'open string', text: "{\n  a: 'x }\n", at: [2, 6], message: 'string is never closed' },
    { name: 'open verbatim string', text: '@"abc', at: [1, 1], message: 'verbatim string is never closed' },
    { name: 'open block comment', text: '1 /* x', at: [1, 3], message: 'comment /* is never closed' },
    { name: 'open text block', text: 'local t = |||\n  x\n', at: [1, 11], message: 'text block is never closed' },
    { name: 'text block without new line', text: '||| x', at: [1, 1], message: 'must be followed by a new line' },
    { name: 'text block not indented', text: '|||\nx\n|||', at: [2, 1], message: 'first line must be indented' },
    { name: 'unclosed bracket', text: '{ a: [1, 2 }', at: [1, 12], message: '"}" does not close "["' },
    { name: 'never closed', text: 'f(\n  1,\n', at: [1, 2], message: '"(" is never closed' },
    { name: 'nothing to close', text: '1 ]', at: [1, 3], message: 'unexpected "]"' },
    { name: 'computed import', text: 'import x', at: [1, 8], message: 'computed imports are not allowed' },
    { name: 'import at the end', text: 'import', at: [1, 7], message: 'computed imports are not allowed' },
    { name: 'text block as import path', text: 'import |||\n  x\n|||', at: [1, 8], message: 'not a text block' },
    { name: 'bad escape in an import path', text: "import 'a\\qb'", at: [1, 10], message: 'invalid escape "\\q"' },
    { name: 'non-ASCII escape anywhere', text: "'\\é'", at: [1, 2], message: 'invalid escape "\\é"' },
    { name: 'byte order mark', text: '\ufeff{}', at: [1, 1], message: 'byte order mark' },
    { name: 'non-ASCII in code, column in characters', text: "'😀' + ×", at: [1, 7], message: '"×" (U+00D7)' },
  ];
  it.each(cases)('$name', ({ text, at, message }) => {
    let caught: unknown;
    try {
      scanJsonnet(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LexError);
    const error = caught as LexError;
    expect(error.message).toContain(message);
    const { line, column } = positionAt(text, error.offset);
    expect([line, column]).toEqual(at);
  });
});
