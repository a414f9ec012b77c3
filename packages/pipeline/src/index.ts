export { compileAndWrite, type CompileOptions, type CompileResult, type FolderResult, type OutputFolders } from './compile';
export { planCompile, plural, sloFiles, TEST_SHARED_SUFFIX, unknownTierMessage, type CompilePlan, type PlanOptions } from './plan';
export { readAndCheck, type InputFilter, type InputIo } from './inputs';
export { drift, GENERATED_MARK, MANIFEST, OutputDir, write, type Drift, type OutputFile, type OutputPlan, type Ownership, type Stale } from './outputs';
export { AMP_QUOTAS, AmpQuotaError, type AmpNamespace } from './amp';
export { VERSION } from './version';
