import { promtoolSuite } from './shared';

promtoolSuite(1);
