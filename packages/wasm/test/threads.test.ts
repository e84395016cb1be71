// The threaded wasm builds (native/wasm/build.sh, Node): once the pthread
// workers are up, every parallel kernel gives bit for bit
// what the unthreaded build of the same SIMD variant gives (parallel_for
// splits outputs, not sums), on inputs large enough to be split. The one
// exception, a weight gradient shared by the whole batch, sums one partial
// per thread in a fixed order: reproducible for a thread count, rounded
// differently across counts. And a script that used the threads still exits
// by itself.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloatArray, TypedArray } from '@equigraph/core';
import { WASM_THREADS_ENV, createWasmPrimitives, getWasmModule, loadWasmBuild, wasmBuild, type EquigraphWasmModule } from '../src/index.js';
import { randomArray, randomIndex, rng, type FloatCtor } from './cases.js';
import { ensureWasmBuilt } from './ensure-built.js';
import { descriptor } from './tp-cases.js';

const unavailable = ensureWasmBuilt();
const simd = unavailable ? undefined : (getWasmModule(), wasmBuild()!.simd);
let threaded: EquigraphWasmModule | undefined;
let reason = unavailable;
if (simd) {
  try {
    threaded = loadWasmBuild(simd, true);
  } catch (err) {
    reason = err instanceof Error ? err.message : String(err);
  }
}
if (!threaded) console.info(`[wasm threads] skipped: ${reason}`);
const THREADS = 3;

/** A primitive call on fresh outputs; `exact`: the thread count cannot change a bit of the result. */
type Case = [name: string, run: (p: ReturnType<typeof createWasmPrimitives>) => TypedArray[], exact?: boolean];

function bigCases(ctor: FloatCtor): Case[] {
  const rand = rng(5);
  const x = randomArray(ctor, 200_000, rand);
  const y = randomArray(ctor, 200_000, rand);
  const row = randomArray(ctor, 400, rand);
  const index = randomIndex(50_000, 1000, rand);
  const out = (n: number, c: { new (n: number): TypedArray } = ctor) => new c(n);
  const cases: Case[] = [
    ['unary silu', (p) => { const o = out(x.length); p.unary('silu', x, o as FloatArray); return [o]; }],
    ['unaryGrad tanh', (p) => { const o = out(x.length); p.unaryGrad('tanh', x, y, x, o as FloatArray); return [o]; }],
    ['binary mul, broadcast row', (p) => { const o = out(x.length); p.binary('mul', x, [400, 1], row, [0, 1], o as FloatArray, [500, 400]); return [o]; }],
    ['reduce sum over rows', (p) => { const o = out(400); p.reduce('sum', x, o as FloatArray, 1, 500, 400); return [o]; }],
    ['reduce max within rows', (p) => { const o = out(500); p.reduce('max', x, o as FloatArray, 500, 400, 1); return [o]; }],
    ['transpose [500, 400]', (p) => { const o = out(x.length); p.transpose(x, [500, 400], [1, 0], o); return [o]; }],
    ['matmul 300x200x150', (p) => { const o = out(300 * 150); p.matmul(x.subarray(0, 60_000), y.subarray(0, 30_000), o as FloatArray, 1, 300, 200, 150, false, false, 0, 0); return [o]; }],
    ['matmul batched, transposed', (p) => { const o = out(8 * 64 * 64); p.matmul(x.subarray(0, 8 * 64 * 96), y.subarray(0, 64 * 96), o as FloatArray, 8, 64, 96, 64, false, true, 64 * 96, 0); return [o]; }],
    ['gather 50k rows of 4', (p) => { const o = out(50_000 * 4); p.gather(x, index, o, 4); return [o]; }],
    ['scatter sum', (p) => { const o = out(1000 * 4); p.scatter('sum', x, index, o as FloatArray, 1000, 4); return [o]; }],
    ['scatter max', (p) => { const o = out(1000 * 4); p.scatter('max', x, index, o as FloatArray, 1000, 4); return [o]; }],
    ['spherical harmonics l ≤ 3, forward and backward', (p) => {
      const n = 10_000;
      const v = x.subarray(0, 3 * n);
      const sh = out(16 * n);
      const gx = out(3 * n);
      p.sphericalHarmonics([0, 1, 2, 3], true, 'component', v, sh as FloatArray);
      p.sphericalHarmonicsBackward([0, 1, 2, 3], true, 'component', v, y.subarray(0, 16 * n), gx as FloatArray);
      return [sh, gx];
    }],
  ];
  for (const mode of [0, 1] as const) {
    const d = descriptor(mode);
    const [sw, s1, s2, s3] = d.operandSizes as [number, number, number, number];
    const batch = 2000;
    const operands = [x.subarray(0, mode === 0 ? sw : batch * sw), x.subarray(0, batch * s1), y.subarray(0, batch * s2), y.subarray(0, batch * s3)];
    for (const slot of [3, 1, 2, 0]) {
      const shared = slot === 0 && mode === 0;
      cases.push([`tensor product mode ${mode}, slot ${slot}`, (p) => {
        const o = out(shared ? sw : batch * d.operandSizes[slot]!);
        p.segmentedTensorProduct(d, operands.map((a, s) => (s === slot ? null : a)), [mode === 0 ? 0 : sw, s1, s2, s3], batch, slot, o as FloatArray);
        return [o];
      }, !shared]);
    }
  }
  const d = descriptor(1);
  const nodes = 1000;
  const edges = 5000;
  const [src, dst] = [randomIndex(edges, nodes, rand), randomIndex(edges, nodes, rand)];
  const rows = (slot: number) => (slot === 0 || slot === 2 ? edges : nodes);
  const conv = [x, x, y, y].map((a, s) => a.subarray(0, rows(s) * d.operandSizes[s]!));
  for (const slot of [3, 1, 2, 0]) {
    cases.push([`fused convolution, slot ${slot}`, (p) => {
      const o = out(rows(slot) * d.operandSizes[slot]!);
      p.tpConvolution(d, conv.map((a, s) => (s === slot ? null : a)), src, dst, nodes, slot, o as FloatArray);
      return [o];
    }]);
  }
  return cases;
}

