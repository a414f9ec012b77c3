import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { CompiledSlo } from '@slo-engine/rules';
import { HistoryError, PromApi } from './api';
import { checkRange, PassRun, type HistoryRange, type PassSummary, type RunOptions } from './passes';
import { listBlocks } from './prometheus';

/**
 * `slo backfill`: TSDB blocks holding every recorded series of the compiled SLOs over a range of history, written
 * into `out` only when all of them are done (never half-written; nothing already in `out` is touched).
 */

export interface BackfillOptions extends RunOptions {
  compiled: CompiledSlo[];
  /** The user's Prometheus, which has the raw series. */
  url: string;
  range: HistoryRange;
  out: string;
  /** Unix seconds; the retention check's "now". */
  now: number;
  onNote?: (line: string) => void;
}

export interface BackfillResult extends PassSummary {
  range: HistoryRange;
  passes: number;
  /** Block directories written into `out`. */
  written: string[];
}

/** `out` must be new or empty: the blocks are moved in as a whole at the end. */
export function checkOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new HistoryError(`--out ${out} is a file; pass a new or empty directory`);
  if (readdirSync(out).length) throw new HistoryError(`--out ${out} is not empty; pass a new or empty directory (nothing in it is changed)`);
}

export async function backfill(o: BackfillOptions): Promise<BackfillResult> {
  checkOut(o.out);
  const api = new PromApi(o.url);
  const { range, notes } = await checkRange(api, o.compiled, o.range, o.now);
  for (const n of notes) o.onNote?.(n);
  const run = new PassRun(o.compiled, range);
  try {
    const summary = await run.run(o.url, o);
    // the blocks go next to `out` first (same file system), then into it: a failure leaves `out` as it was
    const parent = path.dirname(path.resolve(o.out));
    mkdirSync(parent, { recursive: true });
    const staging = path.join(parent, `.${path.basename(o.out)}.partial-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    try {
      for (const dir of run.passDirs) for (const b of listBlocks(dir)) cpSync(path.join(dir, b), path.join(staging, b), { recursive: true });
      checkOut(o.out);
      if (existsSync(o.out)) {
        for (const b of listBlocks(staging)) renameSync(path.join(staging, b), path.join(o.out, b));
        rmSync(staging, { recursive: true, force: true });
      } else renameSync(staging, o.out);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    return { ...summary, range, passes: run.passes.length, written: listBlocks(o.out) };
  } finally {
    await run.close();
  }
}
