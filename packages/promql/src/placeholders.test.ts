import { applyEdits } from './edits';
import { substituteWindow, windowPlaceholderPattern } from './placeholders';

describe('windowPlaceholderPattern', () => {
  it.each([
    ['{{.window}}', true],
    ['{{ .window }}', true],
    ['{{   .window}}', true],
    ['$window', true],
    ['${window}', true],
    ['x[$window]', true],
    ['$windows', false],
    ['$window_size', false],
    ['{{.windows}}', false],
    ['{{window}}', false],
    ['x[5m]', false],
  ])('%s → %s', (text, expected) => {
    expect(windowPlaceholderPattern.test(text)).toBe(expected);
    // Not global: repeated tests give the same answer (no lastIndex state).
    expect(windowPlaceholderPattern.test(text)).toBe(expected);
  });
});

describe('substituteWindow', () => {
  it.each([
    ['sum(rate(x[{{.window}}]))', '1h', 'sum(rate(x[1h]))'],
    ['sum(rate(x[{{ .window }}]))', '5m', 'sum(rate(x[5m]))'],
    ['rate(x[$window]) / rate(y[${window}])', '30s', 'rate(x[30s]) / rate(y[30s])'],
    ['x[$windows]', '5m', 'x[$windows]'],
    ['no placeholder', '5m', 'no placeholder'],
  ])('%s with %s', (query, window, expected) => {
    expect(substituteWindow(query, window).text).toBe(expected);
  });

  it('maps offsets back to the original text', () => {
    //         0         1         2
    //         0123456789012345678901234567
    const q = 'rate(x[{{.window}}]) + y[$window]';
    const { text, toOriginal } = substituteWindow(q, '5m');
    expect(text).toBe('rate(x[5m]) + y[5m]');
    const cases: [number, number][] = [
      [0, 0], // before any placeholder
      [6, 6], // the "["
      [7, 7], // start of the first replacement → start of {{.window}}
      [8, 7], // inside the replacement → start of the placeholder
      [9, 18], // the "]" right after it
      [16, 25], // start of the second replacement ($window at 25)
      [17, 25],
      [18, 32], // the final "]"
      [19, 33], // end of text
    ];
    for (const [sub, orig] of cases) expect([sub, toOriginal(sub)]).toEqual([sub, orig]);
    expect(q[toOriginal(9)]).toBe(']');
    expect(q[toOriginal(18)]).toBe(']');
  });

  it('clamps offsets outside the text', () => {
    const { toOriginal } = substituteWindow('x[$window]', '5m');
    expect(toOriginal(-3)).toBe(0);
    expect(toOriginal(1000)).toBe('x[$window]'.length);
  });

  it('maps an empty replacement to the placeholder start', () => {
    const { text, toOriginal } = substituteWindow('x[$window]', '');
    expect(text).toBe('x[]');
    expect(toOriginal(2)).toBe(2);
  });
});

describe('applyEdits', () => {
  it('maps range ends to the end of the replaced text', () => {
    const { text, map } = applyEdits('ab{{x}}cd', [{ from: 2, to: 7, insert: 'Z' }]);
    expect(text).toBe('abZcd');
    expect(map.toOriginal(2)).toBe(2);
    expect(map.toOriginalEnd(3)).toBe(7);
    expect(map.toOriginalEnd(2)).toBe(2);
    expect(map.toOriginal(4)).toBe(8);
  });

  it('skips overlapping edits instead of corrupting the text', () => {
    const { text } = applyEdits('abcdef', [
      { from: 1, to: 3, insert: 'X' },
      { from: 2, to: 4, insert: 'Y' },
    ]);
    expect(text).toBe('aXdef');
  });
});
