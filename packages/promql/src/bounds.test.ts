import { boundSpellings, regexBoundSpellings } from './bounds';

describe('boundSpellings', () => {
  // [bound, what each writer stores for it]: Prometheus 3 (Go formatOpenMetricsFloat), client_golang (Go %g),
  // the Python client, prom-client (JS), the Java simpleclient (Double.toString, as run on JDK 17)
  const stored: [string, { prometheus3: string; go: string; python: string; js: string; java: string }][] = [
    ['0.3', { prometheus3: '0.3', go: '0.3', python: '0.3', js: '0.3', java: '0.3' }],
    ['1', { prometheus3: '1.0', go: '1', python: '1.0', js: '1', java: '1.0' }],
    ['100', { prometheus3: '100.0', go: '100', python: '100.0', js: '100', java: '100.0' }],
    ['0.0005', { prometheus3: '0.0005', go: '0.0005', python: '0.0005', js: '0.0005', java: '5.0E-4' }],
    ['0.00001', { prometheus3: '1e-05', go: '1e-05', python: '1e-05', js: '0.00001', java: '1.0E-5' }],
    ['1e-7', { prometheus3: '1e-07', go: '1e-07', python: '1e-07', js: '1e-7', java: '1.0E-7' }],
    ['123456.7', { prometheus3: '123456.7', go: '123456.7', python: '123456.7', js: '123456.7', java: '123456.7' }],
    ['1000000', { prometheus3: '1e+06', go: '1e+06', python: '1e+06', js: '1000000', java: '1000000.0' }],
    ['1234567.5', { prometheus3: '1.2345675e+06', go: '1.2345675e+06', python: '1.2345675e+06', js: '1234567.5', java: '1234567.5' }],
    ['9999999', { prometheus3: '9.999999e+06', go: '9.999999e+06', python: '9.999999e+06', js: '9999999', java: '9999999.0' }],
    ['1e10', { prometheus3: '1e+10', go: '1e+10', python: '1e+010', js: '10000000000', java: '1.0E10' }],
    ['1e21', { prometheus3: '1e+21', go: '1e+21', python: '1e+21', js: '1e+21', java: '1.0E21' }],
    ['-2.5e-7', { prometheus3: '-2.5e-07', go: '-2.5e-07', python: '-2.5e-07', js: '-2.5e-7', java: '-2.5E-7' }],
  ];
  it.each(stored)("%s: every writer's spelling is among them", (bound, writers) => {
    const spellings = boundSpellings(bound);
    expect(Object.entries(writers).filter(([, s]) => !spellings?.includes(s))).toEqual([]);
  });

  it.each([
    ['0.30', ['0.3', '0.30']],
    ['+Inf', ['+Inf']],
    ['-inf', ['-Inf', '-inf']],
    ['NaN', undefined],
    ['1e400', undefined],
    ['0x10', undefined],
  ] as [string, string[] | undefined][])('%s', (bound, expected) => {
    expect(boundSpellings(bound)).toEqual(expected);
  });
});

describe('regexBoundSpellings', () => {
  it.each([
    ['0.30|1', ['0.3', '0.30', '1', '1.0']],
    ['0\\.25', ['0.25']],
    ['\\+Inf', ['+Inf']],
    ['1e+06', undefined],
    ['0\\.[0-9]+', undefined],
    ['(1)', undefined],
    ['', undefined],
  ] as [string, string[] | undefined][])('%s', (pattern, expected) => {
    expect(regexBoundSpellings(pattern)).toEqual(expected);
  });
});
