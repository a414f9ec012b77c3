export * from './names';
export * from './model';
export { compileSlo, CompileError, findAnnotation, pct, type CompiledSlo, type CompiledObjective, type CompileOptions } from './compile';
export { tiersFor, defaultTiers, policyTiers, errorBudget, threshold, detectionMinutes, factorFor, shortWindow, type Tier, type TierOptions } from './tiers';
export { promDuration } from './durations';
export { header, nestYaml, toYaml, renderRuleFile } from './render';
export { BlockError, buildingBlocks } from './blocks';
export { generateTests, type GeneratedTests } from './testgen';
export { planSeries, solveLabels, type Phase, type SeriesPlan } from './series';
