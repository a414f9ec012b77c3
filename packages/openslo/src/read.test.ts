import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { readInputs, type ReadOptions } from './read';

/** A working directory with specs/ (two levels), helm/ (a chart) and an empty folder. */
let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'read-test-'));
  const files: Record<string, string> = {
    'specs/a.yaml': 'a: 1\n',
    'specs/team/b.yml': 'b: 1\n',
    'specs/team/c.json': '{}\n',
    'specs/notes.txt': 'not read\n',
    'helm/Chart.yaml': 'apiVersion: v2\n',
    'helm/templates/dep.yaml': 'kind: {{ .Values.kind }}\n',
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.join(cwd, path.dirname(f)), { recursive: true });
    writeFileSync(path.join(cwd, f), text);
  }
  mkdirSync(path.join(cwd, 'empty'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const read = (paths: string[], opts: ReadOptions = {}) => readInputs(paths, { cwd, stdin: Readable.from([]), ...opts });
const shown = async (paths: string[], opts: ReadOptions = {}) => (await read(paths, opts)).sources.map((s) => s.file);

describe('readInputs: paths as the user wrote them', () => {
  it.each([
    [['specs'], ['specs/a.yaml', 'specs/team/b.yml', 'specs/team/c.json']],
    [['./specs/'], ['specs/a.yaml', 'specs/team/b.yml', 'specs/team/c.json']],
    [['specs/team/../a.yaml'], ['specs/a.yaml']],
    [['.'], ['helm/Chart.yaml', 'helm/templates/dep.yaml', 'specs/a.yaml', 'specs/team/b.yml', 'specs/team/c.json']],
  ])('%j → %j', async (paths, expected) => expect(await shown(paths)).toEqual(expected));

  it('keeps an absolute argument absolute, with the part below the directory appended', async () => {
    expect(await shown([path.join(cwd, 'specs', 'team')])).toEqual([`${cwd}/specs/team/b.yml`, `${cwd}/specs/team/c.json`]);
    expect(await shown([path.join(cwd, 'specs', 'a.yaml')])).toEqual([`${cwd}/specs/a.yaml`]);
  });

  it('reads standard input as <stdin>', async () => {
    const r = await readInputs(['-'], { cwd, stdin: Readable.from(['apiVersion: openslo/v1\n']) });
    expect(r.sources).toEqual([{ file: '<stdin>', text: 'apiVersion: openslo/v1\n', input: '-' }]);
  });

  it('records the argument each file came from and whether a directory walk found it', async () => {
    const r = await read(['specs/team', 'specs/a.yaml']);
    expect(r.sources.map((s) => [s.file, s.input, s.walked])).toEqual([
      ['specs/team/b.yml', 'specs/team', true],
      ['specs/team/c.json', 'specs/team', true],
      ['specs/a.yaml', 'specs/a.yaml', false],
    ]);
  });
});

describe('readInputs: --include and --exclude', () => {
  it.each([
    ['only YAML anywhere', ['.'], { include: ['**/*.yaml'] }, ['helm/Chart.yaml', 'helm/templates/dep.yaml', 'specs/a.yaml']],
    ['a folder left out, matched below the argument', ['.'], { exclude: ['helm/**'] }, ['specs/a.yaml', 'specs/team/b.yml', 'specs/team/c.json']],
    ['a folder left out, matched as displayed', ['specs'], { exclude: ['specs/team/**'] }, ['specs/a.yaml']],
    ['matched below the argument', ['specs'], { include: ['team/*'] }, ['specs/team/b.yml', 'specs/team/c.json']],
    ['include and exclude together', ['.'], { include: ['specs/**'], exclude: ['**/*.json'] }, ['specs/a.yaml', 'specs/team/b.yml']],
    ['several include globs', ['specs'], { include: ['*.yaml', '**/*.json'] }, ['specs/a.yaml', 'specs/team/c.json']],
    ['an absolute argument, matched below it', ['<abs>/specs'], { include: ['team/**'] }, ['<abs>/specs/team/b.yml', '<abs>/specs/team/c.json']],
    ['a file named on the command line is always read', ['specs/a.yaml', 'helm'], { exclude: ['**/*.yaml'] }, ['specs/a.yaml']],
  ] as [string, string[], ReadOptions, string[]][])('%s', async (_title, paths, opts, expected) => {
    const files = await shown(
      paths.map((p) => p.replace('<abs>', cwd)),
      opts,
    );
    expect(files.map((f) => f.replace(cwd, '<abs>'))).toEqual(expected);
  });

  it('says when the globs leave nothing of a directory', async () => {
    const r = await read(['specs', 'helm'], { exclude: ['helm/**'] });
    expect(r.diagnostics.map((d) => [d.severity, `${d.pos.file}:${d.pos.line}:${d.pos.column}`, d.message, d.hint])).toEqual([
      [
        'warning',
        'helm:1:1',
        'directory has 2 .yaml, .yml or .json files, but --include/--exclude leave none of them',
        "the globs are matched against each file's path below helm and against its path as shown",
      ],
    ]);
  });
});

describe('readInputs: nothing to read', () => {
  const HINT =
    'an OpenSLO spec has apiVersion: openslo/v1 (or openslo/v1alpha, openslo.com/v2alpha) and a kind such as SLO; a Sloth spec has version: prometheus/v1 or apiVersion: sloth.slok.dev/v1. Directories are read recursively for .yaml, .yml and .json files';
  const show = async (paths: string[], opts: ReadOptions = {}) =>
    (await read(paths, opts)).diagnostics.map((d) => `${d.severity} ${d.pos.file}:${d.pos.line}:${d.pos.column} [${d.code}] ${d.message}${d.hint ? ` | ${d.hint}` : ''}`);

  it.each([
    ['an empty directory is an error', ['empty'], {}, [`error empty:1:1 [no-specs] no OpenSLO or Sloth documents found in empty | ${HINT}`]],
    ['globs that leave nothing are too', ['specs/'], { include: ['*.md'] }, [`error specs/:1:1 [no-specs] no OpenSLO or Sloth documents found in specs/ | ${HINT}`]],
    ['an empty directory beside files only warns', ['empty', 'specs/a.yaml'], {}, ['warning empty:1:1 [input] directory has no .yaml, .yml or .json files']],
    ['a missing path is its own error', ['nowhere'], {}, ['error nowhere:1:1 [input] no such file or directory | check the path; directories are read recursively']],
  ] as [string, string[], ReadOptions, string[]][])('%s', async (_title, paths, opts, expected) => expect(await show(paths, opts)).toEqual(expected));
});
