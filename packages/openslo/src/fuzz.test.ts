import { CORPUS, corpusAvailable, describeWithCorpus } from '../../../test/corpus';
import { listFiles } from '../../../test/support/files';
import { mulberry32 } from '../../../test/support/random';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { buildModel, checkSources, type Diagnostic, type EngineOptions, type SourceText } from './index';

/**
 * Seeded fuzz test of the OpenSLO engine.
 *
 * Valid documents (the shared conformance corpus and the repository's own slo-specs) are mutated, on the
 * parsed data (re-serialised with `yaml`) and on the raw text. Whatever the input, `checkSources` must
 * never throw and must either succeed (no errors) or report located diagnostics; `buildModel` on its
 * result must not throw either. A stricter check, in a test of its own, requires every position to lie
 * inside its file. Every run has its own seed derived from SEED, the mutation kind and the run number, so a
 * failure message (which prints all three, the mutation, the input and a shrunk input) reproduces it.
 *
 * Longer local sessions: OPENSLO_FUZZ_SEED=<n> OPENSLO_FUZZ_SCALE=<factor> npx jest packages/openslo/src/fuzz.test.ts
 */

const SEED = Number(process.env.OPENSLO_FUZZ_SEED ?? 0x5105eed) >>> 0;
/** Multiplies the number of runs of each kind; for longer local fuzzing sessions only. */
const SCALE = Number(process.env.OPENSLO_FUZZ_SCALE ?? 1);

const SPECS = path.resolve(__dirname, '../../../slo-specs');

// ---------------------------------------------------------------- PRNG

/** FNV-1a of a string, to derive one seed per (kind, run). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

class Rng {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// ---------------------------------------------------------------- seeds

interface Seed {
  /** Display name, e.g. `valid/x.yaml` or `slo-specs/day/latency.yaml`. */
  name: string;
  /** The inputs checked together; `target` is the one mutated. */
  group: SourceText[];
  target: number;
  /** Parsed documents of the target (plain data), for data-level mutations. */
  docs: unknown[];
}

function parseDocs(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS());
}

/** Without the shared corpus, only the specs: the tests that draw seeds are skipped then (see describeWithCorpus). */
function loadSeeds(): Seed[] {
  const seeds: Seed[] = [];
  const validDir = path.join(CORPUS, 'openslo/valid');
  for (const file of corpusAvailable() ? readdirSync(validDir).sort() : []) {
    const p = path.join(validDir, file);
    if (!statSync(p).isFile()) continue;
    const src = { file: `valid/${file}`, text: readFileSync(p, 'utf8') };
    seeds.push({ name: src.file, group: [src], target: 0, docs: parseDocs(src.text) });
  }
  // The repository's specs refer to each other (DataSource, Service), so each is checked with the others.
  const specs = listFiles(SPECS, /\.yaml$/).map((p) => ({ file: `slo-specs/${path.relative(SPECS, p).split(path.sep).join('/')}`, text: readFileSync(p, 'utf8') }));
  for (const [i, src] of specs.entries()) seeds.push({ name: src.file, group: specs, target: i, docs: parseDocs(src.text) });
  return seeds;
}

const SEEDS = loadSeeds();

// ---------------------------------------------------------------- random values

const STRINGS = [
  '',
  ' ',
  'x',
  'SLO',
  'SLI',
  'openslo/v1',
  'openslo/v1alpha',
  'openslo.com/v2alpha',
  'Prometheus',
  'prometheus',
  'Occurrences',
  'Timeslices',
  'RatioTimeslices',
  '28d',
  '0d',
  '-1h',
  '1.5h',
  '5 m',
  '1Y',
  'Week',
  'sum(rate(x[5m]))',
  'rate(',
  'sum(rate(x{a="b"}[$window]))',
  '{{',
  '${window}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '日本語',
  '\u0000',
  '\ud800',
  '😀',
  'a\nb',
  '"',
  "'",
  '#',
  ': ',
  '- ',
  '*',
  '&a',
  '!!str',
  'yes',
  'no',
  'on',
  '~',
  'null',
  'true',
  '2006-01-02 15:04:05',
  '2024-02-30 00:00:00',
  'America/New_York',
  'Local',
  'UTC',
  'burnrate',
  'gte',
  'lt',
  'My SLO',
  'UPPER',
  'a'.repeat(64),
  '-',
  '.',
  'a..b',
  'x/y',
  'example.com/key',
  'success',
  'failure',
];
const NUMBERS = [0, 1, 0.5, 0.999, 99.9, 100, 101, 1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324, Infinity, NaN, -0, 2 ** 31, 0.1 + 0.2, 1e21];
const NEGATIVES = [-1, -0.001, -1e308, -Infinity, -(2 ** 53), -100];
const NAN_LIKE = ['NaN', '.nan', '.NaN', 'nan', 'Infinity', '-Infinity', '.inf', '-.inf', '1e999', '-1e999', '0x1F', '0o17', '1_000', '+1', '.5', '1e-400', '--1', '1.2.3', '0.999 '];
const VALUE_KINDS = ['number', 'string', 'boolean', 'null', 'list', 'map', 'long-string', 'negative', 'nan-like', 'deep'] as const;
type ValueKind = (typeof VALUE_KINDS)[number];

