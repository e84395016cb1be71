// The two wasm builds (native/wasm/build.sh): SIMD128 and relaxed SIMD (FMA
// in the GEMM, tensor-product and convolution kernels). The default module
// (relaxed where Node validates it) runs the kernel suite and wasm.test.ts;
// here the SIMD128 build runs the primitive cases against the reference, and
// both builds run the tensor product and the fused convolution, checked
// against a direct evaluation of their definition.
import { describe, expect, it } from 'vitest';
import { referencePrimitives, type FloatArray, type HostPrimitives } from '@equigraph/core';
import { WASM_SIMD_ENV, WasmPrimitives, createWasmTpPrimitives, getWasmModule, loadWasmBuild, wasmBuild, type EquigraphWasmModule, type WasmSimd } from '../src/index.js';
import { buildCases, mismatch, randomArray, rng, type FloatCtor } from './cases.js';
import { descriptor, direct } from './tp-cases.js';
import { ensureWasmBuilt } from './ensure-built.js';

const unavailable = ensureWasmBuilt();

function tryLoad(simd: WasmSimd): { mod?: EquigraphWasmModule; reason?: string } {
  if (unavailable) return { reason: unavailable };
  try {
    return { mod: loadWasmBuild(simd) };
  } catch (err) {
    return { reason: err instanceof Error ? err.message : String(err) };
  }
}
const builds = { simd128: tryLoad('simd128'), 'relaxed-simd': tryLoad('relaxed-simd') } as const;
for (const [name, b] of Object.entries(builds)) if (!b.mod) console.info(`[wasm builds] ${name} skipped: ${b.reason}`);

const TOLERANCE: Record<string, number> = { Float32Array: 1e-6, Float64Array: 1e-13 };

describe.skipIf(!builds.simd128.mod)('SIMD128 build: primitives vs reference', () => {
  for (const ctor of [Float32Array, Float64Array] as FloatCtor[]) {
    const eps = TOLERANCE[ctor.name]!;
    const cases = buildCases(ctor).filter((c) => /matmul|reduce|scatter|unary|binary/.test(c.name));
    const prims = builds.simd128.mod && (new WasmPrimitives(builds.simd128.mod) as HostPrimitives);
    it.each(cases.map((c) => [c.name, c] as const))(`${ctor.name} %s`, (_name, c) => {
      const expected = c.run(referencePrimitives);
      const actual = c.run(prims!);
      for (let i = 0; i < actual.length; i++) expect(mismatch(actual[i], expected[i], eps * c.tol, eps * c.tol)).toBeUndefined();
    });
  }
});

describe.skipIf(unavailable)('build selection', () => {
  it('uses the relaxed-SIMD build where this Node validates it, unless the environment says otherwise', () => {
    getWasmModule();
    const build = wasmBuild()!;
    const forced = process.env[WASM_SIMD_ENV];
    if (forced === 'baseline' || forced === 'simd128') expect(build.simd).toBe('simd128');
    else if (!forced && builds['relaxed-simd'].mod) expect(build.simd).toBe('relaxed-simd');
    expect(build.why.length).toBeGreaterThan(0);
  });
});

const available = (Object.entries(builds) as [WasmSimd, { mod?: EquigraphWasmModule }][]).filter(([, b]) => b.mod);

for (const ctor of [Float32Array, Float64Array] as FloatCtor[]) {
  const tol = ctor === Float32Array ? 2e-5 : 1e-12;
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    expect(a.length, what).toBe(b.length);
    let scale = 1;
    for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
    for (let i = 0; i < b.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= tol * scale)) expect.fail(`${what}: element ${i}: ${a[i]} vs ${b[i]}`);
  };

  describe.skipIf(available.length === 0)(`segmented tensor product on both builds (${ctor.name})`, () => {
    const d = descriptor(0);
    const batch = 37; // two blocks of 16 and a tail
    const rand = rng(11);
    const x1 = randomArray(ctor, batch * d.operandSizes[1]!, rand);
    const x2 = randomArray(ctor, batch * d.operandSizes[2]!, rand);
    const w = randomArray(ctor, d.operandSizes[0]!, rand);
    const g = randomArray(ctor, batch * d.operandSizes[3]!, rand);
    const run = (mod: EquigraphWasmModule, outSlot: number) => {
      const out = new ctor(outSlot === 0 ? d.operandSizes[0]! : batch * d.operandSizes[outSlot]!);
      const operands = [w, x1, x2, g].map((a, s) => (s === outSlot ? null : a));
      createWasmTpPrimitives(mod).segmentedTensorProduct(d, operands, [0, ...d.operandSizes.slice(1)], batch, outSlot, out);
      return out;
    };
    it.each(available.map(([name, b]) => [name, b.mod!] as const))('%s: forward matches the definition', (_name, mod) => {
      const want = new Array<number>(batch * d.operandSizes[3]!).fill(0);
      for (let z = 0; z < batch; z++) direct(0, x1, x2, w, want, z * d.operandSizes[3]!, z * d.operandSizes[1]!, z * d.operandSizes[2]!, 0);
      close(run(mod, 3), want, 'out');
    });
    it.skipIf(available.length < 2)('every slot agrees between the builds', () => {
      for (const slot of [3, 1, 2, 0]) close(run(builds['relaxed-simd'].mod!, slot), run(builds.simd128.mod!, slot), `slot ${slot}`);
    });
  });

  describe.skipIf(available.length === 0)(`fused tensor-product convolution on both builds (${ctor.name})`, () => {
    const d = descriptor(1);
    const nodes = 23;
    const edges = 150;
    const rand = rng(12);
    const src = Int32Array.from({ length: edges }, () => Math.floor(rand() * nodes));
    const dst = Int32Array.from({ length: edges }, () => Math.floor(rand() * nodes));
    const x1 = randomArray(ctor, nodes * d.operandSizes[1]!, rand);
    const x2 = randomArray(ctor, edges * d.operandSizes[2]!, rand);
    const w = randomArray(ctor, edges * d.operandSizes[0]!, rand);
    const g = randomArray(ctor, nodes * d.operandSizes[3]!, rand);
    const run = (mod: EquigraphWasmModule, outSlot: number) => {
      const rows = outSlot === 0 || outSlot === 2 ? edges : nodes;
      const out = new ctor(rows * d.operandSizes[outSlot]!);
      const operands = [w, x1, x2, g].map((a, s) => (s === outSlot ? null : a));
      new WasmPrimitives(mod).tpConvolution(d, operands, src, dst, nodes, outSlot, out);
      return out;
    };
    it.each(available.map(([name, b]) => [name, b.mod!] as const))('%s: forward matches the definition', (_name, mod) => {
      const so = d.operandSizes[3]!;
      const want = new Array<number>(nodes * so).fill(0);
      for (let e = 0; e < edges; e++) direct(1, x1, x2, w, want, dst[e]! * so, src[e]! * d.operandSizes[1]!, e * d.operandSizes[2]!, e * d.operandSizes[0]!);
      close(run(mod, 3), want, 'out');
    });
    it.skipIf(available.length < 2)('every slot agrees between the builds', () => {
      for (const slot of [3, 1, 2, 0]) close(run(builds['relaxed-simd'].mod!, slot), run(builds.simd128.mod!, slot), `slot ${slot}`);
    });
  });
}
