/**
 * What every benchmark section returns; main.ts turns them into bench/report.md, bench/report.json and
 * the plot. Sections measure, they never assert: targets are compared and reported, not enforced.
 */

/** smoke: tiny sizes, seconds, run by the test suite so benchmarks cannot rot; default: the sizes; full: the largest. */
export type Mode = 'smoke' | 'default' | 'full';

export interface Table {
  title: string;
  columns: string[];
  /** Cells as displayed (already formatted). */
  rows: string[][];
}

export interface Target {
  what: string;
  /** e.g. "≤ 0.1", "< 5 s" */
  goal: string;
  /** The measured value as displayed. */
  measured: string;
  met: boolean;
  /** Shown for comparison, not a goal: no yes/no. */
  informational?: boolean;
}

/** One series of a line plot: y against x. */
export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

export interface Plot {
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}

export interface SectionResult {
  id: string;
  title: string;
  /** How it was measured, in a few sentences (machine, sizes, method). */
  method: string;
  tables: Table[];
  targets: Target[];
  plots?: Plot[];
  /** Raw numbers for report.json. */
  data: unknown;
  notes?: string[];
  /** When and how this section was measured, stamped by main.ts: sections of a report may come from different runs (--only). */
  measured?: { mode: Mode; date: string; seconds: number };
}

export interface Context {
  mode: Mode;
  /** Repository root. */
  root: string;
  /** A scratch directory the section may use and must not leave anything outside of. */
  scratch: string;
  log: (line: string) => void;
}

export type Section = (ctx: Context) => Promise<SectionResult>;
