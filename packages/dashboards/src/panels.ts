import { MappingType, ThresholdsMode, type DataSourceRef, type DataTransformerConfig, type FieldConfigSource, type Panel, type ThresholdsConfig, type ValueMapping } from '@grafana/schema';
import type { Options as StatOptions } from '@grafana/schema/dist/types/raw/composable/stat/panelcfg/x/types.gen';
import type { Options as TableOptions } from '@grafana/schema/dist/types/raw/composable/table/panelcfg/x/types.gen';
import type { FieldConfig as TimeSeriesFieldConfig, Options as TimeSeriesOptions } from '@grafana/schema/dist/types/raw/composable/timeseries/panelcfg/x/types.gen';
import type { Options as StateTimelineOptions } from '@grafana/schema/dist/types/raw/composable/statetimeline/panelcfg/x/types.gen';
import { q } from '@slo-engine/promql';

/** Every panel and target reads the dashboard's `datasource` variable, so one file works with any Prometheus. */
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  expr: q.Expr;
  legend?: string;
  /** An instant query in table format (for stats and tables). */
  instant?: boolean;
}

/** A panel before layout: its size, and everything but the position and id. */
export interface Sized {
  w: number;
  h: number;
  panel: Panel;
}

function targets(queries: Query[]): Record<string, unknown>[] {
  return queries.map((x, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: DATASOURCE,
    expr: q.render(x.expr),
    legendFormat: x.legend ?? '__auto',
    range: !x.instant,
    instant: x.instant ?? false,
    ...(x.instant ? { format: 'table' } : {}),
  }));
}

export const steps = (base: string, ...rest: [number, string][]): ThresholdsConfig => ({
  mode: ThresholdsMode.Absolute,
  steps: [{ color: base, value: null }, ...rest.map(([value, color]) => ({ color, value }))],
});

export interface Common {
  title: string;
  description: string;
  queries: Query[];
  unit?: string;
  decimals?: number;
  thresholds?: ThresholdsConfig;
  mappings?: ValueMapping[];
  min?: number;
  max?: number;
  /** Show this span whatever the dashboard's time range (e.g. the SLO period). */
  timeFrom?: string;
  /** What the panel says when the query returns nothing, instead of Grafana's "No data". */
  noValue?: string;
  /** Per-field settings, e.g. a second query's own unit (byRefId). */
  overrides?: FieldConfigSource['overrides'];
}

/** Settings for the fields of one query only: a stat's second line keeps its own unit, name and colours. */
export const byRefId = (refId: string, properties: { id: string; value: unknown }[]): FieldConfigSource['overrides'][number] => ({
  matcher: { id: 'byFrameRefID', options: refId },
  properties,
});

function fieldConfig(c: Common, custom?: object): FieldConfigSource {
  return {
    defaults: {
      ...(c.unit ? { unit: c.unit } : {}),
      ...(c.decimals !== undefined ? { decimals: c.decimals } : {}),
      ...(c.min !== undefined ? { min: c.min } : {}),
      ...(c.max !== undefined ? { max: c.max } : {}),
      ...(c.thresholds ? { thresholds: c.thresholds } : {}),
      ...(c.mappings ? { mappings: c.mappings } : {}),
      ...(c.noValue ? { noValue: c.noValue } : {}),
      color: { mode: c.thresholds ? 'thresholds' : 'palette-classic' },
      ...(custom ? { custom } : {}),
    },
    overrides: c.overrides ?? [],
  } as FieldConfigSource;
}

function base(type: string, c: Common): Panel {
  return {
    type,
    title: c.title,
    description: c.description,
    datasource: DATASOURCE,
    targets: targets(c.queries),
    ...(c.timeFrom ? { timeFrom: c.timeFrom, hideTimeOverride: false } : {}),
  };
}

export interface Named {
  /** Several queries as lines of `name  value`, one under the other (each query names its field by a displayName override). */
  lines?: boolean;
}

