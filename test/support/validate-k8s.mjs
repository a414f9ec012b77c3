// Validates Kubernetes objects against the official schemas (kubernetes-models, and the Prometheus
// Operator CRDs from @kubernetes-models/prometheus-operator). Both packages are ES modules only, so the
// CommonJS test suite runs this as a child process: objects as a JSON array on stdin, one result per
// object as a JSON array on stdout.
const MODULES = {
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'monitoring.coreos.com/v1alpha1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1',
};
const moduleFor = (apiVersion) => MODULES[apiVersion] ?? `kubernetes-models/${apiVersion}`;

let input = '';
for await (const chunk of process.stdin) input += chunk;
const objects = JSON.parse(input);
const results = [];
for (const o of objects) {
  const id = { apiVersion: o?.apiVersion, kind: o?.kind, name: o?.metadata?.name };
  let mod;
  try {
    mod = await import(moduleFor(o.apiVersion));
  } catch {
    results.push({ ...id, errors: [`no schema for apiVersion ${o?.apiVersion}`] });
    continue;
  }
  const Model = mod[o.kind];
  if (typeof Model !== 'function') {
    results.push({ ...id, errors: [`no schema for kind ${o?.kind} in ${o?.apiVersion}`] });
    continue;
  }
  try {
    new Model(o).validate();
    results.push({ ...id, errors: [] });
  } catch (e) {
    results.push({ ...id, errors: [String(e?.message ?? e)] });
  }
}
process.stdout.write(JSON.stringify(results));