function randomScalar(r: Rng): unknown {
  switch (r.int(4)) {
    case 0:
      return r.pick(NUMBERS);
    case 1:
      return r.pick(STRINGS);
    case 2:
      return r.chance(0.5);
    default:
      return null;
  }
}

function longString(r: Rng): string {
  const n = r.pick([1_000, 5_000, 20_000, 100_000, 300_000]);
  const unit = r.pick(['a', 'x_', '(', 'sum(', '{', '[', '"', '\\', 'rate(x[5m]) + ', ' ', 'é', '😀', 'ab\ncd\n']);
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

function deepValue(r: Rng): unknown {
  const depth = r.pick([20, 64, 128, 300]);
  let v: unknown = randomScalar(r);
  for (let i = 0; i < depth; i++) v = r.chance(0.5) ? [v] : { [r.pick(['a', 'spec', 'query', 'metadata'])]: v };
  return v;
}

function randomValue(r: Rng, kind: ValueKind): unknown {
  switch (kind) {
    case 'number':
      return r.chance(0.5) ? r.pick(NUMBERS) : Math.round(r.float() * 1e6) / 1e3;
    case 'string':
      return r.chance(0.7)
        ? r.pick(STRINGS)
        : r
            .float()
            .toString(36)
            .slice(2, 2 + r.range(1, 12));
    case 'boolean':
      return r.chance(0.5);
    case 'null':
      return null;
    case 'list':
      return Array.from({ length: r.int(4) }, () => randomScalar(r));
    case 'map':
      return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(STRINGS.filter((s) => s !== '')), randomScalar(r)]));
    case 'long-string':
      return longString(r);
    case 'negative':
      return r.chance(0.7) ? r.pick(NEGATIVES) : -Math.round(r.float() * 1e6) / 1e3;
    case 'nan-like':
      return r.pick(NAN_LIKE);
    case 'deep':
      return deepValue(r);
  }
}

function typeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

// ---------------------------------------------------------------- data-level mutations

interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  path: string;
}

/** Every map entry and list item at any depth. */
function slots(root: unknown, at = '', out: Slot[] = []): Slot[] {
  if (Array.isArray(root)) {
    root.forEach((v, i) => {
      out.push({ parent: root, key: i, path: `${at}[${i}]` });
      slots(v, `${at}[${i}]`, out);
    });
  } else if (typeof root === 'object' && root !== null) {
    for (const [k, v] of Object.entries(root)) {
      out.push({ parent: root as Record<string, unknown>, key: k, path: at ? `${at}.${k}` : k });
      slots(v, at ? `${at}.${k}` : k, out);
    }
  }
  return out;
}

