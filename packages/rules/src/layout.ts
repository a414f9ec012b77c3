/**
 * Where the recorded series go. per-slo: each SLO's rule file stands alone; shared: the series that read only
 * recorded series are one rule for all SLOs of the compile, in shared-<inputs>.rules.yaml.
 */
export const LAYOUTS = ['per-slo', 'shared'] as const;
export type Layout = (typeof LAYOUTS)[number];
/** The layout `slo compile` uses without --layout. */
export const DEFAULT_LAYOUT: Layout = 'shared';
