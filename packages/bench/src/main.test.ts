// @integration: runs the built bench command
/** `pnpm bench` as a user runs it: the built entry point in a child process, writing to a scratch report directory. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { SectionResult } from './section';

const MAIN = path.resolve(__dirname, '../dist/main.js');
let out: string;
beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error('run pnpm build first: packages/bench/dist/main.js is missing');
});
beforeEach(() => (out = mkdtempSync(path.join(tmpdir(), 'slo-bench-main-'))));
afterEach(() => rmSync(out, { recursive: true, force: true }));

const bench = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args, '--out', out], { encoding: 'utf8', timeout: 120_000 });

/** A section measured by an earlier run, as report.json keeps it. */
const EARLIER: SectionResult = {
  id: 'appload',
  title: 'Demo app under load',
  method: 'An earlier measurement.',
  tables: [{ title: 'Earlier table', columns: ['a'], rows: [['1']] }],
  targets: [{ what: 'instrumentation overhead', goal: '< 5%', measured: '7.0%', met: false }],
  data: {},
  measured: { mode: 'full', date: '2026-01-02', seconds: 530 },
};

it('re-runs one section, keeps the others from the earlier report, stamps each, and prints every target', () => {
  writeFileSync(path.join(out, 'report.json'), JSON.stringify({ sections: [EARLIER] }));
  const r = bench(['--smoke', '--only', 'scale']);
  expect(r.status).toBe(0);
  // the summary: one line per target of every section in the report, then where the report is
  expect(r.stdout).toMatch(/^MISSED {2}Demo app under load: instrumentation overhead: 7\.0% \(goal < 5%\)\nreport: .*report\.md \(\d+ s\)\n$/);
  expect(r.stderr).toMatch(/\[scale \d+s\] starting \(smoke\)/);

  const json = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { mode: string; only: string[]; sections: SectionResult[] };
  expect(json.mode).toBe('smoke');
  expect(json.only).toEqual(['scale']);
  // in report order (scale before appload), the earlier section untouched
  expect(json.sections.map((s) => s.id)).toEqual(['scale', 'appload']);
  expect(json.sections[1]).toEqual(EARLIER);
  const today = new Date().toISOString().slice(0, 10);
  expect(json.sections[0]!.measured).toEqual({ mode: 'smoke', date: today, seconds: expect.any(Number) });

  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  expect(md).toContain(`the last run (${today}, --only scale) took`);
  expect(md).toMatch(new RegExp(`## Compile scale\\n\\n_Measured ${today}, mode \`smoke\`, in \\d+ s\\._`));
  expect(md).toContain('## Demo app under load\n\n_Measured 2026-01-02, mode `full`, in 530 s._\n\nAn earlier measurement.');
  expect(md).toContain('| Demo app under load | instrumentation overhead | < 5% | 7.0% | **no** |');
  expect(readFileSync(path.join(out, 'compile-scale.svg'), 'utf8')).toMatch(/^<svg /);
}, 120_000);

it('refuses a section that does not exist and writes nothing', () => {
  const r = bench(['--smoke', '--only', 'nope']);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe('bench: no such section: nope\n');
  expect(existsSync(path.join(out, 'report.md'))).toBe(false);
});
