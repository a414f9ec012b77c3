import { checkSources, buildModel } from '@slo-engine/openslo';
import { compileSlo, renderRuleFile, header } from '@slo-engine/rules';
import { corpusText } from '../corpus';
const files = ['home-wifi','raw-home-wifi','kubernetes-apiserver'].map(f=>`sloth-examples__${f}.yml`);
it('scratch', () => {
  for (const file of files) {
    const r = checkSources([{ file, text: corpusText('sloth/inputs', file) }], { missingReferences: 'error' });
    for (const slo of buildModel(r).slos) {
      const c = compileSlo(slo, { engineVersion: 'test' });
      console.log(renderRuleFile({groups: c.rules.groups.filter(g=>g.name.endsWith(':sli')||g.name.endsWith(':alerts'))}, header('t','x','y')));
      break;
    }
  }
});
