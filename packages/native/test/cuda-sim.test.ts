// The TypeScript half of backend 'cuda' (cuda-backend.ts: storage, shape
// logic, the calls it makes into the binding) on machines without a GPU: the
// same kernels registered for a backend 'cuda-sim' whose "device buffers" are
// host typed arrays and whose cuda* functions run the CPU kernels. This does
// not exercise native/cuda at all; it checks everything above it, the routing
// of @equigraph/geometry's E(3) kernels included.
import { registerBackend, runUnary, tensor, type DType } from '@equigraph/core';
import { runKernelSuite } from '@equigraph/core/testing';
import { describe, expect, it } from 'vitest';
import { CudaBackend, DTYPE_CODES, loadAddon, registerCudaKernels, type CudaAddon, type CudaBuffer } from '../src/index.js';
import { runE3Comparison } from './cuda-e3-cases.js';

type Host = Float32Array | Float64Array | Int32Array;
interface SimBuffer {
  data: Host;
  dtype: DType;
  freed: boolean;
}

const DTYPE_NAMES: DType[] = ['float32', 'float64', 'int32'];
const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array };

function dtypeOf(a: Host): DType {
  return a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : 'int32';
}

/** The binding's contract (native/napi/cuda.cpp) over host memory and the CPU kernels. */
function simAddon(): CudaAddon & { live: Set<SimBuffer> } {
  const cpu = loadAddon();
  const live = new Set<SimBuffer>();
  const use = (b: CudaBuffer): Host => {
    const s = b as unknown as SimBuffer;
    if (!live.has(s) && !s.freed) throw new TypeError('not a CUDA buffer');
    if (s.freed) throw new TypeError('disposed CUDA buffer');
    return s.data;
  };
  return {
    live,
    cudaDeviceCount: () => 1,
    cudaLastError: () => '',
    cudaAlloc(dtype, length) {
      const name = DTYPE_NAMES[dtype];
      const s: SimBuffer = { data: new CTORS[name](length), dtype: name, freed: false };
      live.add(s);
      return s as unknown as CudaBuffer;
    },
    cudaFree(b) {
      const s = b as unknown as SimBuffer;
      s.freed = true;
      live.delete(s);
    },
    cudaUpload(b, values) {
      const d = use(b);
      if (dtypeOf(d) !== dtypeOf(values)) throw new TypeError('dtype mismatch');
      if (values.length > d.length) throw new RangeError('buffer too small');
      d.set(values);
    },
    cudaDownload(b, out) {
      const d = use(b);
      if (dtypeOf(d) !== dtypeOf(out)) throw new TypeError('dtype mismatch');
      if (out.length > d.length) throw new RangeError('buffer too small');
      out.set(d.subarray(0, out.length) as never);
    },
    cudaSynchronize() {},
    cudaEmptyCache() {},
    cudaMemoryStats: () => ({ inUse: live.size, cached: 0 }),
    cudaUnary: (op, x, out) => cpu.unary(op, use(x) as Float32Array, use(out) as Float32Array),
    cudaBinary: (op, a, sa, b, sb, out, shape) => cpu.binary(op, use(a), sa, use(b), sb, use(out), shape),
    cudaReduce: (op, x, out, outer, size, inner) => cpu.reduce(op, use(x), use(out), outer, size, inner),
    cudaTranspose: (x, shape, perm, out) => cpu.transpose(use(x), shape, perm, use(out)),
    cudaMatmul: (a, b, out, ...rest) => cpu.matmul(use(a), use(b), use(out), ...rest),
    cudaGather: (x, index, out, row) => cpu.gather(use(x), use(index) as Int32Array, use(out), row),
    cudaScatter: (op, src, index, out, segments, row) => cpu.scatter(op, use(src), use(index) as Int32Array, use(out), segments, row),
    cudaCopyBox: (src, ss, so, dst, ds, doff, box) => cpu.copyBox(use(src), ss, so, use(dst), ds, doff, box),
    cudaCast: (src, dst) => cpu.cast(use(src), use(dst)),
    // E(3) kernels: the CPU ones on the host arrays; packed two-part outputs as subarrays.
    cudaSphericalHarmonics: (ls, normalize, code, x, out) => cpu.sphericalHarmonics(ls, normalize, code, use(x), use(out)),
    cudaSphericalHarmonicsBackward: (ls, normalize, code, x, g, gx) => cpu.sphericalHarmonicsBackward(ls, normalize, code, use(x), use(g), use(gx)),
    cudaSphericalHarmonicsDoubleBackward(ls, normalize, code, x, g, gg, out) {
      const n = use(x).length / 3;
      const o = use(out) as Float64Array;
      cpu.sphericalHarmonicsDoubleBackward(ls, normalize, code, use(x), use(g), use(gg), o.subarray(0, 3 * n), o.subarray(3 * n));
    },
    cudaSphericalHarmonicsTripleBackward(ls, normalize, code, x, g, a, b, out) {
      const n = use(x).length / 3;
      const o = use(out) as Float64Array;
      cpu.sphericalHarmonicsTripleBackward(ls, normalize, code, use(x), use(g), use(a), use(b), o.subarray(0, 3 * n), o.subarray(3 * n));
    },
    cudaSegmentedTensorProduct: (seg, paths, ci, cv, sizes, operands, strides, batch, outSlot, out) =>
      cpu.segmentedTensorProduct(seg, paths, ci, cv, sizes, operands.map((o) => (o ? (use(o) as Float64Array) : null)), strides, batch, outSlot, use(out) as Float64Array),
    cudaTpConvolution(seg, paths, ci, cv, sizes, operands, src, dst, numNodes, outSlot, out) {
      // No edges: the CUDA binding gives zero node rows. (The CPU binding passes the empty
      // per-edge typed arrays to eg_tp_convolution as null pointers and fails, so do it here.)
      if (use(src).length === 0) return void use(out).fill(0);
      cpu.tpConvolution(seg, paths, ci, cv, sizes, operands.map((o) => (o ? (use(o) as Float64Array) : null)), use(src) as Int32Array, use(dst) as Int32Array, numNodes, outSlot, use(out) as Float64Array);
    },
  };
}

const sim = simAddon();
const backend = new CudaBackend(sim, 'cuda-sim');
registerBackend('cuda-sim', () => backend, 0);
registerCudaKernels('cuda-sim');

runKernelSuite('cuda-sim', { describe, it });

// The E(3) kernels through cuda-backend.ts: attributes read right, operands in
// the right slots, packed outputs, and no device tensor read back to the host.
runE3Comparison('cuda-sim', { describe, it }, false);

describe('cuda backend storage (simulated device)', () => {
  it('write uploads, read downloads, dispose frees', () => {
    const before = sim.live.size;
    const values = new Float64Array([1, -2, 3.5]);
    const storage = backend.write(values);
    expect(sim.live.size).toBe(before + 1);
    expect(Array.from(backend.read(storage, 'float64', 3))).toEqual([1, -2, 3.5]);
    backend.dispose(storage);
    expect(sim.live.size).toBe(before);
    expect(() => backend.read(storage, 'float64', 3)).toThrow(/disposed/);
    expect(DTYPE_CODES).toEqual({ float32: 0, float64: 1, int32: 2 });
  });

  it('frees the output again when a kernel call fails', () => {
    const t = tensor(new Float32Array([1, 2, 3]), [3], { backend: 'cuda-sim' });
    t.dispose();
    const before = sim.live.size;
    expect(() => runUnary('neg', t)).toThrow(/disposed/);
    expect(sim.live.size).toBe(before);
  });
});
