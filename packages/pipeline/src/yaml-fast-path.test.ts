/**
 * Every YAML file the pipeline writes for the golden cases takes the rules package's fast emitter: emitYaml is
 * wrapped (not replaced) so that the pipeline's calls can be seen, and none may silently fall back to the slow path.
 */
import { Readable } from 'node:stream';
import { toYamlSlow } from '../../rules/src/render';
import { corpusAvailable } from '../../../test/corpus';
import { compilableCases, ROOT } from '../../../test/golden/cases';
import { planCompile } from './plan';

const mockCalls: { value: unknown; out: string | undefined }[] = [];
// the module the rules package renders through, by path: jest mocks it for every importer
jest.mock('../../rules/src/yaml-emit', () => {
  const actual = jest.requireActual<typeof import('../../rules/src/yaml-emit')>('../../rules/src/yaml-emit');
  return {
    ...actual,
    emitYaml: (value: unknown) => {
      const out = actual.emitYaml(value);
      mockCalls.push({ value, out });
      return out;
    },
  };
});

describe('generated files', () => {
  const cases = compilableCases();

  it('every file the compile pipeline writes for the golden cases takes the fast path', async () => {
    mockCalls.length = 0;
    for (const { inputs } of cases) {
      const plan = await planCompile(inputs, { strict: false, disableTier: [] }, { cwd: ROOT, stdin: Readable.from([]) });
      expect(plan.files.length).toBeGreaterThan(0);
    }
    // the Sloth examples' cases are left out without the corpus
    expect(mockCalls.length).toBeGreaterThan(corpusAvailable() ? 50 : 40);
    const declined = mockCalls.filter((c) => c.out === undefined).map((c) => c.value);
    expect(declined).toEqual([]);
    for (const { value, out } of mockCalls) expect(out).toBe(toYamlSlow(value));
  });
});
