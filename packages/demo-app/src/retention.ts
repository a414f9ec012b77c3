import type { Pool } from 'pg';
import { silentLogger, type Logger } from './log';
import type { Metrics } from './metrics';

export interface PruneOptions {
  /** Lookups older than this many days are deleted; must be at least 1. */
  retentionDays: number;
  /** Rows per DELETE: small, so that each statement holds its locks briefly. */
  batchSize?: number;
  /** Batches per run at most; the next run continues. */
  maxBatches?: number;
  /** Pause between batches, so that a backlog does not monopolise a pool connection. */
  pauseMs?: number;
  metrics?: Metrics;
  /** Checked between batches: true stops the run (shutdown). */
  stopped?: () => boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Deletes lookups older than the retention in batches of `batchSize`, oldest first. Each batch is one
 * autocommitted statement; SKIP LOCKED lets several pods run it at once without waiting on each other.
 * The time range is served by lookups_looked_up_at_idx (migration 2). Returns the rows deleted.
 */
export async function pruneLookups(pool: Pool, opts: PruneOptions): Promise<number> {
  const batchSize = opts.batchSize ?? 1000;
  const maxBatches = opts.maxBatches ?? 50;
  let deleted = 0;
  for (let i = 0; i < maxBatches && !opts.stopped?.(); i++) {
    if (i > 0) await sleep(opts.pauseMs ?? 100);
    const end = opts.metrics?.dbQueryDuration.startTimer({ operation: 'retention_delete' });
    let n: number;
    try {
      const r = await pool.query(
        `DELETE FROM lookups WHERE id IN (
           SELECT id FROM lookups WHERE looked_up_at < now() - make_interval(days => $1::int)
           ORDER BY looked_up_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [opts.retentionDays, batchSize],
      );
      n = r.rowCount ?? 0;
      end?.({ outcome: 'ok' });
    } catch (err) {
      end?.({ outcome: 'error' });
      throw err;
    }
    deleted += n;
    opts.metrics?.retentionDeleted.inc(n);
    if (n < batchSize) break;
  }
  return deleted;
}

export interface RetentionJobOptions extends Omit<PruneOptions, 'stopped'> {
  /** Between runs: every few minutes is plenty for a daily horizon. */
  intervalMs?: number;
  /** Before the first run: not while the pod is starting up. */
  firstDelayMs?: number;
  log?: Logger;
}

/**
 * Runs pruneLookups in the background, off the request path, at most once per interval. A failed run
 * is logged and counted, never fatal: the next one tries again.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(
    private readonly pool: Pool,
    private readonly opts: RetentionJobOptions,
  ) {
    this.log = opts.log ?? silentLogger;
  }

  start(): void {
    this.schedule(this.opts.firstDelayMs ?? 60_000);
  }

  /** Stops scheduling and ends a running run after its current batch; resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  /** One run now (also what the timer calls); errors are logged and counted, never thrown. */
  runOnce(): Promise<void> {
    this.current ??= (async () => {
      const t0 = Date.now();
      try {
        const deleted = await pruneLookups(this.pool, { ...this.opts, stopped: () => this.stopped });
        if (deleted > 0) this.log.info('retention: deleted old lookups', { deleted, retentionDays: this.opts.retentionDays, ms: Date.now() - t0 });
      } catch (err) {
        this.opts.metrics?.retentionErrors.inc();
        this.log.warn('retention run failed, retrying next interval', { error: (err as Error).message });
      }
    })().finally(() => (this.current = undefined));
    return this.current;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runOnce().then(() => this.schedule(this.opts.intervalMs ?? 5 * 60_000));
    }, ms);
    // a pending run must not keep the process alive
    this.timer.unref();
  }
}
