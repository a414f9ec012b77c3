/** PromQL syntax checks, window placeholder substitution and query shape analysis. */
export type { PromqlCheck, PromqlProblem, PromqlValueType, QueryShape } from './types';
export { checkPromql } from './check';
export { substituteWindow, windowPlaceholderPattern } from './placeholders';
export { toRate, rewriteLeMatchers, addMatchers, type ToRateResult } from './rewrite';
export {
  selectors,
  matchesSelector,
  matchesLabelMatcher,
  sampleLabelValue,
  type SelectorInfo,
  type LabelMatcher,
  type MatchOperator,
} from './selectors';
export { mayBeNonFinite, twoSampleRanges, type SampleRange } from './samples';
export { durationSeconds } from './durations';
export { toAst, UnsupportedQuery, type AstNode, type AstSelector } from './ast';
export { storedBound } from './bounds';
/** The expression builder: PromQL composed as data and rendered in one place (`q.render`). */
export * as q from './build';
