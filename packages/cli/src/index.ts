/** The CLI's commands as functions, for tools and tests that drive them in-process; the pipeline itself is @slo-engine/pipeline. */
export { runCompile, type CompileCliOptions } from './compile';
export { run } from './program';
export { VERSION } from '@slo-engine/pipeline';
