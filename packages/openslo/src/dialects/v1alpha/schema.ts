import { z } from 'zod';
import { bool, calendar, description, type DocumentOf, envelope, nonEmpty, num, obj, once, operator, serviceSpec, str } from '../shared/schema';

export const API_VERSION = 'openslo/v1alpha';

/** v1alpha queries: `{source, queryType, query}` (Sloth writes `source: prometheus, queryType: promql`). */
export const querySource = () => obj({ source: nonEmpty(), queryType: nonEmpty(), query: nonEmpty(), metadata: z.record(z.string(), z.unknown()).optional() });
export type QuerySource = z.output<ReturnType<typeof querySource>>;

export const TIME_WINDOW_UNITS = ['Second', 'Day', 'Week', 'Month', 'Quarter', 'Year'] as const;

export const sloSpec = () =>
  obj({
    description: description(),
    service: nonEmpty(),
    indicator: obj({ thresholdMetric: querySource() }).optional(),
    timeWindows: z
      .array(
        obj({
          unit: z.enum(TIME_WINDOW_UNITS),
          count: num().int({ error: 'must be a whole number' }).gt(0),
          isRolling: bool().optional(),
          calendar: calendar().optional(),
        }),
        { error: 'must be a list' },
      )
      .optional(), // a missing window is Sloth's 30 days: the rules report it as a deviation
    budgetingMethod: z.enum(['Occurrences', 'Timeslices'], { error: (iss) => (iss.input === undefined ? 'is required: Occurrences or Timeslices' : undefined) }),
    objectives: z.array(
      obj({
        displayName: str().optional(),
        op: operator().optional(),
        value: num().optional(),
        target: num().gte(0).lt(1),
        timeSliceTarget: num().gte(0).lte(1).optional(),
        ratioMetrics: obj({ good: querySource(), total: querySource(), incremental: bool().optional(), counter: bool().optional() }).optional(),
      }),
      { error: (iss) => (iss.input === undefined ? 'is required: give at least one objective' : 'must be a list') },
    ),
  });

export const documents = {
  SLO: once(() => envelope(API_VERSION, 'SLO', sloSpec())),
  Service: once(() => envelope(API_VERSION, 'Service', serviceSpec().optional())),
};
export type Document = DocumentOf<typeof documents>;
export type SloDocument = z.output<ReturnType<typeof documents.SLO>>;
