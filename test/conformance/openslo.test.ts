import { checkSources, type Diagnostic, type EngineOptions } from '@slo-engine/openslo';
import { corpusFiles, corpusText, describeWithCorpus } from '../corpus';

/**
 * Conformance against the public OpenSLO corpus (shared/conformance/openslo, see its INDEX.md).
 * valid/: accepted. invalid/: rejected with an error matching the reason on the file's first line.
 * "disputed" documents (another tool or the spec text accepts them): one warning by default, rejected with --strict.
 */

function check(dir: string, file: string, opts: EngineOptions = {}) {
  const result = checkSources([{ file, text: corpusText(dir, file) }], opts);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
  return { result, errors, warnings };
}

const show = (ds: Diagnostic[]) => ds.map((d) => `${d.pos.line}:${d.pos.column} ${d.path} [${d.code}] ${d.message}`).join('\n');

describeWithCorpus('openslo/valid', () => {
  const files = corpusFiles('openslo/valid');
  it('has the 82 documents INDEX.md lists', () => expect(files).toHaveLength(82));

  it.each(files)('%s is accepted', (file) => {
    const { errors, warnings } = check('openslo/valid', file);
    expect(show(errors)).toBe('');
    // A valid document only warns about references to objects it does not define.
    expect(warnings.filter((w) => !['missing-reference', 'duplicate-name', 'query-shape'].includes(w.code)).map((w) => w.message)).toEqual([]);
  });

  it('warns about missing references in exactly the 31 documents that refer to objects they do not define', () => {
    const withMissing = files.filter((f) => check('openslo/valid', f).warnings.some((w) => w.code === 'missing-reference'));
    expect(withMissing).toHaveLength(31);
  });
});

/** Reason on line 1 → the rule codes (default mode, strict mode) that must be among the errors. */
const REASONS: [RegExp, string[]][] = [
  [/dangling reference/, ['missing-reference']],
  [/RFC.?1123|contains a space/, ['name-format']],
  [/unknown (field|key)|is not a field|no field 'counter'/, ['unknown-field', 'condition-operator', 'v1alpha-counter']],
  [/apiVersion '.*' is not a supported/, ['api-version']],
  [/does not exist in apiVersion/, ['kind']],
  [/budgetingMethod is required|no budgetingMethod/, ['required']],
  [/budgetingMethod (must be one of|enum)/, ['enum']],
  [/no timeWindow|timeWindow missing|spec\.timeWindow missing/, ['required']],
  [/timeWindow must contain exactly one/, ['time-window']],
  [/duration '.*' (has no postfix|is not a duration)|is not an allowed duration/, ['duration', 'calendar-word-duration']],
  [/isRolling: (false|true)|neither isRolling/, ['time-window', 'v1alpha-implicit-rolling', 'rolling-with-calendar']],
  [/startTime must be/, ['calendar']],
  [/timeZone .* is not a name/, ['calendar']],
  [/target and targetPercent|both target and targetPercent/, ['target']],
  [/neither target nor targetPercent/, ['target']],
  [/target must be < 1|must be in \[0\.0, 1\.0\)|targetPercent must be in/, ['range']],
  [/timeSliceTarget must be in/, ['range']],
  [/requires objectives\[\]\.timeSliceTarget|lacks objectives\[0\]\.timeSliceTarget/, ['time-slices', 'v1alpha-timeslice-target']],
  [/requires objectives\[\]\.timeSliceWindow/, ['time-slices']],
  [/compositeWeight must be > 0/, ['range']],
  [/lacks op and value/, ['threshold-objective']],
  [/op must be one of/, ['enum']],
  [/only one objective/, ['threshold-objectives']],
  [/objectives is a required/, ['required', 'objectives-missing']],
  [/op set although|sets op\/value|op with a ratioMetric/, ['ratio-objective', 'ratio-objective-op']],
  [/value missing/, ['v1alpha-objective-value']],
  [/both indicator and indicatorRef|while spec\.indicator is also set/, ['indicator']],
  [/neither indicator nor indicatorRef/, ['indicator']],
  [/inline indicator has no spec/, ['indicator-without-spec']],
  [/metricSource has no spec/, ['required']],
  [/metadata\.name is required/, ['required']],
  [/description (must contain at most|longer than)/, ['length']],
  [/label.*key .* must begin/, ['label-key']],
  [/annotations key/, ['annotation-key']],
  [/alertPolicies\[0?\]? (items must be|is a bare string)/, ['alert-policy-string']],
  [/both a conditionRef and an inline/, ['ref-or-inline']],
  [/neither a conditionRef nor an inline|neither a targetRef nor an inline/, ['ref-or-inline', 'unknown-field']],
  [/allows at most|allows only one|max one|9 conditions|conditions has 9/, ['multiple-conditions']],
  [/conditions is empty/, ['conditions', 'required']],
  [/notificationTargets (is a required|missing)/, ['required']],
  [/condition\.kind must be burnrate|kind 'sli' is not burnrate/, ['condition', 'condition-kind-sli']],
  [/requires op|has no op|lack op/, ['burnrate-without-op']],
  [/requires threshold/, ['condition']],
  [/requires lookbackWindow/, ['condition']],
  [/negative lookbackWindow/, ['negative-lookback']],
  [/condition is required and missing/, ['required']],
  [/severity is required/, ['required']],
  [/target is required and missing/, ['required']],
  [/good and bad|good or bad/, ['ratio-shape']],
  [/good but no total/, ['ratio-shape']],
  [/total but neither good nor bad/, ['ratio-shape']],
  [/raw together with|raw is used without rawType/, ['ratio-shape']],
  [/neither thresholdMetric nor ratioMetric|both thresholdMetric and ratioMetric/, ['sli-metric']],
];

