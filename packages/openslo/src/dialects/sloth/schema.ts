import { z } from 'zod';
import { bool, num, obj, once, str } from '../shared/schema';

/**
 * Sloth's own spec formats: `version: prometheus/v1` documents (snake_case fields) and the Kubernetes
 * resource `sloth.slok.dev/v1` `PrometheusServiceLevel` (the same content in camelCase under `spec`).
 * Shapes only; the rules that need more than one field (exactly one SLI type, alert names, plugins,
 * objective range, names) live in checks.ts.
 */

export const PROMETHEUS_V1 = 'prometheus/v1';
export const K8S_V1 = 'sloth.slok.dev/v1';
export const SLOTH_KIND = 'PrometheusServiceLevel';

/** Field names that differ between the two formats. */
export interface SlothFields {
  errorQuery: string;
  totalQuery: string;
  errorRatioQuery: string;
  pageAlert: string;
  ticketAlert: string;
  sloPlugins: string;
}

export const PROMETHEUS_V1_FIELDS = {
  errorQuery: 'error_query',
  totalQuery: 'total_query',
  errorRatioQuery: 'error_ratio_query',
  pageAlert: 'page_alert',
  ticketAlert: 'ticket_alert',
  sloPlugins: 'slo_plugins',
} as const satisfies SlothFields;

export const K8S_V1_FIELDS = {
  errorQuery: 'errorQuery',
  totalQuery: 'totalQuery',
  errorRatioQuery: 'errorRatioQuery',
  pageAlert: 'pageAlert',
  ticketAlert: 'ticketAlert',
  sloPlugins: 'sloPlugins',
} as const satisfies SlothFields;

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

/**
 * One SLO, over the parts whose field names depend on the format. The keys come from the constant field
 * tables, so each format's parsed SLO has its own named fields.
 */
const sloOf = <E extends z.ZodType, R extends z.ZodType, A extends z.core.$ZodLooseShape>(events: E, raw: R, alerts: A) =>
  obj({
    name: str().optional(),
    description: str().optional(),
    objective: num(),
    labels: labels().optional(),
    plugins: plugins(),
    sli: obj({ events: events.optional(), raw: raw.optional(), plugin: plugins() }),
    alerting: obj({ name: str().optional(), labels: labels().optional(), annotations: annotations().optional(), ...alerts }).optional(),
  });

const P = PROMETHEUS_V1_FIELDS;
const K = K8S_V1_FIELDS;

const prometheusV1Slo = () =>
  sloOf(obj({ [P.errorQuery]: query(), [P.totalQuery]: query() }), obj({ [P.errorRatioQuery]: query() }), {
    [P.pageAlert]: alert().optional(),
    [P.ticketAlert]: alert().optional(),
  });

const k8sSlo = () =>
  sloOf(obj({ [K.errorQuery]: query(), [K.totalQuery]: query() }), obj({ [K.errorRatioQuery]: query() }), {
    [K.pageAlert]: alert().optional(),
    [K.ticketAlert]: alert().optional(),
  });

const slos = <S extends z.ZodType>(slo: S) => z.array(slo, { error: 'must be a list of SLOs' }).optional();

/** `version: prometheus/v1`; the version is checked before the schema, so the literal never fails. */
export const prometheusV1 = once(() =>
  obj({
    version: z.literal(PROMETHEUS_V1),
    service: str().optional(),
    labels: labels().optional(),
    [P.sloPlugins]: plugins(),
    slos: slos(prometheusV1Slo()),
  }),
);

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

/** `apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`; both are checked before the schema. */
export const prometheusServiceLevel = once(() =>
  obj({
    apiVersion: z.literal(K8S_V1),
    kind: z.literal(SLOTH_KIND),
    metadata: k8sMetadata(),
    spec: obj({
      service: str().optional(),
      labels: labels().optional(),
      [K.sloPlugins]: plugins(),
      slos: slos(k8sSlo()),
    }),
    status: anything(),
  }),
);

export type PrometheusV1Document = z.output<ReturnType<typeof prometheusV1>>;
export type K8sDocument = z.output<ReturnType<typeof prometheusServiceLevel>>;
export type Document = PrometheusV1Document | K8sDocument;
