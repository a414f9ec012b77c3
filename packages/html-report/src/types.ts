/** The page model: what `slo report --format html` and `slo backtest` fill in, and `renderHtml` draws. */

export interface HtmlPoint {
  /** Unix seconds. */
  t: number;
  v: number;
}

export interface HtmlAlert {
  lane: string;
  /** Unix seconds. */
  start: number;
  end: number;
  /** Colours the bar: page/critical, ticket/warning, info, pending; anything else in one more colour. */
  severity: string;
  /** E.g. the highest burn rate while it fired. */
  peak?: number;
}

export interface HtmlObjective {
  title: string;
  subtitle?: string;
  /** Shown beside the plots, in this order. */
  numbers: { label: string; value: string }[];
  /** The target, e.g. 0.999 (drawn as a line on the SLI plot). */
  objective: number;
  /** Good ratio 0..1 over time. */
  sli: HtmlPoint[];
  /** Remaining error budget ratio (1 → 0, may go negative). */
  budget: HtmlPoint[];
  /** 0..1; no plot when absent. */
  coverage?: HtmlPoint[];
  /** Alert timeline lanes (tiers), in order. */
  lanes: string[];
  alerts: HtmlAlert[];
  /** E.g. "measured over 2d 4h of 30d". */
  notes?: string[];
}

export interface HtmlPage {
  title: string;
  subtitle?: string;
  /** Unix seconds: the time axis of every plot. */
  from: number;
  to: number;
  objectives: HtmlObjective[];
  notes?: string[];
}
