import { FunctionCall } from '@prometheus-io/lezer-promql';
import { KNOWN_FUNCTIONS, RENAMED_FUNCTIONS, isRangeFunction, unknownFunctionMessage } from './functions';
import { parsePromql } from './tree';

/** Parses `name()` and reports whether the grammar saw a clean function call. */
function grammarAcceptsCall(name: string): boolean {
  const tree = parsePromql(`${name}()`);
  let errors = 0;
  tree.iterate({ enter: (n) => void (n.type.isError && errors++) });
  return errors === 0 && tree.topNode.firstChild?.type.id === FunctionCall;
}

describe('function tables agree with the installed grammar', () => {
  it.each([...KNOWN_FUNCTIONS])('%s is a function in the grammar', (name) => {
    expect(grammarAcceptsCall(name)).toBe(true);
  });

  it.each(Object.keys(RENAMED_FUNCTIONS))('%s is no longer in the grammar', (name) => {
    expect(grammarAcceptsCall(name)).toBe(false);
  });

  it.each([
    'rate',
    'increase',
    'irate',
    'delta',
    'idelta',
    'deriv',
    'resets',
    'changes',
    'predict_linear',
    'double_exponential_smoothing',
    'absent_over_time',
    'present_over_time',
    'sum_over_time',
    'quantile_over_time',
  ])('%s takes a range vector', (name) => expect(isRangeFunction(name)).toBe(true));

  it.each(['abs', 'histogram_quantile', 'sum', 'constructor', '__proto__'])('%s does not take a range vector', (name) => {
    expect(isRangeFunction(name)).toBe(false);
  });
});

describe('unknownFunctionMessage', () => {
  it.each([
    ['foo', 'unknown function "foo"'],
    ['Rate', 'unknown function "Rate", did you mean "rate"?'],
    ['incrase', 'unknown function "incrase", did you mean "increase"?'],
    ['avg_over_tim', 'unknown function "avg_over_tim", did you mean "avg_over_time"?'],
    ['summ', 'unknown function "summ", did you mean "sum"?'],
    ['constructor', 'unknown function "constructor"'],
    ['holt_winters', 'holt_winters() was renamed to double_exponential_smoothing() in Prometheus 3'],
  ])('%s', (name, message) => {
    expect(unknownFunctionMessage(name)).toBe(message);
  });
});
