import type { ObjectContext } from '../../context';
import { formatPath, formatPos, type PathSeg, type SourcePos } from '../../diagnostics';
import { didYouMean, transliterate } from '../../suggest';
import { asArr, asNum, asObj, asStr, decimalString, has, isObj, shiftDecimal, type Obj } from '../../values';
import { parseTyped } from '../../zod-report';
import type { Checked } from '../dialect';
import { type Document, K8S_V1, K8S_V1_FIELDS, PROMETHEUS_V1, PROMETHEUS_V1_FIELDS, prometheusServiceLevel, prometheusV1, SLOTH_KIND, type SlothFields } from './schema';

/**
 * Sloth's own spec formats as an input dialect, so that Sloth users can switch without rewriting:
 * `version: prometheus/v1` documents and the Kubernetes resource `sloth.slok.dev/v1` `PrometheusServiceLevel`.
 */

export type SlothVersion = typeof PROMETHEUS_V1 | typeof K8S_V1;

/** SLO IDs (`<service>-<slo name>`) already defined, with where; shared across inputs so duplicates are found between files. */
export type SlothSloIds = Map<string, SourcePos>;

/** Sloth's name rule for SLO names, services and IDs (they become the sloth_slo, sloth_service and sloth_id label values). */
const SLOTH_NAME = /^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/;
/** Prometheus label names (also what Sloth requires of annotation keys). */
const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Sloth renders `{{.window}}` (any spacing) with each window; a query without it would use one fixed window everywhere. */
const WINDOW_PLACEHOLDER = /\{\{ *\.window *\}\}/;

/** True for Sloth documents: `version: prometheus/...` (any version, so an unsupported one gets a clear error) or `apiVersion: sloth.slok.dev/...`. */
export function isSlothDocument(value: unknown): boolean {
  if (!isObj(value)) return false;
  return (typeof value.version === 'string' && value.version.startsWith('prometheus/')) || (typeof value.apiVersion === 'string' && value.apiVersion.startsWith('sloth.slok.dev/'));
}

interface Layout {
  version: SlothVersion;
  fields: SlothFields;
  /** Path of the object that holds service, labels and slos: [] or ['spec']. */
  base: PathSeg[];
  body: Obj;
}

function layoutOf(value: Obj): Layout {
  return typeof value.apiVersion === 'string'
    ? { version: K8S_V1, fields: K8S_V1_FIELDS, base: ['spec'], body: asObj(value.spec) }
    : { version: PROMETHEUS_V1, fields: PROMETHEUS_V1_FIELDS, base: [], body: value };
}

// ---------------------------------------------------------------- validation

/** Checks the format marker; returns the version when it is one this engine reads. */
function checkVersion(ctx: ObjectContext, value: Obj): SlothVersion | undefined {
  if (typeof value.apiVersion === 'string') {
    if (value.apiVersion !== K8S_V1) {
      ctx.error(['apiVersion'], 'api-version', `unsupported apiVersion ${JSON.stringify(value.apiVersion)}; Sloth's Kubernetes resources are ${K8S_V1}`, didYouMean(value.apiVersion, [K8S_V1]));
      return undefined;
    }
    const kind = value.kind;
    if (kind === undefined || kind === null) {
      ctx.error([], 'required', `kind is required: ${SLOTH_KIND}`, `add kind: ${SLOTH_KIND}`);
      return undefined;
    }
    if (kind !== SLOTH_KIND) {
      const windows = kind === 'AlertWindows';
      ctx.error(
        ['kind'],
        'kind',
        windows
          ? `kind AlertWindows is a Sloth alert windows file, not SLOs; of ${K8S_V1} only ${SLOTH_KIND} is read`
          : `kind ${JSON.stringify(kind)} does not exist in ${K8S_V1}; SLOs are kind ${SLOTH_KIND}`,
        windows ? 'pass only the files that define SLOs' : typeof kind === 'string' ? didYouMean(kind, [SLOTH_KIND]) : undefined,
      );
      return undefined;
    }
    return K8S_V1;
  }
  if (value.version !== PROMETHEUS_V1) {
    ctx.error(
      ['version'],
      'api-version',
      `unsupported Sloth spec version ${JSON.stringify(value.version)}; supported: ${PROMETHEUS_V1}`,
      didYouMean(String(value.version), [PROMETHEUS_V1]) ?? `use version: "${PROMETHEUS_V1}"`,
    );
    return undefined;
  }
  return PROMETHEUS_V1;
}