const show = (v: unknown): string => {
  const s = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 60)}… (${s.length} chars)` : s;
};

/** Mutates the documents in place; returns what it did. */
function deleteKey(r: Rng, docs: unknown[]): string {
  const d = r.int(docs.length);
  const all = slots(docs[d]).filter((s) => !Array.isArray(s.parent));
  if (!all.length) return 'delete-key: no key to delete';
  const s = r.pick(all);
  delete (s.parent as Record<string, unknown>)[s.key as string];
  return `delete-key doc ${d} ${s.path}`;
}

function replaceValue(r: Rng, docs: unknown[]): string {
  const d = r.int(docs.length);
  const all = slots(docs[d]);
  const s = all.length && !r.chance(0.03) ? r.pick(all) : undefined;
  const current = s ? (s.parent as Record<string | number, unknown>)[s.key] : docs[d];
  let kind: ValueKind;
  do kind = r.pick(VALUE_KINDS);
  while (kind === typeOf(current));
  const value = randomValue(r, kind);
  if (s) (s.parent as Record<string | number, unknown>)[s.key] = value;
  else docs[d] = value;
  return `replace-value doc ${d} ${s ? s.path : '<document>'} (${typeOf(current)}) by ${kind} ${show(value)}`;
}

const KEY_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  '0',
  '-1',
  'null',
  'true',
  'Spec',
  'APIVERSION',
  'kind ',
  'metadatа',
  'indicatorref',
  'objective',
  'ratioMetrics',
  'thresholdMetric',
  'raw',
  'good',
  'bad',
  'total',
  'query',
  'a.b',
  'a/b',
  'x'.repeat(300),
];

function renameKey(r: Rng, docs: unknown[]): string {
  const d = r.int(docs.length);
  const all = slots(docs[d]).filter((s) => !Array.isArray(s.parent));
  if (!all.length) return 'rename-key: no key to rename';
  const s = r.pick(all);
  const map = s.parent as Record<string, unknown>;
  const to = r.chance(0.7) ? r.pick(KEY_NAMES) : r.pick(STRINGS);
  // Keep the order of the keys: rebuild the map with the one key renamed.
  const entries = Object.entries(map).map(([k, v]) => [k === s.key ? to : k, v] as const);
  for (const k of Object.keys(map)) delete map[k];
  for (const [k, v] of entries) Object.defineProperty(map, k, { value: v, enumerable: true, writable: true, configurable: true });
  return `rename-key doc ${d} ${s.path} to ${show(to)}`;
}

const PROMQL_TOKENS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '`',
  '=~',
  '!~',
  '!=',
  '==',
  '=',
  '!',
  ' by ',
  ' by (job)',
  ' without (a)',
  ' offset 5m',
  ' @ 1',
  '@',
  ':',
  '[5m:1m]',
  '5m',
  '0s',
  '1e',
  '0x',
  'inf',
  'NaN',
  '\\',
  ',',
  '+',
  '-',
  '/',
  '%',
  '^',
  ' and ',
  ' or ',
  ' unless ',
  ' on(a) group_left ',
  'sum(',
  'rate(',
  'histogram_quantile(',
  'label_replace(',
  'absent(',
  'scalar(',
  'vector(1)',
  '$window',
  '{{.window}}',
  '${window}',
  '#',
  '\n',
  '\t',
  ' ',
  '\u0000',
  '\ud800',
  '日本',
  '__name__',
  '{__name__=~".+"}',
  'x{a="\\"}',
  '[1h]',
  '[0m]',
  '[99999999999999999999y]',
  '1e308*',
  '-0',
  '.5',
  'bool ',
  'topk(3, ',
  'quantile_over_time(0.9, ',
];

function mutateQuery(r: Rng, docs: unknown[]): string {
  const d = r.int(docs.length);
  const strings = slots(docs[d]).filter((s) => typeof (s.parent as Record<string | number, unknown>)[s.key] === 'string');
  const queries = strings.filter((s) => s.key === 'query');
  const s = queries.length ? r.pick(queries) : strings.length ? r.pick(strings) : undefined;
  if (!s) return 'mutate-query: no string value';
  const holder = s.parent as Record<string | number, unknown>;
  let q = holder[s.key] as string;
  const what: string[] = [];
  const edits = r.chance(0.25) ? [5] : Array.from({ length: r.range(1, 3) }, () => r.int(6));
  for (const op of edits) {
    const at = r.int(q.length + 1);
    if (op === 5) {
      // A multi-line query, which yaml writes as a block scalar.
      const token = r.pick(['', ' +', ' or', '(', ')', ' by']);
      q = `${q.replace(/ /g, () => (r.chance(0.3) ? '\n' : ' '))}${token}\n`;
      what.push(`multi-line ending in ${JSON.stringify(token)}`);
    } else if (op === 0 || op === 1) {
      const token = r.pick(PROMQL_TOKENS);
      q = q.slice(0, at) + token + q.slice(at);
      what.push(`insert ${JSON.stringify(token)}@${at}`);
    } else if (op === 2) {
      const len = r.range(1, 8);
      q = q.slice(0, at) + q.slice(at + len);
      what.push(`delete ${len}@${at}`);
    } else if (op === 3) {
      const len = r.range(1, 20);
      q = q.slice(0, at + len) + q.slice(at, at + len) + q.slice(at + len);
      what.push(`repeat ${len}@${at}`);
    } else {
      q = q.slice(0, at);
      what.push(`cut@${at}`);
    }
  }
  holder[s.key] = q;
  return `mutate-query doc ${d} ${s.path}: ${what.join(', ')} → ${show(q)}`;
}

function serialise(r: Rng, docs: unknown[], json: boolean): string {
  if (json && docs.length === 1 && r.chance(0.5)) return JSON.stringify(docs[0], null, 2) ?? '';
  return docs.map((d) => stringify(d, { lineWidth: r.pick([0, 80]) })).join('---\n');
}

// ---------------------------------------------------------------- text-level mutations

const lines = (t: string) => t.split('\n');

