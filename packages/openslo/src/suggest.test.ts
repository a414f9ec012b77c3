import { article, closest, didYouMean, transliterate, withArticle } from './suggest';

describe('withArticle', () => {
  it.each([
    ['AlertPolicy', 'an AlertPolicy'],
    ['AlertCondition', 'an AlertCondition'],
    ['AlertNotificationTarget', 'an AlertNotificationTarget'],
    ['SLI', 'an SLI'],
    ['SLO', 'an SLO'],
    ['DataSource', 'a DataSource'],
    ['Service', 'a Service'],
    ['PromQL', 'a PromQL'],
    ['instant vector', 'an instant vector'],
    ['scalar', 'a scalar'],
  ])('%s → %s', (word, expected) => expect(withArticle(word)).toBe(expected));

  it('says "a" for acronyms read with a consonant first', () => expect(article('YAML')).toBe('a'));
});

describe('closest', () => {
  it.each([
    ['metricSourceType', ['metricSourceRef', 'spec', 'type'], 'type'],
    ['targt', ['target', 'targetPercent'], 'target'],
    ['Occurrences', ['Occurrences', 'Timeslices'], 'Occurrences'],
    ['budget', ['budgetingMethod', 'service'], 'budgetingMethod'],
    ['unrelatedName', ['spec', 'type'], undefined],
    ['xType', ['type'], 'type'],
  ] as [string, string[], string | undefined][])('%s among %j → %s', (word, candidates, expected) => expect(closest(word, candidates)).toBe(expected));

  it('phrases the suggestion', () => expect(didYouMean('metricSourceType', ['metricSourceRef', 'spec', 'type'])).toBe('did you mean "type"?'));
});

describe('transliterate', () => {
  it.each([
    ['été', 'ete'],
    ['Ångström', 'Angstrom'],
    ['ﬁle', 'file'], // a ligature: NFKD spells it out
    ['straße', 'stra-e'], // ß has no decomposition: it is replaced
    ['日本', '-'],
    ['a b', 'a-b'],
  ])('%s → %s', (name, expected) => expect(transliterate(name, /[^A-Za-z0-9]+/g)).toBe(expected));
});