/** The other format's spelling of each field that differs, e.g. pageAlert → page_alert in a prometheus/v1 document. */
function otherSpelling(f: SlothFields): Map<string, string> {
  const other = f === PROMETHEUS_V1_FIELDS ? K8S_V1_FIELDS : PROMETHEUS_V1_FIELDS;
  const map = new Map<string, string>();
  for (const k of Object.keys(f) as (keyof SlothFields)[]) map.set(other[k], f[k]);
  return map;
}

/** Reports the schema's findings; returns the document as the schema reads it when there are none. */
function checkSchema(ctx: ObjectContext, version: SlothVersion, value: Obj, f: SlothFields): Document | undefined {
  const spelling = otherSpelling(f);
  const here = version === PROMETHEUS_V1 ? 'prometheus/v1 documents' : `${SLOTH_KIND} resources`;
  const there = version === PROMETHEUS_V1 ? `the Kubernetes ${SLOTH_KIND}` : 'the prometheus/v1';
  const { findings, data } = version === PROMETHEUS_V1 ? parseTyped(prometheusV1(), value) : parseTyped(prometheusServiceLevel(), value);
  for (const finding of findings) {
    const key = finding.path[finding.path.length - 1];
    const mine = finding.code === 'unknown-field' && typeof key === 'string' ? spelling.get(key) : undefined;
    if (mine) finding.hint = `${here} spell it "${mine}" ("${String(key)}" is ${there} spelling)`;
    ctx.reports.push(finding);
  }
  return data;
}

function nameFix(value: string): string | undefined {
  const fix = transliterate(value, /[^-A-Za-z0-9_.]+/g).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return fix.length >= 2 && fix !== value ? `use "${fix}"` : undefined;
}

/** A Sloth name (service or SLO name): present, not empty, and in Sloth's name format. */
function checkSlothName(ctx: ObjectContext, holder: Obj, holderPath: PathSeg[], field: string, what: string, purpose: string): string | undefined {
  const path = [...holderPath, field];
  const value = holder[field];
  if (value === undefined || value === null) {
    ctx.error(holderPath, 'required', `${what} is required: ${purpose}`);
    return undefined;
  }
  if (typeof value !== 'string') return undefined; // the schema reports the type
  if (value === '') {
    ctx.error(path, 'required', `${what} must not be empty: ${purpose}`);
    return undefined;
  }
  if (!SLOTH_NAME.test(value)) {
    ctx.error(path, 'name-format', `${what} "${value}" must start and end with a letter or digit and contain only letters, digits, ".", "_" and "-" (Sloth's name rule)`, nameFix(value));
    return undefined;
  }
  return value;
}

function checkKeys(ctx: ObjectContext, path: PathSeg[], map: unknown, what: 'label' | 'annotation'): void {
  for (const key of Object.keys(asObj(map))) {
    if (PROM_LABEL_NAME.test(key) && key !== '__name__') continue;
    const fix = key.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
    ctx.error(
      [...path, key],
      `${what}-key`,
      key === '__name__' ? `${what} key "__name__" is reserved for the metric name` : `${what} key "${key}" is not a Prometheus label name: letters, digits and "_", not starting with a digit`,
      key === '__name__' ? undefined : `use "${fix}"`,
      'key',
    );
  }
}

function pluginIds(plugins: unknown): string[] {
  const ids = asArr(asObj(plugins).chain).flatMap((p) => {
    const id = asStr(asObj(p).id);
    return id ? [id] : [];
  });
  return [...new Set(ids)];
}

function refuseSloPlugins(ctx: ObjectContext, holder: Obj, path: PathSeg[], field: string): void {
  if (!has(holder, field)) return;
  const ids = pluginIds(holder[field]);
  ctx.error(
    [...path, field],
    'sloth-plugin',
    `SLO plugins cannot be compiled${ids.length ? ` (${ids.join(', ')})` : ''}: a Sloth plugin chain rewrites the generated rules with Go code that this engine does not run, so ignoring it would silently produce different rules`,
    'remove the plugin chain; write the SLI PromQL as sli.events or sli.raw, and put extra labels in labels',
    'key',
  );
}

type Role = 'bad' | 'total' | 'raw';

function checkQuery(ctx: ObjectContext, sli: Obj, path: PathSeg[], field: string): string | undefined {
  const q = sli[field];
  if (typeof q !== 'string') return undefined; // missing or of the wrong type: the schema reports it
  if (q.trim() === '') {
    ctx.error([...path, field], 'required', `${field} must not be empty`);
    return undefined;
  }
  if (!WINDOW_PLACEHOLDER.test(q))
    ctx.error(
      [...path, field],
      'window-placeholder',
      `${field} must use the {{.window}} placeholder: Sloth fills in each alert and SLO window (5m, 30m, 1h, ... 30d), so a query without it measures the same window everywhere`,
      'e.g. sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))',
    );
  return q;
}

