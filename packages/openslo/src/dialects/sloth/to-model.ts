import type { PathSeg } from '../../diagnostics';
import { parseDuration, type Duration } from '../../formats';
import type { AlertCustomisation, DefaultAlerting, Indicator, Query, Slo } from '../../model';
import type { RawObject } from '../../source';
import { decimalString, shiftDecimal } from '../../values';
import type { SlothVersion } from './checks';
import { type Document, K8S_V1, K8S_V1_FIELDS, PROMETHEUS_V1, PROMETHEUS_V1_FIELDS, type SlothFields } from './schema';

/** Sloth's default SLO period (`--default-slo-period`): each Sloth SLO becomes a model SLO with a 30d rolling window. */
const DEFAULT_PERIOD = parseDuration('30d') as Duration;

type SlothSlo = NonNullable<NonNullable<Document extends infer D ? (D extends { slos?: infer S } ? S : D extends { spec: { slos?: infer S } } ? S : never) : never>>[number];
type Alert = { disable?: boolean; labels?: Record<string, string>; annotations?: Record<string, string> };

/** One SLO with the fields whose names depend on the format read. */
interface SloView {
  slo: SlothSlo;
  events?: { bad: string; total: string };
  raw?: string;
  page?: Alert;
  ticket?: Alert;
}

/** What the model needs of a document, the same for both formats. */
interface Layout {
  version: SlothVersion;
  fields: SlothFields;
  /** Path of the object that holds service, labels and slos: [] or ['spec']. */
  base: PathSeg[];
  service?: string;
  labels?: Record<string, string>;
  slos: SloView[];
}

function layoutOf(doc: Document): Layout {
  if ('apiVersion' in doc) {
    const { service, labels, slos = [] } = doc.spec;
    return {
      version: K8S_V1,
      fields: K8S_V1_FIELDS,
      base: ['spec'],
      service,
      labels,
      slos: slos.map((slo) => ({
        slo,
        events: slo.sli.events && { bad: slo.sli.events.errorQuery, total: slo.sli.events.totalQuery },
        raw: slo.sli.raw?.errorRatioQuery,
        page: slo.alerting?.pageAlert,
        ticket: slo.alerting?.ticketAlert,
      })),
    };
  }
  const { service, labels, slos = [] } = doc;
  return {
    version: PROMETHEUS_V1,
    fields: PROMETHEUS_V1_FIELDS,
    base: [],
    service,
    labels,
    slos: slos.map((slo) => ({
      slo,
      events: slo.sli.events && { bad: slo.sli.events.error_query, total: slo.sli.events.total_query },
      raw: slo.sli.raw?.error_ratio_query,
      page: slo.alerting?.page_alert,
      ticket: slo.alerting?.ticket_alert,
    })),
  };
}

function customisation(a: Alert | undefined): AlertCustomisation {
  return { enabled: a?.disable !== true, labels: { ...a?.labels }, annotations: { ...a?.annotations } };
}

/** One model SLO per Sloth SLO of a document that passed `checkSlothObject` without errors. */
export function slothToModel(raw: RawObject, doc: Document): Slo[] {
  const { version, fields: f, base, service = '', labels: docLabels, slos } = layoutOf(doc);
  const query = (path: PathSeg[], promql: string): Query => ({ promql, pos: raw.locate(path), sourceType: 'Prometheus' });
  return slos.flatMap(({ slo: item, events, raw: errorRatio, page, ticket }, i): Slo[] => {
    const path: PathSeg[] = [...base, 'slos', i];
    let indicator: Indicator;
    if (events) {
      const ep = [...path, 'sli', 'events'];
      indicator = { kind: 'ratio', counter: false, bad: query([...ep, f.errorQuery], events.bad), total: query([...ep, f.totalQuery], events.total) };
    } else if (errorRatio !== undefined) {
      indicator = { kind: 'raw', rawType: 'failure', raw: query([...path, 'sli', 'raw', f.errorRatioQuery], errorRatio) };
    } else {
      return []; // a plugin SLI: refused by checkSlothObject
    }
    const labels = { ...docLabels, ...item.labels };
    const al = item.alerting;
    const alerting: DefaultAlerting = {
      ...(al?.name ? { name: al.name } : {}),
      labels: { ...al?.labels },
      annotations: { ...al?.annotations },
      page: customisation(page),
      ticket: customisation(ticket),
    };
    return [
      {
        name: item.name ?? '',
        description: item.description,
        service,
        labels,
        annotations: {},
        budgetingMethod: 'Occurrences',
        window: { duration: DEFAULT_PERIOD, rolling: true },
        objectives: [{ target: shiftDecimal(decimalString(item.objective), -2), compositeWeight: 1, indicator }],
        alertPolicies: [],
        pos: raw.locate(path),
        apiVersion: version,
        alerting,
        ruleLabels: { ...labels },
        groupsByQueryLabels: true,
      },
    ];
  });
}