describe.skipIf(!threaded)('threaded wasm build', () => {
  let single: ReturnType<typeof createWasmPrimitives>;
  let multi: ReturnType<typeof createWasmPrimitives>;

  beforeAll(async () => {
    single = createWasmPrimitives(loadWasmBuild(simd!));
    multi = createWasmPrimitives(threaded!);
    threaded!._eg_set_num_threads(THREADS);
    // The workers boot in the background (tens of ms) and join once up.
    bigCases(Float32Array)[0]![1](multi);
    const pthread = (threaded as unknown as { PThread: { runningWorkers: unknown[] } }).PThread;
    for (let i = 0; i < 100 && pthread.runningWorkers.length < THREADS - 1; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
  });

  it(`runs ${THREADS} threads: the caller and ${THREADS - 1} workers`, () => {
    expect(threaded!._eg_get_num_threads()).toBe(THREADS);
    expect((threaded as unknown as { PThread: { runningWorkers: unknown[] } }).PThread.runningWorkers.length).toBe(THREADS - 1);
  });

  for (const ctor of [Float32Array, Float64Array] as FloatCtor[]) {
    const tol = ctor === Float32Array ? 1e-5 : 1e-12;
    it.each(bigCases(ctor).map((c) => [c[0], c] as const))(`${ctor.name} %s: the unthreaded result`, (_name, [, run, exact = true]) => {
      const want = run(single);
      const got = run(multi);
      const again = run(multi);
      for (let i = 0; i < want.length; i++) {
        const [a, b] = [got[i]!, want[i]!];
        expect(a.length).toBe(b.length);
        let scale = 1;
        for (let j = 0; j < b.length; j++) scale = Math.max(scale, Math.abs(b[j]!));
        let differing = 0;
        for (let j = 0; j < a.length; j++) if (exact ? !Object.is(a[j], b[j]) : !(Math.abs(a[j]! - b[j]!) <= tol * scale)) differing++;
        expect(differing, `output ${i}: ${differing} of ${a.length} elements differ`).toBe(0);
        expect(again[i], 'a second threaded run').toEqual(a);
      }
    });
  }

  it('is the default in Node unless the environment says otherwise', () => {
    if (process.env[WASM_THREADS_ENV] === '0') expect(wasmBuild()!.threads).toBe(false);
    else expect(wasmBuild()!.threads).toBe(true);
  });
});

describe.skipIf(!threaded)('a script on the threaded build', () => {
  const script = fileURLToPath(new URL('./fixtures/threaded-script.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
  const run = async (threads: string) => {
    const { stdout } = await promisify(execFile)(tsx, ['--conditions=source', script], { timeout: 60_000, env: { ...process.env, [WASM_THREADS_ENV]: threads } });
    return stdout.trim();
  };
  it('exits by itself once its work is done, having used the workers', async () => {
    expect(await run('1')).toMatch(/^threaded true threads 2 workers 1 sum [-\d.e]+$/);
  }, 90_000);
  it(`runs unthreaded with ${WASM_THREADS_ENV}=0, to the same result`, async () => {
    const [threadedSum, plainSum] = [await run('1'), await run('0')].map((out) => out.split(' sum ')[1]);
    expect(await run('0')).toMatch(/^threaded false threads 1 workers 0 sum /);
    expect(plainSum).toBe(threadedSum);
  }, 90_000);
});