function duplicateKey(r: Rng, text: string): { text: string; what: string } {
  const ls = lines(text);
  const keyLines = ls.map((l, i) => ({ l, i })).filter(({ l }) => /^\s*(- )?("[^"]+"|'[^']+'|[^\s#:'"{[-][^:#]*):(\s|$)/.test(l));
  if (keyLines.length) {
    const { l, i } = r.pick(keyLines);
    const indent = /^\s*(- )?/.exec(l)![0].length;
    let end = i + 1;
    while (end < ls.length && (ls[end]!.trim() === '' || /^\s*/.exec(ls[end]!)![0].length > indent)) end++;
    const block = ls.slice(i, end);
    block[0] = block[0]!.replace(/^(\s*)- /, '$1  ');
    if (r.chance(0.3)) block.splice(1); // only the key line
    ls.splice(end, 0, ...block);
    return { text: ls.join('\n'), what: `duplicate-key line ${i + 1} (${show(l.trim())}, ${block.length} lines)` };
  }
  // JSON, or YAML in flow style: repeat a "key": scalar pair.
  const pairs = [...text.matchAll(/("[^"\n]+"\s*:\s*("[^"\n]*"|[-+\d.eE]+|true|false|null))/g)];
  if (!pairs.length) return { text, what: 'duplicate-key: no key found' };
  const m = r.pick(pairs);
  const at = m.index! + m[0].length;
  return { text: `${text.slice(0, at)}, ${m[0]}${text.slice(at)}`, what: `duplicate-key ${show(m[0])} at offset ${at}` };
}

function truncate(r: Rng, text: string): { text: string; what: string } {
  const at = r.int(text.length + 1);
  return { text: text.slice(0, at), what: `truncate at offset ${at} of ${text.length}` };
}

const TOKENS = [
  '\0',
  '\t',
  '{',
  '}',
  '[',
  ']',
  '*alias',
  '*a',
  '&anchor ',
  '&a ',
  '---',
  '\n---\n',
  '\n...\n',
  ':',
  ': ',
  '- ',
  '? ',
  '#',
  '"',
  "'",
  '|',
  '>',
  '|-\n',
  '!!binary ',
  '!tag ',
  '!<tag:x> ',
  '!!map ',
  '!!int ',
  '%YAML 1.1\n',
  '%TAG ! tag:x:\n',
  '\r',
  '\r\n',
  '\u2028',
  '\ufeff',
  '\ud800',
  '\\',
  '\n',
  ',',
  '@',
  '`',
  '<<: *a\n',
  '\u0085',
  '\u00a0',
  '\x7f',
  '\x1b',
  '&a [*a]',
  'x: &a\n  y: *a\n',
];

function randomBytes(r: Rng): string {
  const buf = Buffer.from(Array.from({ length: r.range(1, 8) }, () => (r.chance(0.7) ? r.range(0x80, 0xff) : r.int(0x100))));
  return r.chance(0.7) ? buf.toString('latin1') : buf.toString('utf8');
}

function insertBytes(r: Rng, text: string): { text: string; what: string } {
  let t = text;
  const what: string[] = [];
  for (let n = r.range(1, 4); n > 0; n--) {
    const token = r.chance(0.3) ? randomBytes(r) : r.pick(TOKENS);
    const at = r.int(t.length + 1);
    t = t.slice(0, at) + token + t.slice(at);
    what.push(`${JSON.stringify(token)}@${at}`);
  }
  return { text: t, what: `insert-bytes ${what.join(' ')}` };
}

function swapLines(r: Rng, text: string): { text: string; what: string } {
  const ls = lines(text);
  if (ls.length < 2) return { text, what: 'swap-lines: fewer than two lines' };
  const i = r.int(ls.length);
  let j = r.int(ls.length - 1);
  if (j >= i) j++;
  [ls[i], ls[j]] = [ls[j]!, ls[i]!];
  return { text: ls.join('\n'), what: `swap-lines ${i + 1} and ${j + 1}` };
}

function reindentLine(r: Rng, text: string): { text: string; what: string } {
  const ls = lines(text);
  const i = r.int(ls.length);
  const line = ls[i]!;
  const lead = /^[ \t]*/.exec(line)![0].length;
  const op = r.int(4);
  if (op === 0) ls[i] = ' '.repeat(r.range(1, 4)) + line;
  else if (op === 1) ls[i] = line.slice(Math.min(lead, r.range(1, Math.max(1, lead))));
  else if (op === 2) ls[i] = `\t${line.slice(lead)}`;
  else ls[i] = `${' '.repeat(lead)}\t${line.slice(lead)}`;
  return { text: ls.join('\n'), what: `reindent-line ${i + 1} (${['indent', 'dedent', 'tab-indent', 'tab-after-indent'][op]})` };
}

// ---------------------------------------------------------------- checking one input

/**
 * `throw` and `malformed` break the contract (never throw; every diagnostic has a code, a message, the input's
 * file, line >= 1 and column >= 1). `misplaced` is stricter: the position is well-formed but not inside the
 * file (past its last line, or past the end of its line); these are collected and reported by a test of their own.
 */
type Problem = { kind: 'throw'; stage: string; error: unknown } | { kind: 'malformed' | 'misplaced'; stage: string; detail: string };

/** What is wrong with the engine's answer for these inputs, if anything (the worst problem). */
function check(group: SourceText[], options: EngineOptions): Problem | undefined {
  const files = new Set(group.map((s) => s.file));
  // Lines as the YAML parser counts them (a line ends at \n); a position may point just past a line's end.
  const fileLines = new Map(group.map((s) => [s.file, s.text.split('\n')]));
  let misplaced: Problem | undefined;
  const located = (stage: string, ds: unknown): Problem | undefined => {
    if (!Array.isArray(ds)) return { kind: 'malformed', stage, detail: 'diagnostics is not an array' };
    // typed as declared; every field is still checked at run time, since a broken answer is what the fuzzer looks for
    for (const d of ds as Diagnostic[]) {
      const p = d?.pos;
      const bad = !['error', 'warning'].includes(d?.severity)
        ? `severity ${show(d?.severity)}`
        : typeof d.code !== 'string' || d.code === ''
          ? 'empty code'
          : typeof d.message !== 'string' || d.message.trim() === ''
            ? 'empty message'
            : typeof p !== 'object' || p === null
              ? 'no pos'
              : !files.has(p.file)
                ? `file ${show(p.file)} is not an input`
                : !Number.isInteger(p.line) || p.line < 1
                  ? `line ${show(p.line)}`
                  : !Number.isInteger(p.column) || p.column < 1
                    ? `column ${show(p.column)}`
                    : typeof d.path !== 'string'
                      ? `path ${show(d.path)}`
                      : d.hint !== undefined && typeof d.hint !== 'string'
                        ? `hint ${show(d.hint)}`
                        : undefined;
      if (bad) return { kind: 'malformed', stage, detail: `${bad} [${show(d?.code)}] at ${show(p)}: ${show(d?.message)}` };
      const lines = fileLines.get(p.file)!;
      const outside =
        p.line > lines.length
          ? `line ${p.line} is past the end of the file (${lines.length} lines)`
          : p.column > lines[p.line - 1]!.length + 1
            ? `column ${p.column} is past the end of line ${p.line} (${lines[p.line - 1]!.length} characters)`
            : undefined;
      if (outside) misplaced ??= { kind: 'misplaced', stage, detail: `${outside} [${show(d.code)}] at ${show(p)}: ${show(d.message)}` };
      try {
        JSON.stringify(d);
      } catch (error) {
        return { kind: 'throw', stage: `${stage} JSON.stringify(diagnostic)`, error };
      }
    }
    return undefined;
  };
  let result: ReturnType<typeof checkSources>;
  try {
    result = checkSources(group, options);
  } catch (error) {
    return { kind: 'throw', stage: 'checkSources', error };
  }
  if (!Array.isArray(result?.objects)) return { kind: 'malformed', stage: 'checkSources', detail: 'result has no objects array' };
  const p1 = located('checkSources', result.diagnostics);
  if (p1) return p1;
  let model: ReturnType<typeof buildModel>;
  try {
    model = buildModel(result);
  } catch (error) {
    return { kind: 'throw', stage: 'buildModel', error };
  }
  return located('buildModel', model?.diagnostics) ?? misplaced;
}

/** Groups failures that are the same bug: where it was thrown, or which rule was broken. */
function signature(p: Problem): string {
  if (p.kind !== 'throw')
    return `${p.stage}: ${p.kind} diagnostic: ${p.detail
      .replace(/ at \{.*$/s, '')
      .replace(/\d+/g, 'N')
      .replace(/"[^"\]]*"(?!\])/g, '"…"')}`;
  const e = p.error as Error;
  const frame =
    (e?.stack ?? '')
      .split('\n')
      .find((l) => /^\s+at /.test(l))
      ?.trim()
      .replace(/:\d+:\d+\)?$/, '') ?? '';
  return `${p.stage}: ${e?.name ?? typeof e}: ${String(e?.message ?? e)
    .split('\n')[0]!
    .replace(/\d+/g, 'N')
    .slice(0, 80)} ${frame}`;
}

function describeProblem(p: Problem): string {
  if (p.kind !== 'throw') return `${p.stage} returned a ${p.kind} diagnostic: ${p.detail}`;
  const e = p.error as Error;
  return `${p.stage} threw: ${(e?.stack ?? String(e)).split('\n').slice(0, 6).join('\n    ')}`;
}

/** Shrinks the mutated text while the same failure persists (lines, then characters), within a budget. */
function shrink(group: SourceText[], target: number, options: EngineOptions, sig: string): string {
  const fails = (text: string) => {
    const g = group.map((s, i) => (i === target ? { ...s, text } : s));
    const p = check(g, options);
    return p !== undefined && signature(p) === sig;
  };
  const deadline = Date.now() + 3000;
  const ddmin = (parts: string[], join: string): string[] => {
    let chunk = Math.max(1, parts.length >> 1);
    while (chunk >= 1 && Date.now() < deadline) {
      let removed = false;
      for (let i = 0; i < parts.length && Date.now() < deadline; ) {
        const candidate = [...parts.slice(0, i), ...parts.slice(i + chunk)];
        if (fails(candidate.join(join))) {
          parts = candidate;
          removed = true;
        } else i += chunk;
      }
      if (!removed) chunk >>= 1;
    }
    return parts;
  };
  let text = group[target]!.text;
  text = ddmin(lines(text), '\n').join('\n');
  if (text.length <= 4000) text = ddmin([...text], '').join('');
  return text;
}

// ---------------------------------------------------------------- the table

interface Mutated {
  text: string;
  what: string[];
}

type Mutator = (r: Rng, seed: Seed) => Mutated;

const dataMutation =
  (op: (r: Rng, docs: unknown[]) => string): Mutator =>
  (r, seed) => {
    const docs = structuredClone(seed.docs);
    const what = op(r, docs);
    return { text: serialise(r, docs, seed.name.endsWith('.json')), what: [what] };
  };

const textMutation =
  (op: (r: Rng, text: string) => { text: string; what: string }): Mutator =>
  (r, seed) => {
    const m = op(r, seed.group[seed.target]!.text);
    return { text: m.text, what: [m.what] };
  };

const TEXT_OPS = [duplicateKey, truncate, insertBytes, swapLines, reindentLine];

const MUTATIONS: [kind: string, runs: number, mutate: Mutator][] = [
  ['delete-key', 300, dataMutation(deleteKey)],
  ['replace-value', 450, dataMutation(replaceValue)],
  ['rename-key', 150, dataMutation(renameKey)],
  ['mutate-query', 300, dataMutation(mutateQuery)],
  [
    'duplicate-key',
    250,
    (r, seed) => {
      if (r.chance(0.5)) return textMutation(duplicateKey)(r, seed);
      const text = serialise(r, structuredClone(seed.docs), seed.name.endsWith('.json'));
      const m = duplicateKey(r, text);
      return { text: m.text, what: ['re-serialised', m.what] };
    },
  ],
  ['truncate', 250, textMutation(truncate)],
  ['insert-bytes', 350, textMutation(insertBytes)],
  ['swap-lines', 200, textMutation(swapLines)],
  ['reindent-line', 200, textMutation(reindentLine)],
  [
    'stacked',
    300,
    (r, seed) => {
      // First a few data mutations (re-serialised), then a few text mutations on the result.
      const docs = structuredClone(seed.docs);
      const what: string[] = [];
      for (let n = r.int(3); n > 0; n--) what.push(r.pick([deleteKey, replaceValue, renameKey, mutateQuery])(r, docs));
      let text = what.length ? serialise(r, docs, seed.name.endsWith('.json')) : seed.group[seed.target]!.text;
      for (let n = r.range(1, 3); n > 0; n--) {
        const m = r.pick(TEXT_OPS)(r, text);
        text = m.text;
        what.push(m.what);
      }
      return { text, what };
    },
  ],
];

if (SCALE !== 1) for (const m of MUTATIONS) m[1] = Math.max(1, Math.round(m[1] * SCALE));
const TOTAL_RUNS = MUTATIONS.reduce((n, [, runs]) => n + runs, 0);

describeWithCorpus('openslo fuzz: seeds', () => {
  it('reads the corpus and the specs', () => {
    expect(SEEDS.filter((s) => s.name.startsWith('valid/')).length).toBeGreaterThanOrEqual(80);
    expect(SEEDS.filter((s) => s.name.startsWith('slo-specs/')).length).toBeGreaterThanOrEqual(1);
    // Unmutated, every seed is accepted.
    for (const s of SEEDS) expect(check(s.group, {})).toBeUndefined();
  });

  it(`runs at least 2000 mutations (${TOTAL_RUNS})`, () => expect(TOTAL_RUNS).toBeGreaterThanOrEqual(2000));
});

type Failures = Map<string, { count: number; report: () => string }>;

/** Positions outside their file, from all mutation kinds; reported by the last test of the table. */
const MISPLACED: Failures = new Map();

function failureReport(kind: string, failures: Failures, runs: number): string {
  const body = [...failures.entries()].map(([sig, f]) => `${f.report()}\n  (${f.count} run(s) with signature: ${sig})`).join('\n\n');
  return `${kind}: ${failures.size} distinct engine failure(s) in ${runs} runs\n\n${body}`;
}

describeWithCorpus(`openslo fuzz: mutations (seed 0x${SEED.toString(16)})`, () => {
  it.each(MUTATIONS)('%s × %i never throws and reports located diagnostics', (kind, runs, mutate) => {
    const broken: Failures = new Map();
    for (let run = 0; run < runs; run++) {
      const runSeed = hash(`${SEED}:${kind}:${run}`);
      const r = new Rng(runSeed);
      const seed = r.pick(SEEDS);
      const m = mutate(r, seed);
      const options: EngineOptions = { strict: r.chance(0.3), missingReferences: r.chance(0.3) ? 'error' : 'warning' };
      const group = seed.group.map((s, i) => (i === seed.target ? { ...s, text: m.text } : s));
      const problem = check(group, options);
      if (!problem) continue;
      const sig = signature(problem);
      const failures = problem.kind === 'misplaced' ? MISPLACED : broken;
      const seen = failures.get(sig);
      if (seen) {
        seen.count++;
        continue;
      }
      failures.set(sig, {
        count: 1,
        report: () => {
          const minimal = shrink(group, seed.target, options, sig);
          return [
            `- ${describeProblem(problem)}`,
            `  replay: SEED=0x${SEED.toString(16)} kind=${kind} run=${run} (run seed 0x${runSeed.toString(16)}), base ${seed.name}, options ${JSON.stringify(options)}`,
            `  mutation: ${m.what.join('; ')}`,
            `  mutated input (${m.text.length} chars): ${show(m.text.length > 400 ? m.text.slice(0, 400) : m.text)}`,
            `  minimal input: ${JSON.stringify(minimal.length > 600 ? `${minimal.slice(0, 600)}…` : minimal)}`,
          ].join('\n');
        },
      });
    }
    if (broken.size) throw new Error(failureReport(kind, broken, runs));
  });

  it('every reported position lies inside its file (not past the last line, nor past the end of its line)', () => {
    if (MISPLACED.size) throw new Error(failureReport('all kinds', MISPLACED, TOTAL_RUNS));
  });
});

// ---------------------------------------------------------------- fixed hostile inputs

const SLO_HEAD = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: hostile
spec:
  service: svc
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  objectives:
    - target: 0.99
  indicator:
    metadata:
      name: ratio
    spec:
      ratioMetric:
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(ok[5m]))
        total:
          metricSource:
            type: Prometheus
            spec:
