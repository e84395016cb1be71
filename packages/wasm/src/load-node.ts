// Node loader (package.json "imports" #load, condition "node"): require()s the
// single-file CommonJS build, which compiles and instantiates synchronously
// (-sWASM_ASYNC_COMPILATION=0), so backend factories can stay synchronous.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { EquigraphWasmFactory, EquigraphWasmModule } from './module.js';

/** Where build.sh writes the modules; src/ and dist/ both sit one level below the package root. */
const MODULE_URL = new URL('../dist-wasm/equigraph-wasm.cjs', import.meta.url);

export function loadSync(): EquigraphWasmModule {
  const path = fileURLToPath(MODULE_URL);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing; build it with 'npm run build:wasm -w @equigraph/wasm' (needs emscripten's em++)`);
  }
  const require = createRequire(import.meta.url);
  const factory = require(path) as EquigraphWasmFactory;
  // MODULARIZE fills the object passed in; with synchronous compilation it is
  // complete (exports, heap views) when the factory returns.
  const mod: Record<string, unknown> = {};
  factory(mod);
  if (typeof mod._eg_unary !== 'function' || !(mod.HEAPU8 instanceof Uint8Array)) {
    throw new Error(`${path} did not instantiate synchronously (was it built with -sWASM_ASYNC_COMPILATION=0?)`);
  }
  return mod as unknown as EquigraphWasmModule;
}

export async function loadAsync(): Promise<EquigraphWasmModule> {
  return loadSync();
}
