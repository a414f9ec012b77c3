/** PromQL syntax checks, window placeholder substitution and query shape analysis. */
export type { PromqlCheck, PromqlProblem, PromqlValueType, QueryShape } from './types';
export { checkPromql } from './check';
export { substituteWindow, windowPlaceholderPattern } from './placeholders';
