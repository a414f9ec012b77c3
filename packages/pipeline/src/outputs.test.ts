import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GENERATED_MARK, MAX_BATCHES_IN_FLIGHT, OutputDir, syncWriter, ThreadWriter, type FileWriter } from './outputs';

/** OutputDir against a real directory: what it writes, replaces, removes and leaves alone. */

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-outputs-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const gen = (body: string) => `# ${GENERATED_MARK} test\n${body}\n`;

/** Every file under dir, relative, with its content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p).split(path.sep).join('/')] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function seed(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
}

const CASES: {
  name: string;
  before: Record<string, string>;
  stage: Record<string, string>;
  drift: { missing: string[]; changed: string[]; extra: string[] };
  after: Record<string, string>;
}[] = [
  {
    name: 'an empty directory gets every file',
    before: {},
    stage: { 'b/x.yaml': gen('x'), 'a/y.yaml': gen('y'), 'top.json': gen('t') },
    drift: { missing: ['a/y.yaml', 'b/x.yaml', 'top.json'], changed: [], extra: [] },
    after: { 'a/y.yaml': gen('y'), 'b/x.yaml': gen('x'), 'top.json': gen('t') },
  },
  {
    name: 'unchanged files are left as they are, changed ones replaced',
    before: { 'a/same.yaml': gen('same'), 'a/old.yaml': gen('old') },
    stage: { 'a/same.yaml': gen('same'), 'a/old.yaml': gen('new') },
    drift: { missing: [], changed: ['a/old.yaml'], extra: [] },
    after: { 'a/same.yaml': gen('same'), 'a/old.yaml': gen('new') },
  },
  {
    name: 'generated files no longer produced are removed; files of others stay',
    before: { 'a/gone.yaml': gen('gone'), 'a/mine.yaml': 'groups: []\n', 'b/deep/gone.json': gen('{}') },
    stage: { 'a/kept.yaml': gen('k') },
    drift: { missing: ['a/kept.yaml'], changed: [], extra: ['a/gone.yaml', 'b/deep/gone.json'] },
    after: { 'a/kept.yaml': gen('k'), 'a/mine.yaml': 'groups: []\n' },
  },
  {
    name: 'a mark far below the head does not make a file ours',
    before: { 'a/notes.yaml': `${'#\n'.repeat(300)}# ${GENERATED_MARK}\n` },
    stage: {},
    drift: { missing: [], changed: [], extra: [] },
    after: { 'a/notes.yaml': `${'#\n'.repeat(300)}# ${GENERATED_MARK}\n` },
  },
];

/** Every writer behaves the same; the threaded one only knows its writes happened after a flush. */
const WRITERS: [string, () => FileWriter & { close?: () => void }][] = [
  ['written at once', () => syncWriter],
  ['written on a thread', () => new ThreadWriter()],
];
let writer: FileWriter & { close?: () => void };

