/**
 * WebAssembly against native single-threaded on the cases of issues #2 and #3
 * ("wasm within 2× of native single-threaded"): cpu with 1 thread, the wasm
 * build the backend loads (relaxed SIMD where Node validates it; threaded in
 * Node) with every core and with 1 thread, the SIMD128 build (unthreaded) and
 * cpu with every core, measured in turns (round r times every target before
 * round r + 1), keeping each target's best median over the rounds: on a
 * shared machine the suites' one-backend-after-another runs drift apart.
 *   npx tsx --conditions=source tools/bench/wasm-ratios.ts [case filter...]
 * ROUNDS (default 3) sets the number of rounds.
 */
import { gradients, matmul, noGrad, registerHostBackend, Rng, scatterSum, sum, tensor } from '@equigraph/core';
import { channelwiseTensorProduct, convolutionEdges, fullyConnectedTensorProduct, sphericalHarmonicsOp, tensorProduct, tpConvolution } from '@equigraph/geometry';
import { MLP } from '@equigraph/layers';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { availableTargets, randomArray } from './harness.js';

type Make = (backend: string) => () => void;

const rng = new Rng(0);
const normal = (n: number) => rng.fillNormal(new Float64Array(n));
const f32 = (v: Float32Array | Float64Array, shape: number[], backend: string) => tensor(v, shape, { dtype: 'float32', backend });

/** Each case builds its inputs on a backend and returns the call to time (ms: time per median). */
function cases(): Array<[string, Make, number]> {
  const tp = fullyConnectedTensorProduct('16x0e+16x1o+16x2e', '0e+1o+2e', '16x0e+16x1o+16x2e');
  const B = 10_000;
  const tpInputs = (b: string) => ({
    x: f32(randomArray(B * tp.irreps1.dim, 1), [B, tp.irreps1.dim], b).withGrad(),
    y: f32(randomArray(B * tp.irreps2!.dim, 2), [B, tp.irreps2!.dim], b).withGrad(),
    w: f32(randomArray(tp.numWeights, 3), [tp.numWeights], b).withGrad(),
    g: f32(randomArray(B * tp.irrepsOut.dim, 4), [B, tp.irrepsOut.dim], b),
  });
  // tools/bench/tp-convolution.ts's case: 1e4 nodes, 1e5 edges, radial MLP 8 → 64 → weights.
  const cd = channelwiseTensorProduct('32x0e+32x1o+32x2e', '0e+1o+2e', '0e+1o+2e');
  const N = 10_000;
  const E = 100_000;
  const r = randomArray(2 * E, 7);
  const node = (v: number) => Math.min(N - 1, Math.floor(((v + 1) / 2) * N));
  const edgeIndex = new Int32Array(2 * E);
  for (let e = 0; e < E; e++) {
    edgeIndex[e] = node(r[e]!);
    edgeIndex[E + e] = node(r[E + e]!);
  }
  const conv = convolutionEdges(edgeIndex, N);
  const convInputs = (b: string) => {
    const mlp = new MLP([8, 64, cd.numWeights], { dtype: 'float32', backend: b, seed: 5 });
    return {
      x: f32(randomArray(N * cd.irreps1.dim, 1), [N, cd.irreps1.dim], b).withGrad(),
      sh: f32(randomArray(E * cd.irreps2!.dim, 2), [E, cd.irreps2!.dim], b).withGrad(),
      radial: f32(randomArray(E * 8, 3), [E, 8], b),
      g: f32(randomArray(N * cd.irrepsOut.dim, 4), [N, cd.irrepsOut.dim], b),
      mlp,
      params: mlp.parameters().map((p) => p.value),
    };
  };
  return [
    ['matmul 256x256 · 256x256', (b) => {
      const [x, y] = [f32(normal(65536), [256, 256], b), f32(normal(65536), [256, 256], b)];
      return () => void noGrad(() => matmul(x, y));
    }, 200],
    ['matmul 4096x64 · 64x64', (b) => {
      const [x, y] = [f32(normal(4096 * 64), [4096, 64], b), f32(normal(4096), [64, 64], b)];
      return () => void noGrad(() => matmul(x, y));
    }, 200],
    ['scatterSum 1e6 rows x 64 → 1e5 segments', (b) => {
      const src = f32(normal(64e6), [1e6, 64], b);
      const index = tensor(new Int32Array(1e6).map(() => rng.integer(1e5)), [1e6], { dtype: 'int32', backend: b });
      return () => void noGrad(() => scatterSum(src, index, 1e5));
    }, 800],
    ['MLP [16,64,64,1] fwd+bwd, 1e5 rows', (b) => {
      const mlp = new MLP([16, 64, 64, 1], { seed: 1, backend: b });
      const x = f32(normal(1e5 * 16), [1e5, 16], b);
      const params = mlp.parameters().map((p) => p.value);
      return () => void gradients(sum(mlp.forward(x)), params);
    }, 800],
    ['spherical harmonics l ≤ 3, 1e6 vectors, forward', (b) => {
      const v = f32(normal(3e6), [1e6, 3], b);
      return () => void noGrad(() => sphericalHarmonicsOp([0, 1, 2, 3], v, { normalize: true, normalization: 'integral' })).dataSync();
    }, 600],
    ['spherical harmonics l ≤ 3, 1e6 vectors, fwd+bwd', (b) => {
      const v = f32(normal(3e6), [1e6, 3], b).withGrad();
      const g = f32(normal(16e6), [1e6, 16], b);
      return () => void gradients(sphericalHarmonicsOp([0, 1, 2, 3], v, { normalize: true, normalization: 'integral' }), [v], { gradOutput: g })[0]!.dataSync();
    }, 800],
    ['tensor product forward', (b) => {
      const { x, y, w } = tpInputs(b);
      return () => void tensorProduct(tp, x, y, w).dataSync();
    }, 600],
    ['tensor product fwd+bwd', (b) => {
      const { x, y, w, g } = tpInputs(b);
      return () => {
        for (const gr of gradients(tensorProduct(tp, x, y, w), [x, y, w], { gradOutput: g })) gr!.dataSync();
      };
    }, 800],
    ['tp-convolution forward', (b) => {
      const { x, sh, radial, mlp } = convInputs(b);
      return () => void tpConvolution(cd, x, sh, mlp.forward(radial), conv, N).dataSync();
    }, 1500],
    ['tp-convolution fwd+bwd', (b) => {
      const { x, sh, radial, mlp, params, g } = convInputs(b);
      return () => {
        for (const gr of gradients(tpConvolution(cd, x, sh, mlp.forward(radial), conv, N), [x, sh, ...params], { gradOutput: g })) gr!.dataSync();
      };
    }, 2500],
  ];
}

