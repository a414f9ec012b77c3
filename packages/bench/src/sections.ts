import { appLoad } from './appload';
import { backfillSection } from './backfill';
import { evalCost } from './evalcost';
import type { Section } from './section';
import { compileScale } from './scale';
import { alertTiming } from './timing';

/** Every section, in report order. */
export const SECTIONS: { id: string; run: Section }[] = [
  { id: 'evalcost', run: evalCost },
  { id: 'timing', run: alertTiming },
  { id: 'scale', run: compileScale },
  { id: 'appload', run: appLoad },
  { id: 'backfill', run: backfillSection },
];