describe.each(WRITERS)('OutputDir, files %s', (_, make) => {
  beforeEach(() => (writer = make()));
  afterEach(() => writer.close?.());

  it.each(CASES)('$name', ({ before, stage, drift, after }) => {
    const root = path.join(tmp, 'out');
    seed(root, before);
    const mtimes = Object.fromEntries(Object.keys(before).map((f) => [f, fs.statSync(path.join(root, f)).mtimeMs]));
    const out = new OutputDir(root, false, writer);
    for (const [p, content] of Object.entries(stage)) out.stage({ path: p, content });
    expect(out.commit()).toEqual(drift);
    expect(tree(root)).toEqual(after);
    for (const f of Object.keys(before)) if (before[f] === after[f]) expect(fs.statSync(path.join(root, f)).mtimeMs).toBe(mtimes[f]);
  });

  it.each(CASES)('check mode reports the same drift and writes nothing: $name', ({ before, stage, drift }) => {
    const root = path.join(tmp, 'out');
    seed(root, before);
    const out = new OutputDir(root, true, writer);
    for (const [p, content] of Object.entries(stage)) out.stage({ path: p, content });
    expect(out.commit()).toEqual(drift);
    expect(tree(root)).toEqual(before);
  });

  it.each(CASES)('abort leaves the directory as it was: $name', ({ before, stage }) => {
    const root = path.join(tmp, 'out');
    seed(root, before);
    const out = new OutputDir(root, false, writer);
    for (const [p, content] of Object.entries(stage)) out.stage({ path: p, content });
    out.abort();
    expect(tree(root)).toEqual(before);
    // a root that did not exist before does not exist after
    expect(fs.existsSync(root)).toBe(Object.keys(before).length > 0);
  });

  it('nothing is visible under the final names before commit when replacing files', () => {
    const root = path.join(tmp, 'out');
    seed(root, { 'a/x.yaml': gen('old') });
    const out = new OutputDir(root, false, writer);
    out.stage({ path: 'a/x.yaml', content: gen('new') });
    writer.flush();
    expect(fs.readFileSync(path.join(root, 'a/x.yaml'), 'utf8')).toBe(gen('old'));
    out.commit();
    expect(tree(root)).toEqual({ 'a/x.yaml': gen('new') });
  });

  it('refuses two files at one path', () => {
    const out = new OutputDir(path.join(tmp, 'out'), false, writer);
    out.stage({ path: 'a.yaml', content: gen('1') });
    expect(() => out.stage({ path: 'a.yaml', content: gen('2') })).toThrow(/two generated files would be written to .*a\.yaml/);
  });

  it('counts what it holds', () => {
    const out = new OutputDir(path.join(tmp, 'out'), false, writer);
    for (const p of ['a.yaml', 'b/c.yaml']) out.stage({ path: p, content: gen(p) });
    expect(out.size).toBe(2);
    out.abort();
  });

  it('a write that fails fails the commit with the file system error, and abort then leaves the directory as it was', () => {
    const root = path.join(tmp, 'out');
    const before = { 'a/x.yaml': gen('old') };
    seed(root, before);
    // the temporary file's name is taken by a directory: the write fails
    fs.mkdirSync(path.join(root, `a/x.yaml.${process.pid}.tmp`));
    const out = new OutputDir(root, false, writer);
    // written at once it fails while staging, on a thread by the commit: either way before anything is in place
    expect(() => {
      out.stage({ path: 'b/new.yaml', content: gen('new') });
      out.stage({ path: 'a/x.yaml', content: gen('new') });
      out.commit();
    }).toThrow(expect.objectContaining({ code: 'EISDIR', path: path.join(root, `a/x.yaml.${process.pid}.tmp`) }));
    out.abort();
    fs.rmdirSync(path.join(root, `a/x.yaml.${process.pid}.tmp`));
    expect(tree(root)).toEqual(before);
  });

  it('writes many files, in batches, all of them by the commit', () => {
    const root = path.join(tmp, 'out');
    seed(root, { 'keep/x.yaml': 'not generated\n' });
    const out = new OutputDir(root, false, writer);
    const big = gen('x'.repeat(300_000));
    // some contents outside ASCII: a batch is sent as one UTF-8 buffer and cut at the files' byte ends
    const text = (i: number) => (i % 3 ? String(i) : `ünïcödé ${i} 日本語 😀`);
    const files = Array.from({ length: 300 }, (_, i) => ({ path: `${i % 2 ? 'keep' : 'new'}/f${i}.yaml`, content: i % 50 ? gen(text(i)) : big }));
    for (const f of files) out.stage(f);
    expect(out.commit().missing).toHaveLength(300);
    const after = tree(root);
    expect(Object.keys(after).sort()).toEqual(['keep/x.yaml', ...files.map((f) => f.path)].sort());
    // compared one by one: a failure names the file instead of printing megabytes
    for (const f of files) expect([f.path, after[f.path] === f.content]).toEqual([f.path, true]);
  });
});

