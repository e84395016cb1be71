/**
 * Which of the two builds of native/wasm/build.sh to load: 'relaxed-simd'
 * (relaxed SIMD madd, an FMA where the CPU has one; engines with the relaxed
 * SIMD proposal: Chrome 114+, Node 20 behind a V8 flag the Node loader sets)
 * or 'simd128' (plain SIMD128, every engine with fixed-width SIMD).
 */
export type WasmSimd = 'relaxed-simd' | 'simd128';

/** Environment variable: 'baseline' (or 'simd128') forces the SIMD128 build, 'relaxed' requires the relaxed one; unset or 'auto' picks. */
export const WASM_SIMD_ENV = 'EQUIGRAPH_WASM_SIMD';

/** The file stem of one build in dist-wasm/: equigraph-wasm[-relaxed][-threads]. */
export function buildStem(simd: WasmSimd, threads = false): string {
  return `equigraph-wasm${simd === 'relaxed-simd' ? '-relaxed' : ''}${threads ? '-threads' : ''}`;
}

/** What the environment asks for: a variant, or undefined for automatic selection. */
export function requestedSimd(): WasmSimd | undefined {
  const raw = typeof process !== 'undefined' ? process.env?.[WASM_SIMD_ENV] : undefined;
  const value = raw?.trim().toLowerCase();
  if (!value || value === 'auto') return undefined;
  if (value === 'baseline' || value === 'simd128') return 'simd128';
  if (value === 'relaxed' || value === 'relaxed-simd') return 'relaxed-simd';
  throw new Error(`${WASM_SIMD_ENV}=${raw} is not one of auto, relaxed, baseline`);
}

// (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd))
// in the final relaxed SIMD encoding (0xfd 0x85 0x02).
const ZERO_V128 = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: [] -> [v128]
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, ...ZERO_V128, ...ZERO_V128, ...ZERO_V128, 0xfd, 0x85, 0x02, 0x0b, // code section
]);

/** Whether this engine validates relaxed SIMD madd as the final proposal encodes it. */
export function relaxedSimdValidates(): boolean {
  const wasm = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  try {
    return wasm !== undefined && wasm.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}
