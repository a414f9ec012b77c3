import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../support/helm';

/** Helpers for test/helm/slo-bundle.test.ts. */

export const CHART = path.join(ROOT, 'helm/slo-bundle');

/** Files under dir whose names end with ext, as sorted paths relative to dir with "/" separators. */
export function listFiles(dir: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith(ext)) out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  // byte order, as Go templates range over map keys
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The chart's naming scheme, written again independently: path below files/<kind>/ without ext, "/" as
 * "-", "slo-" before top-level files, reduced to a DNS-1123 label, plus suffix; over 63 characters, or when
 * two paths map to one name, the base is cut and an 8-hex sha256 of the relative path inserted.
 */
export function expectedNames(rels: string[], suffix: string): Map<string, string> {
  const base = (rel: string): string => {
    let b =
      rel
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '') || 'slo';
    if (!rel.includes('/')) b = `slo-${b}`;
    return b;
  };
  const hashed = (rel: string): string => {
    const keep = 63 - suffix.length - 9;
    const cut = base(rel)
      .slice(0, keep)
      .replace(/^-+|-+$/g, '');
    return `${cut}-${createHash('sha256').update(rel).digest('hex').slice(0, 8)}${suffix}`;
  };
  const plain = new Map(rels.map((r) => [r, `${base(r)}${suffix}`.length > 63 ? hashed(r) : `${base(r)}${suffix}`]));
  const count = new Map<string, number>();
  for (const n of plain.values()) count.set(n, (count.get(n) ?? 0) + 1);
  return new Map(rels.map((r) => [r, count.get(plain.get(r)!)! > 1 ? hashed(r) : plain.get(r)!]));
}

/** helm template's output cut into documents (the separator is a "---" line; indented content never is one). */
export function documents(text: string): string[] {
  return text.split(/^---\n/m).filter((d) => d.trim() !== '');
}

/**
 * The text of a PrometheusRule document's `spec:` block (its last key), every line de-indented by two
 * spaces. Throws when a line is not indented, since then the block would not be the file as it was.
 */
export function specBlock(doc: string): string {
  const at = doc.search(/^spec:\n/m);
  if (at < 0) throw new Error('no spec: block');
  const block = doc.slice(at + 'spec:\n'.length);
  return block
    .split('\n')
    .map((line, i, all) => {
      if (i === all.length - 1 && line === '') return line;
      if (!line.startsWith('  ')) throw new Error(`line ${i + 1} of the spec block is not indented: ${JSON.stringify(line)}`);
      return line.slice(2);
    })
    .join('\n');
}

/** metadata.name and kind of a rendered document (parsed, so comments and order do not matter). */
export function head(doc: string): { kind: string; name: string } {
  const o = parse(doc) as { kind: string; metadata: { name: string } };
  return { kind: o.kind, name: o.metadata.name };
}

/**
 * A copy of the chart in a temp directory with files/ replaced by the given files (paths relative to
 * files/) and, when notesProbe, a template exposing the rendered NOTES.txt as a ConfigMap: helm template
 * does not print NOTES and helm install --dry-run needs a cluster. The probe runs NOTES.txt through tpl,
 * which is fine for the chart's own template (the rule is about generated content).
 */
export function chartCopy(files: Record<string, string> | 'keep', opts: { notesProbe?: boolean } = {}): { dir: string; cleanup: () => void } {
  const tmp = mkdtempSync(path.join(tmpdir(), 'slo-bundle-'));
  const dir = path.join(tmp, 'slo-bundle');
  cpSync(CHART, dir, { recursive: true, filter: (src) => files === 'keep' || path.relative(CHART, src).split(path.sep)[0] !== 'files' });
  if (files !== 'keep') {
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, 'files', rel)), { recursive: true });
      writeFileSync(path.join(dir, 'files', rel), content);
    }
  }
  if (opts.notesProbe) {
    mkdirSync(path.join(dir, 'probe'));
    cpSync(path.join(dir, 'templates/NOTES.txt'), path.join(dir, 'probe/NOTES.txt'));
    writeFileSync(
      path.join(dir, 'templates/zz-notes-probe.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-probe\ndata:\n  notes: {{ tpl (.Files.Get "probe/NOTES.txt") . | toJson }}\n',
    );
  }
  return { dir, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

/** A minimal valid rule file in the generator's shape (comment header, then groups:). */
export function ruleFile(group: string, extra = ''): string {
  return [
    `# Prometheus rules for a test fixture`,
    `# Generated by slo-engine (test fixture).`,
    `groups:`,
    `  - name: ${group}`,
    `    rules:`,
    `      - alert: FixtureBurn`,
    `        expr: vector(1) > 0`,
    `        labels:`,
    `          severity: page`,
    `        annotations:`,
    `          summary: "{{ $labels.instance }} burns {{ $value | humanizePercentage }}"`,
    `          description: |`,
    `            {{ range $i, $x := "a" }}{{ end }}{{ template "x" . }} stays text`,
    extra,
  ].join('\n');
}