function median(fn: () => void, ms: number): number {
  fn();
  const times: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < ms || times.length < 3) {
    const a = performance.now();
    fn();
    times.push(performance.now() - a);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

export async function run(filters: string[] = []): Promise<void> {
  const targets = await availableTargets({ reference: false });
  if (!targets.some((t) => t.label === 'cpu-1t') || !targets.some((t) => t.label === 'wasm')) {
    console.log('wasm-ratios: needs the cpu and wasm backends');
    return;
  }
  const native = await import('@equigraph/native');
  const wasm = await import('@equigraph/wasm');
  const build = wasm.wasmBuild()!;
  const cores = availableParallelism();
  // [label, backend, set the thread count before each call]
  const measured: Array<[string, string, () => void]> = [
    ['cpu-1t', 'cpu', () => native.setNumThreads(1)],
    [`wasm ${build.simd}${build.threads ? ` ${cores}t` : ''}`, 'wasm', () => wasm.setWasmThreads(0)],
  ];
  if (build.threads) measured.push([`wasm ${build.simd} 1t`, 'wasm', () => wasm.setWasmThreads(1)]);
  if (build.simd === 'relaxed-simd') {
    const mod = wasm.loadWasmBuild('simd128');
    registerHostBackend('wasm-simd128', () => wasm.createWasmPrimitives(mod), 0);
    measured.push(['wasm simd128 1t', 'wasm-simd128', () => {}]);
  }
  measured.push([`cpu ${cores}t`, 'cpu', () => native.setNumThreads(0)]);
  const rounds = Number(process.env.ROUNDS ?? 3);
  console.log(`\n## wasm against native single-threaded: ms, best of ${rounds} interleaved rounds of medians (${cores} cores)`);
  const ratios = measured.slice(1).map(([label]) => `${label} / cpu-1t`);
  console.log(['case', ...measured.map(([label]) => label), ...ratios].join(' | '));
  for (const [name, make, ms] of cases()) {
    if (filters.length > 0 && !filters.some((f) => name.includes(f))) continue;
    const calls = measured.map(([, backend, threads]) => {
      const call = make(backend);
      return () => {
        threads();
        call();
      };
    });
    // A threaded wasm module's workers boot in the background: let them.
    calls.forEach((call) => call());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const best = calls.map(() => Infinity);
    for (let k = 0; k < rounds; k++) calls.forEach((call, i) => (best[i] = Math.min(best[i]!, median(call, ms))));
    const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
    console.log([name, ...best.map(fmt), ...best.slice(1).map((v) => (v / best[0]!).toFixed(2))].join(' | '));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run(process.argv.slice(2));
