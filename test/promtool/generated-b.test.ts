// @integration: runs promtool
import { promtoolSuite } from './shared';

promtoolSuite(1);