describe('ThreadWriter', () => {
  it('keeps at most a bounded number of batches waiting for the disk, and still writes every file', () => {
    const w = new ThreadWriter();
    try {
      const dir = path.join(tmp, 'many');
      fs.mkdirSync(dir);
      // small files: posting a batch of 64 is far quicker than creating them, so batches would pile up unbounded;
      // each file's content names it, so that a buffer reused too early shows as a wrong file
      const n = 64 * 4 * MAX_BATCHES_IN_FLIGHT;
      for (let i = 0; i < n; i++) w.write(path.join(dir, `f${i}`), `file ${i}\n`);
      w.flush();
      expect(w.maxInFlight).toBeGreaterThan(1);
      expect(w.maxInFlight).toBeLessThanOrEqual(MAX_BATCHES_IN_FLIGHT);
      expect(fs.readdirSync(dir)).toHaveLength(n);
      // batches reuse the buffers of written ones: every file has its own content, none another batch's
      const wrong = Array.from({ length: n }, (_, i) => i).filter((i) => fs.readFileSync(path.join(dir, `f${i}`), 'utf8') !== `file ${i}\n`);
      expect(wrong).toEqual([]);
    } finally {
      w.close();
    }
  });

  it('refuses to write after close rather than losing the file', () => {
    const w = new ThreadWriter();
    w.close();
    expect(() => w.write(path.join(tmp, 'x'), 'x')).toThrow(/after close/);
    // closing again is a no-op, not one more listener on the ended thread
    for (let i = 0; i < 20; i++) w.close();
    expect((w as unknown as { worker: { listenerCount(e: string): number } }).worker.listenerCount('exit')).toBeLessThanOrEqual(1);
  });
});

/**
 * OutputDir with ownership: the manifest records which files each input generated, and a commit removes only
 * files the inputs it answers for generated before. Inputs are shown relative to `tmp` (the working directory).
 */
