// The cases of tools/bench/browser.ts: plain JavaScript that a page imports as
// is and Node runs too. `run` returns the median milliseconds per call of each
// case on the active backend (float32).

const values = (n, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + k));

function median(call, minMs, minCalls = 5) {
  // Warm up for as long as we measure: browsers compile wasm with a baseline
  // tier first and optimise hot functions later.
  const warm = performance.now();
  do call(); while (performance.now() - warm < minMs);
  const times = [];
  const start = performance.now();
  while (times.length < minCalls || performance.now() - start < minMs) {
    const t = performance.now();
    call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

export function run(core, geometry) {
  const f32 = (v, shape, grad = false) => {
    const t = core.tensor(v, shape, { dtype: 'float32' });
    return grad ? t.withGrad() : t;
  };
  const out = {};
  {
    const [a, b] = [f32(values(65536, 1), [256, 256]), f32(values(65536, 2), [256, 256])];
    out['matmul 256x256 · 256x256'] = median(() => core.noGrad(() => core.matmul(a, b)).dataSync(), 300);
  }
  {
    const [a, b] = [f32(values(4096 * 64, 3), [4096, 64]), f32(values(4096, 4), [64, 64])];
    out['matmul 4096x64 · 64x64'] = median(() => core.noGrad(() => core.matmul(a, b)).dataSync(), 300);
  }
  {
    const v = f32(values(3e6, 5), [1e6, 3]);
    const opts = { normalize: true, normalization: 'integral' };
    out['spherical harmonics l ≤ 3, 1e6 vectors, forward'] = median(() => core.noGrad(() => geometry.sphericalHarmonicsOp([0, 1, 2, 3], v, opts)).dataSync(), 500);
  }
  {
    const tp = geometry.fullyConnectedTensorProduct('16x0e+16x1o+16x2e', '0e+1o+2e', '16x0e+16x1o+16x2e');
    const B = 10_000;
    const x = f32(values(B * tp.irreps1.dim, 6), [B, tp.irreps1.dim], true);
    const y = f32(values(B * tp.irreps2.dim, 7), [B, tp.irreps2.dim], true);
    const w = f32(values(tp.numWeights, 8), [tp.numWeights], true);
    const g = f32(values(B * tp.irrepsOut.dim, 9), [B, tp.irrepsOut.dim]);
    out['tensor product fwd+bwd, batch 1e4'] = median(() => {
      for (const gr of core.gradients(geometry.tensorProduct(tp, x, y, w), [x, y, w], { gradOutput: g })) gr.dataSync();
    }, 600);
  }
  {
    const d = geometry.channelwiseTensorProduct('32x0e+32x1o+32x2e', '0e+1o+2e', '0e+1o+2e');
    const N = 10_000;
    const E = 100_000;
    const r = values(2 * E, 10);
    const node = (t) => Math.min(N - 1, Math.floor(((t + 1) / 2) * N));
    const edgeIndex = Int32Array.from({ length: 2 * E }, (_, i) => node(r[i]));
    const edges = geometry.convolutionEdges(edgeIndex, N);
    const x = f32(values(N * d.irreps1.dim, 11), [N, d.irreps1.dim]);
    const sh = f32(values(E * d.irreps2.dim, 12), [E, d.irreps2.dim]);
    const w = f32(values(E * d.numWeights, 13), [E, d.numWeights]);
    out['tp-convolution forward, 1e5 edges'] = median(() => geometry.tpConvolution(d, x, sh, w, edges, N).dataSync(), 1500, 3);
  }
  return out;
}
