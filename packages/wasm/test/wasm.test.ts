import { describe, expect, it } from 'vitest';
import { findBackend, referencePrimitives, type HostPrimitives } from '@equigraph/core';
import { WasmPrimitives, createWasmPrimitives, getWasmModule, initWasm } from '../src/index.js';
import { buildCases, mismatch, randomArray, randomIndex, rng, type FloatCtor } from './cases.js';
import { ensureWasmBuilt } from './ensure-built.js';

const unavailable = ensureWasmBuilt();
if (unavailable) console.warn(`[wasm tests] skipped: ${unavailable}`);

/** The N-API 'cpu' backend's primitives, when @equigraph/native is installed and its addon loads. */
async function loadCpu(): Promise<{ prims?: HostPrimitives; reason?: string }> {
  try {
    const specifier = '@equigraph/native';
    await import(/* @vite-ignore */ specifier);
    const backend = findBackend('cpu') as unknown as { primitives?: HostPrimitives };
    if (!backend.primitives) return { reason: "backend 'cpu' exposes no primitives" };
    return { prims: backend.primitives };
  } catch (err) {
    return { reason: err instanceof Error ? err.message : String(err) };
  }
}

const cpu = await loadCpu();
if (!cpu.prims) console.info(`[wasm tests] skipping the comparison with the cpu backend: ${cpu.reason}`);
const wasm = (unavailable ? undefined : createWasmPrimitives()) as HostPrimitives;

const TOLERANCE: Record<string, number> = { Float32Array: 1e-6, Float64Array: 1e-13 };

for (const ctor of [Float32Array, Float64Array] as FloatCtor[]) {
  const eps = TOLERANCE[ctor.name];
  const cases = buildCases(ctor);

  describe.skipIf(unavailable)(`wasm primitives vs reference (${ctor.name})`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const expected = c.run(referencePrimitives);
      const actual = c.run(wasm);
      expect(actual.length).toBe(expected.length);
      for (let i = 0; i < actual.length; i++) {
        expect(mismatch(actual[i], expected[i], eps * c.tol, eps * c.tol)).toBeUndefined();
      }
    });
  });

  describe.skipIf(unavailable || !cpu.prims)(`wasm primitives vs the N-API cpu backend (${ctor.name})`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const expected = c.run(cpu.prims!);
      const actual = c.run(wasm);
      for (let i = 0; i < actual.length; i++) {
        expect(mismatch(actual[i], expected[i], eps * c.tol, eps * c.tol)).toBeUndefined();
      }
    });
  });
}

describe.skipIf(unavailable)('wasm backend errors', () => {
  it('throws an Error (not a trap) for out-of-range gather indices, and keeps working', () => {
    const x = new Float32Array(12).map((_, i) => i);
    const out = new Float32Array(6);
    for (const bad of [4, -1, 1 << 30]) {
      let caught: unknown;
      try {
        wasm.gather(x, Int32Array.of(0, bad), out, 3);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(Error);
      expect((caught as Error).constructor.name).not.toBe('RuntimeError'); // a wasm trap would be WebAssembly.RuntimeError
      expect((caught as Error).message).toMatch(/eg_gather.*EG_ERR_INDEX/);
    }
    wasm.gather(x, Int32Array.of(3, 0), out, 3);
    expect(Array.from(out)).toEqual([9, 10, 11, 0, 1, 2]);
  });

  it('throws an Error for out-of-range scatter indices', () => {
    const src = new Float64Array(6).fill(1);
    const out = new Float64Array(4);
    expect(() => wasm.scatter('sum', src, Int32Array.of(0, 1, 2), out, 2, 2)).toThrow(/eg_scatter.*EG_ERR_INDEX/);
    expect(() => wasm.scatter('max', src, Int32Array.of(0, -1, 1), out, 2, 2)).toThrow(/EG_ERR_INDEX/);
    wasm.scatter('sum', src, Int32Array.of(1, 1, 0), out, 2, 2);
    expect(Array.from(out)).toEqual([1, 1, 2, 2]);
  });

  it('reports mixed float dtypes instead of misreading memory', () => {
    // HostPrimitives promises one float dtype per call; the binding derives it from `out`.
    const a = new Float64Array(4).fill(2);
    const out = new Float64Array(4);
    wasm.binary('mul', a, [1], a, [1], out, [4]);
    expect(Array.from(out)).toEqual([4, 4, 4, 4]);
  });
});

describe.skipIf(unavailable)('wasm memory', () => {
  it('handles inputs that force the wasm memory to grow', () => {
    const mod = getWasmModule();
    const before = mod.HEAPU8.length;
    const n = 24_000_000; // 192 MB in + 192 MB out of float64, far above the 16 MB initial heap
    const x = new Float64Array(n);
    for (let i = 0; i < n; i += 1) x[i] = (i % 1000) - 500;
    const out = new Float64Array(n);
    wasm.unary('square', x, out);
    expect(mod.HEAPU8.length).toBeGreaterThan(before);
    expect(mod.HEAPU8.length).toBeGreaterThanOrEqual(2 * n * 8);
    for (const i of [0, 1, 999, 1000, 12_345_678, n - 1]) expect(out[i]).toBe(x[i] * x[i]);

    // A scatter big enough to need a larger arena again, then small calls on the grown heap.
    const rand = rng(7);
    const rows = 2_000_000;
    const src = randomArray(Float32Array, rows * 8, rand);
    const index = randomIndex(rows, 1000, rand);
    const got = new Float32Array(1000 * 8);
    const want = new Float32Array(1000 * 8);
    wasm.scatter('max', src, index, got, 1000, 8);
    referencePrimitives.scatter('max', src, index, want, 1000, 8);
    expect(mismatch(got, want, 0, 0)).toBeUndefined();

    const small = new Float32Array(3);
    wasm.unary('neg', Float32Array.of(1, 2, 3), small);
    expect(Array.from(small)).toEqual([-1, -2, -3]);
  });
});

describe.skipIf(unavailable)('wasm module and registration', () => {
  it("registers backend 'wasm' with host primitives backed by the module", async () => {
    const backend = findBackend('wasm') as unknown as { name: string; primitives: HostPrimitives };
    expect(backend.name).toBe('wasm');
    expect(backend.primitives).toBeInstanceOf(WasmPrimitives);
    expect(await initWasm()).toBe(getWasmModule());
  });

  it('exposes the threading knobs of the C ABI (serial build)', () => {
    const mod = getWasmModule();
    mod._eg_set_num_threads(1);
    expect(mod._eg_get_num_threads()).toBe(1);
  });
});