describe('OutputDir with ownership (the manifest)', () => {
  /** This compile answers for the inputs under specs/a/ (a folder it reads) and nothing else. */
  const ours = () => ({ cwd: tmp, owns: (s: string) => s.startsWith(path.join(tmp, 'specs/a') + path.sep) });
  const manifest = (sources: Record<string, string[]>) =>
    `${JSON.stringify(
      {
        note: 'slo compile records here which files each input generated, so that it only ever removes files its own inputs generated before; do not edit',
        version: 1,
        sources: Object.entries(sources).map(([source, files]) => ({ source, files })),
      },
      null,
      2,
    )}\n`;
  const from = (source: string, body: string) => `# ${GENERATED_MARK} 0.1.0 from ${source}.\n${body}\n`;

  const CASES: {
    name: string;
    before: Record<string, string>;
    stage: { path: string; content: string; sources: string[] }[];
    extra: string[];
    stale: { path: string; from: string[] }[];
    left: string[];
    after: Record<string, string>;
  }[] = [
    {
      name: 'a new folder gets the files and a manifest of them',
      before: {},
      stage: [{ path: 'x/one.yaml', content: from('specs/a/1.yaml', 'one'), sources: ['specs/a/1.yaml'] }],
      extra: [],
      stale: [],
      left: [],
      after: { 'x/one.yaml': from('specs/a/1.yaml', 'one'), '.slo-engine-manifest': manifest({ '../specs/a/1.yaml': ['x/one.yaml'] }) },
    },
    {
      name: "a file its inputs generated before and no longer produce goes; another input's stays, and keeps its entry",
      before: {
        'x/old.yaml': from('specs/a/1.yaml', 'old'),
        'y/theirs.yaml': from('specs/b/2.yaml', 'theirs'),
        '.slo-engine-manifest': manifest({ '../specs/a/1.yaml': ['x/old.yaml'], '../specs/b/2.yaml': ['y/theirs.yaml'] }),
      },
      stage: [{ path: 'x/new.yaml', content: from('specs/a/1.yaml', 'new'), sources: ['specs/a/1.yaml'] }],
      extra: ['x/old.yaml'],
      stale: [{ path: 'x/old.yaml', from: ['specs/a/1.yaml'] }],
      left: [],
      after: {
        'x/new.yaml': from('specs/a/1.yaml', 'new'),
        'y/theirs.yaml': from('specs/b/2.yaml', 'theirs'),
        '.slo-engine-manifest': manifest({ '../specs/a/1.yaml': ['x/new.yaml'], '../specs/b/2.yaml': ['y/theirs.yaml'] }),
      },
    },
    {
      name: 'a file another input lists too stays (a shared overview)',
      before: {
        'overview.json': gen('o'),
        '.slo-engine-manifest': manifest({ '../specs/a/1.yaml': ['overview.json'], '../specs/b/2.yaml': ['overview.json'] }),
      },
      stage: [],
      extra: [],
      stale: [],
      left: [],
      after: { 'overview.json': gen('o'), '.slo-engine-manifest': manifest({ '../specs/b/2.yaml': ['overview.json'] }) },
    },
    {
      name: 'a listed file replaced by hand (no generated mark) stays, and leaves the manifest',
      before: { 'x/old.yaml': 'mine now\n', '.slo-engine-manifest': manifest({ '../specs/a/1.yaml': ['x/old.yaml'] }) },
      stage: [{ path: 'x/new.yaml', content: gen('n'), sources: ['specs/a/1.yaml'] }],
      extra: [],
      stale: [],
      left: [],
      after: { 'x/old.yaml': 'mine now\n', 'x/new.yaml': gen('n'), '.slo-engine-manifest': manifest({ '../specs/a/1.yaml': ['x/new.yaml'] }) },
    },
    {
      name: 'no manifest: a generated file whose header names one of its inputs goes, others are left',
      before: { 'x/mine.yaml': from('specs/a/gone.yaml', 'm'), 'x/other.yaml': from('elsewhere/z.yaml', 'z'), 'x/plain.yaml': gen('p'), 'x/hand.yaml': 'hand\n' },
      stage: [],
      extra: ['x/mine.yaml'],
      stale: [{ path: 'x/mine.yaml', from: ['specs/a/gone.yaml'] }],
      left: ['x/other.yaml', 'x/plain.yaml'],
      after: { 'x/other.yaml': from('elsewhere/z.yaml', 'z'), 'x/plain.yaml': gen('p'), 'x/hand.yaml': 'hand\n' },
    },
    {
      name: 'a manifest that is not one is replaced by a proper one; nothing is removed on its word',
      before: { 'x/old.yaml': from('elsewhere/z.yaml', 'old'), '.slo-engine-manifest': 'not json\n' },
      stage: [{ path: 'x/new.yaml', content: gen('n'), sources: ['specs/a/1.yaml'] }],
      extra: [],
      stale: [],
      left: ['x/old.yaml'],
      after: { 'x/old.yaml': from('elsewhere/z.yaml', 'old'), 'x/new.yaml': gen('n'), '.slo-engine-manifest': manifest({ '../specs/a/1.yaml': ['x/new.yaml'] }) },
    },
  ];

  it.each(CASES)('$name', ({ before, stage, extra, stale, left, after }) => {
    const root = path.join(tmp, 'out');
    seed(root, before);
    const out = new OutputDir(root, false, syncWriter, ours());
    for (const f of stage) out.stage(f);
    expect(out.commit().extra).toEqual(extra);
    expect({ stale: out.stale, left: out.left }).toEqual({ stale, left });
    expect(tree(root)).toEqual(after);
  });

  it.each(CASES)('check mode finds the same and writes nothing: $name', ({ before, stage, extra, stale, left }) => {
    const root = path.join(tmp, 'out');
    seed(root, before);
    const out = new OutputDir(root, true, syncWriter, ours());
    for (const f of stage) out.stage(f);
    expect(out.commit().extra).toEqual(extra);
    expect({ stale: out.stale, left: out.left }).toEqual({ stale, left });
    expect(tree(root)).toEqual(before);
  });

  it('the same files give the same manifest, whatever order they are staged in', () => {
    const files = ['b/2.yaml', 'a/1.yaml', 'c/3.yaml'].map((p, i) => ({ path: p, content: gen(p), sources: [`specs/a/${3 - i}.yaml`, 'specs/a/0.yaml'] }));
    const texts = [files, [...files].reverse()].map((order, i) => {
      const root = path.join(tmp, `out${i}`);
      const out = new OutputDir(root, false, syncWriter, ours());
      for (const f of order) out.stage(f);
      out.commit();
      return fs.readFileSync(path.join(root, '.slo-engine-manifest'), 'utf8');
    });
    expect(texts[1]).toBe(texts[0]);
    expect(texts[0]).toBe(
      manifest({ '../specs/a/0.yaml': ['a/1.yaml', 'b/2.yaml', 'c/3.yaml'], '../specs/a/1.yaml': ['c/3.yaml'], '../specs/a/2.yaml': ['a/1.yaml'], '../specs/a/3.yaml': ['b/2.yaml'] }),
    );
  });
});
