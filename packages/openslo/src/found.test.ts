import { inputList, nothingFound, skippedSummary, type Skipped } from './found';

const skipped = (n: number): Skipped[] => Array.from({ length: n }, (_, i) => ({ file: `k8s/${i}.yaml`, line: 1, reason: 'apiVersion v1 is not OpenSLO or Sloth' }));

describe('skippedSummary', () => {
  it.each([
    [0, undefined],
    [1, 'skipped 1 document that is not an SLO spec (no openslo apiVersion, no Sloth version)'],
    [42, 'skipped 42 documents that are not SLO specs (no openslo apiVersion, no Sloth version)'],
  ])('%d skipped → %s', (n, expected) => expect(skippedSummary(skipped(n))).toBe(expected));
});

describe('nothingFound', () => {
  const HINT =
    'an OpenSLO spec has apiVersion: openslo/v1 (or openslo/v1alpha, openslo.com/v2alpha) and a kind such as SLO; a Sloth spec has version: prometheus/v1 or apiVersion: sloth.slok.dev/v1. Directories are read recursively for .yaml, .yml and .json files';
  it.each([
    [['helm/'], 0, 'helm/:1:1 no OpenSLO or Sloth documents found in helm/', HINT],
    [['helm/', 'values.yaml'], 1, 'helm/:1:1 no OpenSLO or Sloth documents found in helm/, values.yaml', `${HINT}; 1 document was skipped as not an SLO spec`],
    [['-'], 3, '<stdin>:1:1 no OpenSLO or Sloth documents found in <stdin>', `${HINT}; 3 documents were skipped as not SLO specs`],
  ] as [string[], number, string, string][])('%j, %d skipped', (inputs, n, text, hint) => {
    const d = nothingFound(inputs, n);
    expect([d.severity, d.code, `${d.pos.file}:${d.pos.line}:${d.pos.column} ${d.message}`, d.hint]).toEqual(['error', 'no-specs', text, hint]);
  });

  it('names each input once', () => expect(inputList(['a', 'a', '-', 'b'])).toBe('a, <stdin>, b'));
});
