import { Diagnostic, type PathSeg } from './diagnostics';
import { dialectOf, type ModelContext } from './dialects';
import type { CheckedObject, EngineResult } from './engine';
import type { Indicator, Slo } from './model';

/** What every dialect's toModel shares: the other inputs by kind and name, and the diagnostics of what cannot be compiled. */
class Builder implements ModelContext {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly result: EngineResult) {}

  fail(o: CheckedObject, path: PathSeg[], message: string, hint?: string): undefined {
    this.diagnostics.push(new Diagnostic('error', 'compile', message, o.raw.locate(path), path.map(String).join('.'), hint, [], `${o.kind} ${o.name}`));
    return undefined;
  }

  find(kind: string, name: string | undefined): CheckedObject | undefined {
    return name === undefined ? undefined : this.result.index.get(`${kind}/${name}`);
  }

  indicator(sli: CheckedObject, name: string | undefined): Indicator | undefined {
    return dialectOf(sli.version)?.indicator?.(sli, this, name);
  }
}

/** Builds the model of every valid SLO, each by the toModel of its dialect; reports what cannot be compiled (missing references and the like). */
export function buildModel(result: EngineResult): { slos: Slo[]; diagnostics: Diagnostic[] } {
  const b = new Builder(result);
  const slos: Slo[] = [];
  for (const o of result.objects) if (o.valid) slos.push(...(dialectOf(o.version)?.toModel(o, b) ?? []));
  return { slos, diagnostics: b.diagnostics };
}
