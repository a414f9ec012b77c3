import { promtoolSuite } from './shared';

promtoolSuite(0);