export function stat(c: Common & Named, w = 4, h = 4): Sized {
  const options: StatOptions = {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    orientation: (c.lines ? 'horizontal' : 'auto') as StatOptions['orientation'],
    textMode: (c.lines ? 'value_and_name' : 'value') as StatOptions['textMode'],
    colorMode: 'value' as StatOptions['colorMode'],
    graphMode: 'none' as StatOptions['graphMode'],
    justifyMode: 'center' as StatOptions['justifyMode'],
    percentChangeColorMode: 'standard' as StatOptions['percentChangeColorMode'],
    showPercentChange: false,
    wideLayout: true,
  };
  return { w, h, panel: { ...base('stat', c), fieldConfig: fieldConfig(c), options: options as unknown as Record<string, unknown> } };
}

export interface Line {
  /** Draw the thresholds as dashed lines on the graph. */
  thresholdLines?: boolean;
}

export function timeseries(c: Common & Line, w = 12, h = 8): Sized {
  const custom: TimeSeriesFieldConfig = {
    drawStyle: 'line' as TimeSeriesFieldConfig['drawStyle'],
    lineWidth: 1,
    fillOpacity: 10,
    showPoints: 'never' as TimeSeriesFieldConfig['showPoints'],
    spanNulls: false,
    thresholdsStyle: { mode: (c.thresholdLines ? 'dashed' : 'off') as NonNullable<TimeSeriesFieldConfig['thresholdsStyle']>['mode'] },
  };
  const options: TimeSeriesOptions = {
    legend: { showLegend: true, displayMode: 'list' as TimeSeriesOptions['legend']['displayMode'], placement: 'bottom' as TimeSeriesOptions['legend']['placement'], calcs: [] },
    tooltip: { mode: 'multi' as TimeSeriesOptions['tooltip']['mode'], sort: 'none' as TimeSeriesOptions['tooltip']['sort'] },
  };
  // with threshold lines the series keep their palette colours; the lines take the threshold colours
  const fc = fieldConfig(c.thresholdLines ? { ...c } : c, custom);
  fc.defaults.color = { mode: 'palette-classic' } as FieldConfigSource['defaults']['color'];
  return { w, h, panel: { ...base('timeseries', c), fieldConfig: fc, options: options as unknown as Record<string, unknown> } };
}

export function stateTimeline(c: Common, w = 12, h = 8): Sized {
  const options: StateTimelineOptions = {
    showValue: 'never' as StateTimelineOptions['showValue'],
    mergeValues: true,
    rowHeight: 0.9,
    alignValue: 'left' as StateTimelineOptions['alignValue'],
    legend: { showLegend: true, displayMode: 'list' as StateTimelineOptions['legend']['displayMode'], placement: 'bottom' as StateTimelineOptions['legend']['placement'], calcs: [] },
    tooltip: { mode: 'single' as StateTimelineOptions['tooltip']['mode'], sort: 'none' as StateTimelineOptions['tooltip']['sort'] },
  };
  return { w, h, panel: { ...base('state-timeline', c), fieldConfig: fieldConfig(c), options: options as unknown as Record<string, unknown> } };
}

export function table(c: Common & { transformations: DataTransformerConfig[]; overrides: FieldConfigSource['overrides'] }, w = 24, h = 12): Sized {
  const options: TableOptions = {
    frameIndex: 0,
    showHeader: true,
    cellHeight: 'sm' as TableOptions['cellHeight'],
  };
  const fc = fieldConfig(c);
  fc.overrides = c.overrides;
  return { w, h, panel: { ...base('table', c), fieldConfig: fc, options: options as unknown as Record<string, unknown>, transformations: c.transformations } };
}

export const valueText = (value: string, text: string, color: string): ValueMapping => ({
  type: MappingType.ValueToText,
  options: { [value]: { text, color } },
});

/** Flows panels left to right into a 24-column grid and numbers them. */
export function layout(panels: Sized[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map((p, i) => {
    if (x + p.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed: Panel = { ...p.panel, id: i + 1, gridPos: { x, y, w: p.w, h: p.h } };
    x += p.w;
    rowHeight = Math.max(rowHeight, p.h);
    return placed;
  });
}