function pushQuery(ctx: ObjectContext, path: PathSeg[], query: string, role: Role, group: string): void {
  ctx.queries.push({ path, query, type: 'Prometheus', role, group });
}

function checkSli(ctx: ObjectContext, f: SlothFields, slo: Obj, path: PathSeg[], group: string): void {
  if (!isObj(slo.sli)) return; // missing or not a map: the schema reports it
  const sli = slo.sli;
  const sp = [...path, 'sli'];
  const kinds = (['events', 'raw', 'plugin'] as const).filter((k) => has(sli, k));
  if (kinds.length === 0) {
    ctx.error(
      sp,
      'sli-type',
      `an SLI needs exactly one of events (${f.errorQuery} and ${f.totalQuery}), raw (${f.errorRatioQuery}) or plugin; this one has none`,
      `add events with ${f.errorQuery} and ${f.totalQuery}`,
    );
    return;
  }
  if (kinds.length > 1) ctx.error([...sp, kinds[1]!], 'sli-type', `an SLI needs exactly one of events, raw or plugin; this one has ${kinds.join(' and ')}`, `keep one of ${kinds.join(', ')}`, 'key');
  if (has(sli, 'plugin')) {
    const id = asStr(asObj(sli.plugin).id);
    ctx.error(
      [...sp, 'plugin'],
      'sloth-plugin',
      `SLI plugins cannot be compiled${id ? ` (${id})` : ''}: a Sloth SLI plugin builds its queries with Go code that this engine does not run`,
      `write the PromQL instead, as events (${f.errorQuery} and ${f.totalQuery}) or raw (${f.errorRatioQuery})`,
      'key',
    );
  }
  if (isObj(sli.events)) {
    const ep = [...sp, 'events'];
    const bad = checkQuery(ctx, sli.events, ep, f.errorQuery);
    const total = checkQuery(ctx, sli.events, ep, f.totalQuery);
    const same = bad !== undefined && total !== undefined && bad.replace(/\s+/g, '') === total.replace(/\s+/g, '');
    if (same)
      ctx.error(
        [...ep, f.totalQuery],
        'same-query',
        `${f.errorQuery} and ${f.totalQuery} are the same query, so every event would count as an error`,
        `select only the failed events in ${f.errorQuery}, e.g. code=~"5.."`,
      );
    if (bad !== undefined) pushQuery(ctx, [...ep, f.errorQuery], bad, 'bad', group);
    // identical queries are checked once, and not paired again by the engine
    if (total !== undefined && !same) pushQuery(ctx, [...ep, f.totalQuery], total, 'total', group);
  }
  if (isObj(sli.raw)) {
    const rp = [...sp, 'raw'];
    const raw = checkQuery(ctx, sli.raw, rp, f.errorRatioQuery);
    if (raw !== undefined) pushQuery(ctx, [...rp, f.errorRatioQuery], raw, 'raw', group);
  }
}

function checkObjective(ctx: ObjectContext, slo: Obj, path: PathSeg[]): void {
  const o = asNum(slo.objective);
  if (o === undefined) return; // the schema reports it
  const op = [...path, 'objective'];
  if (o <= 0 || o > 100) {
    ctx.error(op, 'range', `objective must be a percentage above 0 and at most 100 (got ${o})`, o > 100 ? 'e.g. objective: 99.9 for 99.9%' : undefined);
  } else if (o < 1) {
    const meant = shiftDecimal(decimalString(o), 2);
    ctx.warn(op, 'objective-percent', `objective ${o} is a percentage (${o}%), not a fraction`, `if you meant ${meant}%, write objective: ${meant}`);
  } else if (o === 100) {
    ctx.warn(op, 'objective-percent', 'objective 100 leaves no error budget: the first error exhausts it', 'use e.g. 99.9');
  }
}

