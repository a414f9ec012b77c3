import { z } from 'zod';
import { bool, num, obj, str } from './common';

/**
 * Sloth's own spec formats: `version: prometheus/v1` documents (snake_case fields) and the Kubernetes
 * resource `sloth.slok.dev/v1` `PrometheusServiceLevel` (the same content in camelCase under `spec`).
 * Shapes only; the rules that need more than one field (exactly one SLI type, alert names, plugins,
 * objective range, names) live in ../sloth.ts.
 */

/** Field names that differ between the two formats. */
export interface SlothFields {
  errorQuery: string;
  totalQuery: string;
  errorRatioQuery: string;
  pageAlert: string;
  ticketAlert: string;
  sloPlugins: string;
}

export const PROMETHEUS_V1_FIELDS: SlothFields = {
  errorQuery: 'error_query',
  totalQuery: 'total_query',
  errorRatioQuery: 'error_ratio_query',
  pageAlert: 'page_alert',
  ticketAlert: 'ticket_alert',
  sloPlugins: 'slo_plugins',
};

export const K8S_V1_FIELDS: SlothFields = {
  errorQuery: 'errorQuery',
  totalQuery: 'totalQuery',
  errorRatioQuery: 'errorRatioQuery',
  pageAlert: 'pageAlert',
  ticketAlert: 'ticketAlert',
  sloPlugins: 'sloPlugins',
};

/** Prometheus labels and annotations are string maps; YAML reads an unquoted 2 or true as a number or boolean. */
const stringMap = (what: string) =>
  z.record(
    z.string(),
    z.string({ error: (iss) => (iss.input !== null && typeof iss.input !== 'object' ? `${what} value must be a string (quote numbers and booleans)` : `${what} value must be a string`) }),
    { error: `must be a map of ${what} keys to strings` },
  );
export const labels = () => stringMap('a label');
export const annotations = () => stringMap('an annotation');

/** Plugins are refused by the rules with their own message, so their content is not checked here. */
const plugins = () => z.unknown().optional();

const query = () => str();

const alert = () => obj({ disable: bool().optional(), labels: labels().optional(), annotations: annotations().optional() });

export const slo = (f: SlothFields) =>
  obj({
    name: str().optional(),
    description: str().optional(),
    objective: num(),
    labels: labels().optional(),
    plugins: plugins(),
    sli: obj({
      events: obj({ [f.errorQuery]: query(), [f.totalQuery]: query() }).optional(),
      raw: obj({ [f.errorRatioQuery]: query() }).optional(),
      plugin: plugins(),
    }),
    alerting: obj({
      name: str().optional(),
      labels: labels().optional(),
      annotations: annotations().optional(),
      [f.pageAlert]: alert().optional(),
      [f.ticketAlert]: alert().optional(),
    }).optional(),
  });

const slos = (f: SlothFields) => z.array(slo(f), { error: 'must be a list of SLOs' }).optional();

/** `version: prometheus/v1`; the version itself is checked before the schema. */
export const prometheusV1 = () =>
  obj({
    version: str(),
    service: str().optional(),
    labels: labels().optional(),
    [PROMETHEUS_V1_FIELDS.sloPlugins]: plugins(),
    slos: slos(PROMETHEUS_V1_FIELDS),
  });

const anything = () => z.unknown().optional();

/** Kubernetes object metadata: what `kubectl get -o yaml` writes is accepted, only name, labels and annotations are read. */
export const k8sMetadata = () =>
  obj({
    name: str(),
    namespace: str().optional(),
    labels: labels().optional(),
    annotations: annotations().optional(),
    generateName: anything(),
    uid: anything(),
    resourceVersion: anything(),
    generation: anything(),
    creationTimestamp: anything(),
    deletionTimestamp: anything(),
    deletionGracePeriodSeconds: anything(),
    ownerReferences: anything(),
    finalizers: anything(),
    managedFields: anything(),
    selfLink: anything(),
  });

/** `apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`; apiVersion and kind are checked before the schema. */
export const prometheusServiceLevel = () =>
  obj({
    apiVersion: str(),
    kind: str(),
    metadata: k8sMetadata(),
    spec: obj({
      service: str().optional(),
      labels: labels().optional(),
      [K8S_V1_FIELDS.sloPlugins]: plugins(),
      slos: slos(K8S_V1_FIELDS),
    }),
    status: anything(),
  });
