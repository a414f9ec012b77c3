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

/** The fields of one SLO whose names are those of the format `F`. */
type Named<F extends SlothFields> = {
  sli: { events?: Record<F['errorQuery'] | F['totalQuery'], string>; raw?: Record<F['errorRatioQuery'], string> };
  alerting?: Partial<Record<F['pageAlert'] | F['ticketAlert'], Alert>>;
};

/** One SLO, its fields read by the names of its format. */
function viewOf<F extends SlothFields>(slo: SlothSlo & Named<F>, f: F): SloView {
  const named: Named<F> = slo;
  // typed as F's own names, which index the fields above
  const { errorQuery, totalQuery, errorRatioQuery, pageAlert, ticketAlert }: { [K in keyof SlothFields]: F[K] } = f;
  const { events, raw } = named.sli;
  return {
    slo,
    events: events && { bad: events[errorQuery], total: events[totalQuery] },
    raw: raw?.[errorRatioQuery],
    page: named.alerting?.[pageAlert],
    ticket: named.alerting?.[ticketAlert],
  };
}

function layoutOf(doc: Document): Layout {
  if ('apiVersion' in doc) {
    const { service, labels, slos = [] } = doc.spec;
    return { version: K8S_V1, fields: K8S_V1_FIELDS, base: ['spec'], service, labels, slos: slos.map((slo) => viewOf(slo, K8S_V1_FIELDS)) };
  }
  const { service, labels, slos = [] } = doc;
  return { version: PROMETHEUS_V1, fields: PROMETHEUS_V1_FIELDS, base: [], service, labels, slos: slos.map((slo) => viewOf(slo, PROMETHEUS_V1_FIELDS)) };
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