function checkAlerting(ctx: ObjectContext, f: SlothFields, slo: Obj, path: PathSeg[]): void {
  const al = asObj(slo.alerting);
  const ap = [...path, 'alerting'];
  const page = asObj(al[f.pageAlert]);
  const ticket = asObj(al[f.ticketAlert]);
  const enabled = [page.disable !== true && 'page', ticket.disable !== true && 'ticket'].filter((x): x is string => typeof x === 'string');
  const name = al.name;
  if (enabled.length && (name === undefined || name === null || name === '')) {
    const where = has(al, 'name') ? [...ap, 'name'] : isObj(slo.alerting) ? ap : path;
    ctx.error(
      where,
      'alert-name',
      `alerting.name is required while the ${enabled.join(' and ')} alert${enabled.length > 1 ? 's are' : ' is'} enabled: it is the name of the generated alerts`,
      `add alerting.name (e.g. MyServiceHighErrorRate), or set ${f.pageAlert}.disable and ${f.ticketAlert}.disable to true for an SLO without alerts`,
    );
  }
  checkKeys(ctx, [...ap, 'labels'], al.labels, 'label');
  checkKeys(ctx, [...ap, 'annotations'], al.annotations, 'annotation');
  for (const k of [f.pageAlert, f.ticketAlert]) {
    checkKeys(ctx, [...ap, k, 'labels'], asObj(al[k]).labels, 'label');
    checkKeys(ctx, [...ap, k, 'annotations'], asObj(al[k]).annotations, 'annotation');
  }
}

/**
 * Validates one Sloth document: its shape, then Sloth's own rules. Queries go to `ctx.queries` for the engine's PromQL checks.
 * `seen` collects SLO IDs across inputs (Sloth rejects duplicates); without it only duplicates inside this document are found.
 * Returns the kind and the name used for duplicate detection (metadata.name, or the service of a prometheus/v1 document).
 */
export function checkSlothObject(ctx: ObjectContext, value: unknown, seen?: SlothSloIds): Checked<SlothVersion, Document> | undefined {
  if (!isObj(value)) {
    ctx.error([], 'not-an-object', `expected a Sloth document (a map), got ${Array.isArray(value) ? 'a list' : typeof value}`);
    return undefined;
  }
  const version = checkVersion(ctx, value);
  if (!version) return undefined;
  const { fields: f, base, body } = layoutOf(value);
  const doc = checkSchema(ctx, version, value, f);

  let name = '';
  if (version === K8S_V1) {
    const md = asObj(value.metadata);
    if (md.name === '') ctx.error(['metadata', 'name'], 'required', 'metadata.name must not be empty');
    name = asStr(md.name) ?? '';
  }
  if (version === K8S_V1 && !isObj(value.spec)) return { version, kind: SLOTH_KIND, name, doc }; // the schema reports it

  const service = checkSlothName(ctx, body, base, 'service', 'service', 'the name of the service these SLOs belong to (the sloth_service label)');
  if (version === PROMETHEUS_V1) name = asStr(body.service) ?? '';
  checkKeys(ctx, [...base, 'labels'], body.labels, 'label');
  refuseSloPlugins(ctx, body, base, f.sloPlugins);

  const slos = body.slos;
  if (slos === undefined || slos === null || (Array.isArray(slos) && slos.length === 0))
    ctx.warn(has(body, 'slos') ? [...base, 'slos'] : base, 'no-slos', 'this document defines no SLOs, so nothing is compiled from it', 'add SLOs under slos');

  const inDocument = new Map<string, PathSeg[]>();
  asArr(slos).forEach((item, i) => {
    if (!isObj(item)) return;
    const path: PathSeg[] = [...base, 'slos', i];
    const sloName = checkSlothName(ctx, item, path, 'name', 'SLO name', 'it becomes the sloth_slo label and part of the SLO ID');
    if (sloName !== undefined) {
      const first = inDocument.get(sloName);
      if (first) {
        ctx.error(
          [...path, 'name'],
          'duplicate-slo',
          `duplicate SLO name "${sloName}": ${formatPath(first)} (line ${ctx.raw.locate([...first, 'name']).line}) already uses it; SLO names must be unique within a service`,
          'rename one of them',
        );
      } else {
        inDocument.set(sloName, path);
        if (service !== undefined && seen) {
          const id = `${service}-${sloName}`;
          const earlier = seen.get(id);
          if (earlier)
            ctx.error(
              [...path, 'name'],
              'duplicate-slo',
              `duplicate SLO ID "${id}" (service "${service}", SLO "${sloName}"): already defined at ${formatPos(earlier)}; SLO IDs must be unique across all inputs`,
              'rename the SLO, or remove the duplicate document',
            );
          else seen.set(id, ctx.raw.locate([...path, 'name']));
        }
      }
    }
    checkObjective(ctx, item, path);
    checkKeys(ctx, [...path, 'labels'], item.labels, 'label');
    refuseSloPlugins(ctx, item, path, 'plugins');
    checkSli(ctx, f, item, path, `slos[${i}]`);
    checkAlerting(ctx, f, item, path);
  });
  return { version, kind: SLOTH_KIND, name, doc };
}
