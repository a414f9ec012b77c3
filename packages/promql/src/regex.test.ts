import { compileAnchored, regexExamples } from './regex';

/** Whether the label-matcher pattern `re` selects `value`; undefined when RE2 rejects `re`. */
const matches = (re: string, value: string) => compileAnchored(re)?.test(value);

describe('compileAnchored follows RE2 (Prometheus) semantics', () => {
  // Each row: where a translation to JS RegExp refused the pattern or matched differently.
  it.each<[string, string, string, boolean]>([
    ['inline flag mid-pattern', 'a(?i)b', 'aB', true],
    ['inline flag mid-pattern, before it still case-sensitive', 'a(?i)b', 'AB', false],
    ['flag group', '(?i:get)', 'GET', true],
    ['flag group, outside it case-sensitive', '(?i:g)et', 'GET', false],
    ['leading flag', '(?i)get', 'GeT', true],
    ['case folding beyond ASCII (Kelvin sign)', '(?i)k', '\u212A', true],
    ['\\pL letter', '\\pL+', 'abcé', true],
    ['\\pL is not a digit', '\\pL', '1', false],
    ['\\PL', '\\PL', '1', true],
    ['\\p{Greek}', '\\p{Greek}+', 'αβγ', true],
    ['\\p{Greek} is not Latin', '\\p{Greek}+', 'abc', false],
    ['\\p{^Greek}', '\\p{^Greek}', 'a', true],
    ['\\Q...\\E quotes metacharacters', '\\QA.B\\E', 'A.B', true],
    ['\\Q...\\E: the dot is literal', '\\QA.B\\E', 'AxB', false],
    ['\\Q without \\E quotes to the end', '\\Qa.b', 'a.b', true],
    ['POSIX class', '[[:digit:]]+', '123', true],
    ['POSIX class, non-member', '[[:digit:]]+', '12a', false],
    ['negated POSIX class', '[[:^digit:]]', 'a', true],
    ['negated POSIX class, member', '[[:^digit:]]', '1', false],
    ['POSIX classes are ASCII', '[[:alpha:]]', 'é', false],
    ['dot matches newline (Prometheus 3)', 'a.b', 'a\nb', true],
    ['(?-s) turns that off', '(?-s:a.b)', 'a\nb', false],
    ['(?-s) dot still matches other characters', '(?-s:a.b)', 'axb', true],
    ['\\s is ASCII: no vertical tab', '\\s', '\v', false],
    ['\\s is ASCII: no no-break space', '\\s', '\u00a0', false],
    ['\\d is ASCII', '\\d', '٣', false],
    ['\\w is ASCII', '\\w', 'é', false],
    ['dot is one code point, not one UTF-16 unit', '.', '😀', true],
    ['two dots are two code points', '..', '😀', false],
    ['\\x{...} beyond the BMP', '\\x{1F600}', '😀', true],
    ['leading ] is a member', '[]a]+', ']a]', true],
    ['{ that starts no repetition is literal', 'x{,3}', 'x{,3}', true],
    ['ungreedy flag accepted', '(?U)a+', 'aaa', true],
    ['named group, Python style', '(?P<code>5)\\d\\d', '503', true],
    ['named group, Perl style', '(?<code>5)\\d\\d', '503', true],
    ['anchored at both ends', '5..', '1500', false],
  ])('%s: %j on %j is %j', (_name, re, value, expected) => {
    expect(matches(re, value)).toBe(expected);
  });

  // RE2 rejects these (JS accepts several of them); Prometheus refuses the query, so they match nothing.
  it.each<[string, string]>([
    ['back reference', '(a)\\1'],
    ['look-ahead', '(?=a)a'],
    ['look-behind', '(?<!a)b'],
    ['possessive repetition', 'a++'],
    ['nested repetition', 'a**'],
    ['repeat count over 1000', 'a{1001}'],
    ['\\Z', 'a\\Z'],
    ['\\C', '\\C'],
    ['unknown POSIX class', '[[:foo:]]'],
    ['unknown Unicode class', '\\p{Foo}'],
    ['unbalanced, even where anchoring would balance it', 'a)|(b'],
    ['missing )', '(a'],
    ['too deeply nested', `${'('.repeat(2000)}a${')'.repeat(2000)}`],
  ])('%s: %j does not compile', (_name, re) => {
    expect(compileAnchored(re)).toBeUndefined();
  });

  it('caches compiled patterns', () => {
    expect(compileAnchored('(5..|429)')).toBe(compileAnchored('(5..|429)'));
  });
});

describe('regexExamples', () => {
  it.each<[string, string[]]>([
    ['5..', ['500']],
    ['(5..|429)', ['500', '429']],
    ['(?i)get', ['get']],
    ['a(?i)b', ['ab']],
    ['\\pL\\d', ['a0']],
    ['\\p{Greek}+', ['α']],
    ['[\\p{Greek}x]', ['α', 'x']],
    ['[^[:alnum:]]', ['_', '-']],
    ['[[:^digit:]]', ['a']],
    ['\\QA.B\\E', ['A.B']],
    ['\\x{1F600}', ['😀']],
    // every candidate is checked against the compiled pattern: `^` mid-pattern matches nothing
    ['a^b', []],
    // RE2 rejects these, so there is nothing to make up
    ['(a)\\1', []],
    ['(?=a)a', []],
    ['a{1001}', []],
  ])('%j gives %j', (re, expected) => {
    expect(regexExamples(re)).toEqual(expected);
  });

  it.each(['.*', '[^5].*', '(?i)GET|post', '\\pL+-\\pN+', '[[:alpha:]]+-[0-9]+', '\\Q1.0\\E|x{2,3}', '(?P<code>5)\\d\\d', '[]a]b', '(?s:a.b)'])('every example of %j matches it', (re) => {
    const got = regexExamples(re);
    expect(got.length).toBeGreaterThan(0);
    for (const s of got) expect(matches(re, s)).toBe(true);
  });
});
