// @integration: clones the repository and runs suites in it
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CORPUS_SKIPPED } from './corpus';

/**
 * A fresh clone has no ../shared/conformance beside it, and its tests must still pass. The suites that read
 * the corpus (test/corpus-suites.json) run here in a child jest with SLO_CONFORMANCE_DIR pointing at a
 * directory that does not exist: they must pass, each with the one skipped test (and the one line on standard
 * error) that says why, and still run their tests that do not need the corpus. CI also runs them in a real
 * fresh clone of the committed HEAD (scripts/test-fresh-clone.sh, from .ci/run).
 */

const ROOT = path.resolve(__dirname, '..');

/** Every suite that reads the corpus, directly or through test/golden/cases' Sloth examples, sorted. */
const CORPUS_SUITES = JSON.parse(readFileSync(path.join(__dirname, 'corpus-suites.json'), 'utf8')) as string[];

interface JestJson {
  numFailedTests: number;
  numRuntimeErrorTestSuites: number;
  numPassedTests: number;
  testResults: { name: string; status: string; message: string; assertionResults: { title: string; status: string }[] }[];
}

let scratch = '';
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function childJest(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve('jest/bin/jest'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** What marks a test file as reading the corpus: the helpers of ./corpus, the Sloth golden cases, or its path. */
const READS_CORPUS = /from '(\.\.?\/)+(test\/)?corpus'|compilableCases|slothCorpus|shared\/conformance/;

describe('a fresh clone, with no ../shared/conformance beside it', () => {
  it('the list of suites that read the corpus is complete', () => {
    const tests = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() && !['node_modules', 'dist'].includes(e.name) ? tests(path.join(dir, e.name)) : e.isFile() && e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : [],
      );
    const readers = ['packages', 'test']
      .flatMap((dir) => tests(path.join(ROOT, dir)))
      .filter((f) => f !== __filename && READS_CORPUS.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f).split(path.sep).join('/'))
      .sort();
    expect(readers).toEqual(CORPUS_SUITES);
  });

  it(
    'passes the suites that read the corpus, each reporting one skip line, the rest of their tests running',
    async () => {
      scratch = mkdtempSync(path.join(tmpdir(), 'slo-fresh-clone-'));
      const out = path.join(scratch, 'jest.json');
      const env: NodeJS.ProcessEnv = { ...process.env, SLO_CONFORMANCE_DIR: path.join(scratch, 'no-corpus-here'), NO_COLOR: '1' };
      delete env.JEST_WORKER_ID;
      const { code, stderr } = await childJest(['--ci', '--json', `--outputFile=${out}`, ...CORPUS_SUITES], env);
      const r = JSON.parse(readFileSync(out, 'utf8')) as JestJson;

      const failed = r.testResults.filter((s) => s.status === 'failed').map((s) => `${path.relative(ROOT, s.name)}\n${s.message.slice(0, 2000)}`);
      expect(failed).toEqual([]);
      expect({ code, failedTests: r.numFailedTests, brokenSuites: r.numRuntimeErrorTestSuites }).toEqual({ code: 0, failedTests: 0, brokenSuites: 0 });

      const ran = r.testResults.map((s) => path.relative(ROOT, s.name)).sort();
      expect(ran).toEqual(CORPUS_SUITES);
      for (const suite of r.testResults) {
        const file = path.relative(ROOT, suite.name);
        const skipLines = suite.assertionResults.filter((a) => a.title === CORPUS_SKIPPED);
        expect({ file, skipLines: skipLines.map((a) => a.status) }).toEqual({ file, skipLines: ['pending'] });
        // no other test is skipped: those that need the corpus are not registered at all
        expect({ file, otherSkipped: suite.assertionResults.filter((a) => a.status !== 'passed' && a.title !== CORPUS_SKIPPED).map((a) => a.title) }).toEqual({ file, otherSkipped: [] });
        expect(stderr.split('\n').filter((l) => l === `${file}: ${CORPUS_SKIPPED}`)).toHaveLength(1);
      }
      // what does not need the corpus still runs (237 when the dialects moved their own tests out of these suites)
      expect(r.numPassedTests).toBeGreaterThan(200);
    },
    5 * 60 * 1000,
  );
});
