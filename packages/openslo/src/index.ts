export * from './diagnostics';
export { checkSources, type CheckedObject, type EngineOptions, type EngineResult, type SourceText } from './engine';
export { COMPAT, type CompatId } from './compat';
export { parseDuration, type Duration } from './formats';
export { readInputs, MAX_FILE_BYTES, type ReadOptions, type ReadResult } from './read';
export { skippedSummary, type Skipped } from './found';
export * from './model';
export { buildModel, shiftDecimal, decimalString } from './normalise';
export { checkSlothObject, isSlothDocument, slothToModel, SLOTH_KIND, type SlothSloIds, type SlothVersion } from './sloth';
