#!/usr/bin/env node
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { renderMarkdown, renderSvg } from './report';
import { SECTIONS } from './sections';
import type { Mode, SectionResult } from './section';

/**
 * `pnpm bench [--full | --smoke] [--only id,id]`: runs the benchmark sections one after another (they
 * share two cores; running them together would measure each other) and writes bench/report.md,
 * bench/report.json and the plots. Never part of CI; each section's smoke mode is in the test suite.
 */

const root = path.resolve(__dirname, '../../..');
const today = () => new Date().toISOString().slice(0, 10);

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('measure rule evaluation cost, accuracy, alert timing, compile scale and demo app load')
    .addOption(new Option('--mode <mode>', 'sizes').choices(['smoke', 'default', 'full']).default('default'))
    .option('--full', 'the largest sizes (same as --mode full)', false)
    .option('--smoke', 'tiny sizes, seconds (same as --mode smoke)', false)
    .option('--only <ids>', `comma-separated sections: ${SECTIONS.map((s) => s.id).join(', ')}`)
    .option('--out <dir>', 'where the report goes', path.join(root, 'bench'))
    .parse();
  const o = program.opts<{ mode: Mode; full: boolean; smoke: boolean; only?: string; out: string }>();
  const mode: Mode = o.full ? 'full' : o.smoke ? 'smoke' : o.mode;
  const only = o.only?.split(',').map((s) => s.trim());
  const chosen = SECTIONS.filter((s) => !only || only.includes(s.id));
  if (chosen.length === 0) throw new Error(`no such section: ${o.only}`);

  const began = Date.now();
  const results: SectionResult[] = [];
  for (const s of chosen) {
    const scratch = mkdtempSync(path.join(tmpdir(), `slo-bench-${s.id}-`));
    const t0 = Date.now();
    const log = (line: string) => process.stderr.write(`[${s.id} ${((Date.now() - t0) / 1000).toFixed(0)}s] ${line}\n`);
    log(`starting (${mode})`);
    try {
      const r = await s.run({ mode, root, scratch, log });
      results.push({ ...r, measured: { mode, date: today(), seconds: Math.round((Date.now() - t0) / 1000) } });
      log('done');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  // with --only, the other sections of an earlier report stay in it, so sections can be re-run one at a time
  const previous = path.join(o.out, 'report.json');
  if (only && existsSync(previous)) {
    const earlier = (JSON.parse(readFileSync(previous, 'utf8')) as { sections?: SectionResult[] }).sections ?? [];
    const order = SECTIONS.map((s) => s.id);
    for (const r of earlier) if (!results.some((x) => x.id === r.id)) results.push(r);
    results.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  }
  const seconds = (Date.now() - began) / 1000;
  const meta = { mode, date: today(), only, machine: `${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`, seconds };
  mkdirSync(o.out, { recursive: true });
  for (const r of results) for (const p of r.plots ?? []) writeFileSync(path.join(o.out, p.file), renderSvg(p));
  writeFileSync(path.join(o.out, 'report.md'), renderMarkdown(results, meta));
  writeFileSync(path.join(o.out, 'report.json'), `${JSON.stringify({ ...meta, sections: results }, null, 2)}\n`);
  // the summary: every target at a glance
  for (const r of results) for (const t of r.targets) process.stdout.write(`${t.informational ? 'info   ' : t.met ? 'met    ' : 'MISSED '} ${r.title}: ${t.what}: ${t.measured} (goal ${t.goal})\n`);
  process.stdout.write(`report: ${path.relative(process.cwd(), path.join(o.out, 'report.md'))} (${seconds.toFixed(0)} s)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
