import * as path from 'node:path';

/**
 * One in-process jrsonnet (@arakoodev/jsonnet, WebAssembly) shared by all evaluations.
 *
 * What the library does that this module works around:
 * - `evaluateSnippet` returns the error trace as its result instead of throwing, so the caller tells
 *   JSON output from a trace by parsing it.
 * - A Rust panic (e.g. `arakoo.regexMatch` with a bad pattern) surfaces as a WebAssembly
 *   `RuntimeError: unreachable` after printing the panic with console.error; the instance may be left
 *   inconsistent, so it is replaced.
 * - Every evaluation that builds objects leaks WebAssembly memory (jrsonnet's cycle collector never
 *   runs in this build), tens of kilobytes per dashboard, and WebAssembly memory never shrinks: past a
 *   limit the module is loaded afresh so the old instance can be garbage-collected.
 */

interface JsonnetVm {
  evaluateSnippet(snippet: string): string;
  extString(key: string, value: string): unknown;
  destroy(): void;
}
type JsonnetClass = new () => JsonnetVm;

export type EngineResult = { ok: true; value: unknown } | { ok: false; trace: string };

/** The engine failed in a way that is no jsonnet error (a panic, a JS stack overflow). */
export class EngineCrash extends Error {}

const MEMORY_LIMIT = 128 * 1024 * 1024;

/** The instance's WebAssembly.Memory (no WebAssembly types in this project's lib settings). */
interface WasmMemory {
  buffer: ArrayBuffer;
}

interface Engine {
  vm: JsonnetVm;
  memory?: WasmMemory;
}

let current: Engine | undefined;
let renewAt = MEMORY_LIMIT;

function libraryDir(): string {
  return path.dirname(require.resolve('@arakoodev/jsonnet'));
}

function load(): Engine {
  const dir = libraryDir();
  const Jsonnet = require(path.join(dir, 'index.js')) as JsonnetClass;
  // the glue module exports the instance; read only to watch its memory, so optional
  const glue = require(path.join(dir, 'jsonnet_wasm.js')) as { __wasm?: { memory?: Partial<WasmMemory> } };
  const memory = glue.__wasm?.memory?.buffer instanceof ArrayBuffer ? (glue.__wasm.memory as WasmMemory) : undefined;
  const engine: Engine = { vm: new Jsonnet() };
  if (memory) engine.memory = memory;
  return engine;
}

/** Drops the VM and, where the module loader allows it (plain Node, not jest), the WebAssembly instance. */
function renew(): void {
  const old = current;
  current = undefined;
  try {
    old?.vm.destroy();
  } catch {
    // a VM behind a trapped instance may not be destroyable; it is dropped either way
  }
  // every module of the library, its read-file helper too: that one's `parent` is the old glue module
  const cache = require.cache;
  const dir = libraryDir() + path.sep;
  for (const key of Object.keys(cache)) {
    const cached = cache[key];
    if (!key.startsWith(dir) || !cached) continue;
    delete cache[key];
    // parents keep their children reachable, which would keep the old memory alive
    for (const parent of [module, ...Object.values(cache)]) {
      const at = parent?.children?.indexOf(cached) ?? -1;
      if (at >= 0) parent?.children?.splice(at, 1);
    }
  }
  const fresh = load();
  if (old?.memory && fresh.memory === old.memory) {
    // same instance (the loader keeps modules): only a new VM; do not renew again on every call
    renewAt = old.memory.buffer.byteLength + MEMORY_LIMIT;
  } else {
    renewAt = MEMORY_LIMIT;
  }
  current = fresh;
}

/** Evaluates generated jsonnet with string ext vars; jsonnet errors come back as `{ ok: false, trace }`. */
export function evaluate(code: string, extVars: ReadonlyMap<string, string>): EngineResult {
  if (!current) current = load();
  const engine = current;
  const originalConsoleError = console.error;
  let printed = '';
  // the panic hook reports through console.error; keep it out of the user's terminal and in the error
  console.error = (...args: unknown[]) => {
    printed += `${args.map(String).join(' ')}\n`;
  };
  let out: string;
  try {
    for (const [key, value] of extVars) engine.vm.extString(key, value);
    out = engine.vm.evaluateSnippet(code);
  } catch (e) {
    console.error = originalConsoleError;
    renew();
    const panic = printed.split('\n\nStack:')[0]?.trim();
    throw new EngineCrash(panic || (e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
  } finally {
    console.error = originalConsoleError;
  }
  if (engine.memory && engine.memory.buffer.byteLength > renewAt) renew();
  // output is always manifested JSON; a trace never parses as JSON
  try {
    return { ok: true, value: JSON.parse(out) as unknown };
  } catch {
    return { ok: false, trace: out };
  }
}