/**
 * Non-disputed documents that have exactly the shape of a disputed one (the corpus derived them from the
 * same rule). The default mode must accept the disputed document, so it accepts these too, with the same
 * warning; --strict rejects them. Each entry names the disputed document it cannot be told apart from.
 */
const SAME_SHAPE_AS_DISPUTED: Record<string, string> = {
  'derived__alertcondition-missing-op.yaml': 'oslo__test-inputs__v1__alert-condition__alert-condition.yaml',
  'oslo__test-inputs__v1__alert-condition__alert-condition-invalid-name.yaml': 'oslo__test-inputs__v1__alert-condition__alert-condition.yaml',
  'sloth__it-testdata__validate__bad__bad-openslo.yaml': 'sloth__examples__openslo-getting-started.yml',
  'derived__slo-alertpolicies-plain-string.yaml': 'openslo-spec__schema-test__v1__slo__slo-no-indicatorref-rolling-alerts.yaml',
  'derived__slo-name-uppercase.yaml': 'openslo-spec__README__L610-alertpolicy-ref.yaml',
  'go-sdk__openslosdk-testdata__decode__v2alpha_data_source.yaml': 'oslo__test-inputs__v1__data-source__data-source.yaml',
};

const readInvalid = () =>
  corpusFiles('openslo/invalid').map((file) => {
    const reason = corpusText('openslo/invalid', file).split('\n')[0]!;
    return { file, reason, disputed: /disputed|accepts/.test(reason), dangling: /dangling reference/.test(reason) };
  });

/** Every rule named by the reason must be reported: as an error, or as a deviation of the compatibility warning. */
function expectReasons(file: string, reason: string, diagnostics: Diagnostic[]) {
  const matched = REASONS.filter(([re]) => re.test(reason));
  expect({ file, reason, matched: matched.length > 0 }).toEqual({ file, reason, matched: true });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const codes = new Set([...errors.map((e) => e.code), ...diagnostics.flatMap((d) => d.deviations)]);
  for (const [re, expected] of matched) {
    expect({ rule: String(re), found: expected.some((c) => codes.has(c)), errors: show(errors) }).toMatchObject({ rule: String(re), found: true });
  }
}

describeWithCorpus('openslo/invalid', () => {
  const invalid = readInvalid();
  it('has 137 documents, 46 of them disputed', () => {
    expect(invalid).toHaveLength(137);
    expect(invalid.filter((i) => i.disputed)).toHaveLength(46);
  });

  const plain = invalid.filter((i) => !i.disputed && !i.dangling && !(i.file in SAME_SHAPE_AS_DISPUTED));
  it.each(plain)('$file is rejected for its reason', ({ file, reason }) => {
    const { errors, result } = check('openslo/invalid', file);
    expect(errors.length).toBeGreaterThan(0);
    expectReasons(file, reason, result.diagnostics);
  });

  const dangling = invalid.filter((i) => i.dangling);
  it('has the 5 dangling-reference documents', () => expect(dangling).toHaveLength(5));
  it.each(dangling)('$file warns about the missing reference in validate and is rejected by compile', ({ file, reason }) => {
    const v = check('openslo/invalid', file);
    expect(show(v.errors)).toBe('');
    expect(v.warnings.some((w) => w.code === 'missing-reference')).toBe(true);
    const c = check('openslo/invalid', file, { missingReferences: 'error' });
    expectReasons(file, reason, c.result.diagnostics);
  });

  const disputed = invalid.filter((i) => i.disputed);
  it.each(disputed)('$file (disputed) is accepted with one warning per deviation by default, each as --strict words it', ({ file }) => {
    const { errors, warnings } = check('openslo/invalid', file);
    expect(show(errors)).toBe('');
    const compat = warnings.filter((w) => w.code === 'compat');
    expect(compat.length).toBeGreaterThan(0);
    // one deviation each, at its own position, never the same warning twice
    for (const w of compat) expect(w.deviations).toHaveLength(1);
    const shown = compat.map((w) => `${w.pos.line}:${w.pos.column} ${w.message}`);
    expect(new Set(shown).size).toBe(shown.length);
    const strict = check('openslo/invalid', file, { strict: true }).errors.map((e) => `${e.pos.line}:${e.pos.column} ${e.message}`);
    // --strict adds why it is accepted without it
    for (const s of shown) expect(strict.filter((e) => e === s || e.startsWith(`${s} (without --strict`))).toHaveLength(1);
  });

  it.each(disputed)('$file (disputed) is rejected with --strict for its reason', ({ file, reason }) => {
    const { errors, result } = check('openslo/invalid', file, { strict: true, missingReferences: 'error' });
    expect(errors.length).toBeGreaterThan(0);
    expectReasons(
      file,
      reason,
      result.diagnostics.filter((d) => d.severity === 'error'),
    );
  });

  it.each(Object.entries(SAME_SHAPE_AS_DISPUTED))('%s has the shape of disputed %s: warned by default, rejected with --strict', (file, twin) => {
    expect(invalid.find((i) => i.file === twin)?.disputed).toBe(true);
    const lenient = check('openslo/invalid', file);
    expect(show(lenient.errors)).toBe('');
    expect(lenient.warnings.some((w) => w.code === 'compat')).toBe(true);
    const strict = check('openslo/invalid', file, { strict: true });
    expect(strict.errors.length).toBeGreaterThan(0);
    expectReasons(file, invalid.find((i) => i.file === file)!.reason, strict.errors);
  });
});
