/** The CLI's commands as functions, for tools (benchmarks, tests) that drive them in-process. */
export { planCompile, runCompile, sloFiles, type CompilePlan, type PlanOptions, type CompileCliOptions } from './compile';
export { run } from './program';
export { VERSION } from './version';