`;

function billionLaughs(levels = 9, width = 9): string {
  const out = [`l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let i = 1; i < levels; i++)
    out.push(
      `l${i}: &l${i} [${Array(width)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `${out.join('\n')}\n`;
}

const DEPTH = 5000;
const MB = 1024 * 1024;

const HOSTILE: { name: string; text: () => string; code?: string }[] = [
  { name: 'alias bomb (9 levels × 9 aliases)', text: () => billionLaughs(), code: 'yaml-alias-limit' },
  { name: 'alias bomb inside an SLO', text: () => `${SLO_HEAD}              query: sum(rate(all[5m]))\n  bomb:\n${billionLaughs().replace(/^/gm, '    ')}`, code: 'yaml-alias-limit' },
  { name: 'alias bomb in a second document', text: () => `apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: a\n---\n${billionLaughs()}`, code: 'yaml-alias-limit' },
  { name: 'alias bomb in flow style', text: () => `{${billionLaughs().trim().split('\n').join(', ')}}`, code: 'yaml-alias-limit' },
  { name: `[[[…]]] ${DEPTH} levels deep`, text: () => '['.repeat(DEPTH) + ']'.repeat(DEPTH) },
  { name: `{a: {a: …}} ${DEPTH} levels deep`, text: () => `${'{a: '.repeat(DEPTH)}1${'}'.repeat(DEPTH)}` },
  { name: `- - - … ${DEPTH} levels deep (block sequences)`, text: () => `${'- '.repeat(DEPTH)}x\n` },
  {
    name: `${DEPTH}-deep list as a label value of an SLO`,
    text: () => `${SLO_HEAD.replace('  name: hostile\n', `  name: hostile\n  labels:\n    x: ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}\n`)}              query: sum(rate(all[5m]))\n`,
  },
  { name: `${DEPTH}-deep map as the spec of an SLO`, text: () => `apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: hostile\nspec: ${'{a: '.repeat(DEPTH)}1${'}'.repeat(DEPTH)}\n` },
  { name: `${DEPTH}-deep parentheses as a PromQL query`, text: () => `${SLO_HEAD}              query: "${'('.repeat(DEPTH)}x${')'.repeat(DEPTH)}"\n` },
  { name: 'self-referencing alias (a cycle)', text: () => 'a: &a [*a]\nb: &b {c: *b}\n' },
  { name: 'self-referencing alias inside an SLO', text: () => `${SLO_HEAD}              query: &q {x: *q}\n` },
  { name: 'alias to an undefined anchor', text: () => 'a: *nope\n' },
  { name: 'merge keys', text: () => `base: &b {apiVersion: openslo/v1, kind: Service}\n<<: *b\nmetadata: {name: m}\n` },
  {
    name: 'prototype-like keys everywhere',
    text: () =>
      `${SLO_HEAD.replace('  name: hostile\n', '  name: hostile\n  __proto__: {polluted: 1}\n  labels: {__proto__: x, constructor: y, toString: z}\n  annotations: {hasOwnProperty: 1}\n').replace(
        '  service: svc\n',
        '  service: svc\n  __proto__: null\n  constructor: {prototype: 1}\n',
      )}              query: sum(rate(all[5m]))\n__proto__: {apiVersion: x}\n`,
  },
  { name: 'complex keys', text: () => '? [a, b]\n: 1\n? {apiVersion: openslo/v1}\n: 2\n' },
  { name: 'empty file', text: () => '' },
  { name: 'only comments', text: () => '# nothing here\n  # indented comment\n#\n' },
  { name: '--- only', text: () => '---' },
  { name: '--- and ... only', text: () => '---\n...\n---\n' },
  { name: 'only whitespace and newlines', text: () => ' \n\t\n\r\n   ' },
  { name: 'NUL only', text: () => '\0' },
  { name: 'BOM only', text: () => '\ufeff' },
  { name: '1 MB single-line plain value', text: () => `key: ${'a'.repeat(MB)}\n` },
  {
    name: '1 MB single-line quoted description of an SLO',
    text: () => `${SLO_HEAD.replace('  service: svc\n', `  service: svc\n  description: "${'a '.repeat(MB / 2)}"\n`)}              query: sum(rate(all[5m]))\n`,
  },
  { name: '1 MB single-line PromQL query', text: () => `${SLO_HEAD}              query: ${'a'.repeat(MB)}\n` },
  { name: '1 MB PromQL query of additions', text: () => `${SLO_HEAD}              query: ${'x + '.repeat(MB / 4)}x\n` },
  { name: '1 MB single-line metadata.name', text: () => `${SLO_HEAD.replace('name: hostile', `name: ${'a'.repeat(MB)}`)}              query: sum(rate(all[5m]))\n` },
];

/** Inputs the fuzzer found mislocated (reduced by hand); kept as fixed cases so they stay reproducible. */
const FOUND: { name: string; text: () => string }[] = [
  // yaml's LineCounter misses the line breaks inside a scalar token that the parser skips while recovering from an error,
  // so later syntax errors are placed on an earlier line, past its end (here 2:5 for the ':' at 3:4).
  { name: 'syntax error after a multi-line stray scalar', text: () => ' :\ny\n  y:\n' },
  { name: 'unterminated quoted key after a stray flow map', text: () => '{},\n": "' },
  // The end of a block-literal query ("unexpected end of query") is mapped past the scalar, onto the next line.
  { name: 'PromQL error at the end of a block-literal query', text: () => `${SLO_HEAD}              query: |\n                sum(rate(all[5m])) +\n` },
  { name: 'PromQL error at the end of a block-literal query at the end of the file', text: () => `${SLO_HEAD}              query: |\n                sum(rate(all[5m])) +` },
];

describe('openslo fuzz: inputs found by the fuzzer', () => {
  it.each(FOUND)('$name: positions lie inside the file', ({ text: make }) => {
    const text = make();
    const problem = check([{ file: 'found.yaml', text }], {});
    if (problem) throw new Error(`${describeProblem(problem)}\n  input: ${JSON.stringify(text.length > 300 ? `…${text.slice(-300)}` : text)}`);
  });
});

describe('openslo fuzz: hostile inputs', () => {
  beforeAll(() => {
    // Warm up (module loading, regex compilation) so that the timings below measure the engine. The bounds catch a
    // hang or an exponential blow-up, not speed (that is the bench's job), so they leave room for a loaded machine.
    checkSources([{ file: 'warm.yaml', text: `${SLO_HEAD}              query: sum(rate(all[5m]))\n` }]);
  });

  it.each(HOSTILE)('$name', ({ name, text: make, code: expectCode }) => {
    const file = 'hostile.yaml';
    const text = make();
    const started = performance.now();
    const problem = check([{ file, text }], {});
    const ms = performance.now() - started;
    if (problem) throw new Error(`${name}: ${describeProblem(problem)}\n  input (${text.length} chars): ${show(text.slice(0, 200))}`);
    if (expectCode) {
      const result = checkSources([{ file, text }]);
      expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toContain(expectCode);
      expect(ms).toBeLessThan(2000);
    }
    expect(ms).toBeLessThan(5000);
  });

  it('the alias bomb is refused quickly', () => {
    const started = performance.now();
    const result = checkSources([{ file: 'bomb.yaml', text: billionLaughs() }]);
    const ms = performance.now() - started;
    expect(result.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'yaml-alias-limit', pos: { file: 'bomb.yaml', line: expect.any(Number), column: expect.any(Number) } })]);
    expect(ms).toBeLessThan(2000);
  });
});
