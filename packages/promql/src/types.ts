/** A problem found in a query; offset/length are in the ORIGINAL query text (before placeholder substitution). */
export interface PromqlProblem {
  offset: number;
  length: number;
  message: string;
}

export type PromqlValueType = 'vector' | 'matrix' | 'scalar' | 'string';

export interface QueryShape {
  /** Type of the whole expression (matrix = a bare range selector like x[5m], or a subquery). */
  valueType: PromqlValueType;
  /** Outermost aggregation if the expression (after stripping parens) is one, e.g. sum by (a,b)(...). */
  aggregation?: { op: string; by?: string[]; without?: string[] };
  /** The whole expression is a single vector selector like http_requests_total{code!~"5.."}. */
  isBareSelector: boolean;
  /** Metric names of all selectors, sorted unique (includes __name__="x" matchers). */
  metricNames: string[];
  /** rate/increase/irate/delta/sum_over_time/... is present. */
  usesRangeFunction: boolean;
  /** The original text used {{.window}} / {{ .window }} / $window / ${window}. */
  hasWindowPlaceholder: boolean;
}

export interface PromqlCheck {
  ok: boolean;
  problems: PromqlProblem[];
  /** The query after placeholder substitution, i.e. what was parsed. */
  substituted: string;
  /** Present whenever the text parsed without syntax errors (semantic problems keep it). */
  shape?: QueryShape;
}

/** A problem in the coordinates of whatever text was parsed; mapped back to the original at the end. */
export interface RawProblem {
  from: number;
  to: number;
  message: string;
}
