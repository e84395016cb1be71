/**
 * Backend 'cuda': tensors live in GPU memory (device buffers of the addon,
 * see native/napi/cuda.cpp); `write` uploads, `read` downloads, `dispose`
 * frees at once (otherwise the garbage collector frees a buffer eventually).
 * Every foundation kernel runs on the device with the shape logic shared
 * with the host backends (core's kernel plans). The E(3) kernels of
 * @equigraph/geometry ('SphericalHarmonics*', 'TensorProduct',
 * 'TpConvolution') are registered for 'cuda' too, so device tensors never go
 * through host copies; their attributes are read structurally (this package
 * does not import geometry), as cpu-primitives.ts does for the host kernels.
 *
 * The factory throws, so the registry skips 'cuda' with the reason, when the
 * addon has no CUDA, when there is no usable device, or when a first tiny
 * kernel does not give the expected result.
 */
import {
  BINARY_CODES,
  REDUCE_CODES,
  UNARY_CODES,
  allocArray,
  binaryPlan,
  concatPlan,
  dtypeOfArray,
  gatherPlan,
  matmulPlan,
  padPlan,
  reducePlan,
  registerBackend,
  registerKernel,
  scatterPlan,
  sizeOf,
  slicePlan,
  transposeShape,
  type Backend,
  type BinaryOp,
  type CopyPlan,
  type DType,
  type KernelAttrs,
  type ReduceOp,
  type ScatterOp,
  type TensorInfo,
  type TypedArray,
  type UnaryOp,
} from '@equigraph/core';
import { loadAddon, type NativeAddon } from './addon.js';
import { shNormalizationCode, type NativeTpDescriptor } from './cpu-primitives.js';
import { DTYPE_CODES, type CudaAddon, type CudaBuffer, type CudaProbe } from './cuda-addon.js';

/** Priority of backend 'cuda': above cpu (300), wasm (200) and reference (100). */
export const CUDA_PRIORITY = 400;

/** The reason 'cuda' is skipped when the addon has no CUDA kernels. */
export const NO_CUDA_BUILD_REASON = 'addon built without CUDA (nvcc not found at build time, or EQUIGRAPH_CUDA=OFF)';

export class CudaBackend implements Backend<CudaBuffer> {
  /** `name` differs from 'cuda' only for tests that run these kernels over a simulated addon. */
  constructor(
    readonly addon: CudaAddon,
    readonly name = 'cuda',
  ) {}

  write(values: TypedArray): CudaBuffer {
    const buffer = this.alloc(dtypeOfArray(values), values.length);
    try {
      this.addon.cudaUpload(buffer, values);
    } catch (err) {
      this.addon.cudaFree(buffer);
      throw err;
    }
    return buffer;
  }

  read(storage: CudaBuffer, dtype: DType, size: number): TypedArray {
    const out = allocArray(dtype, size);
    this.addon.cudaDownload(storage, out);
    return out;
  }

  dispose(storage: CudaBuffer): void {
    this.addon.cudaFree(storage);
  }

  /** A zero-filled device buffer. */
  alloc(dtype: DType, size: number): CudaBuffer {
    return this.addon.cudaAlloc(DTYPE_CODES[dtype], size);
  }

  /** Bytes held by live buffers and by the caching allocator. */
  memoryStats(): { inUse: number; cached: number } {
    return this.addon.cudaMemoryStats();
  }

  /** Returns cached, unused device memory to the driver. */
  emptyCache(): void {
    this.addon.cudaEmptyCache();
  }

  private readonly indexBuffers = new WeakMap<Int32Array, CudaBuffer>();

  /**
   * A device copy of a host int32 array that is used again and again (the edge lists of
   * 'TpConvolution', which travel as kernel attributes, not tensors): uploaded on first use and
   * kept while the array lives (the garbage collector then frees the device copy). The array must
   * not be modified afterwards; @equigraph/geometry's convolutionEdges makes private copies.
   */
  indexBuffer(values: Int32Array): CudaBuffer {
    let buffer = this.indexBuffers.get(values);
    if (!buffer) {
      buffer = this.write(values);
      this.indexBuffers.set(values, buffer);
    }
    return buffer;
  }
}

/** Loads the addon and checks it can run kernels on a device; throws the reason otherwise. */
export function createCudaBackend(): CudaBackend {
  const addon = loadAddon() as NativeAddon & CudaProbe & Partial<CudaAddon>;
  if (!addon.cuda || typeof addon.cudaAlloc !== 'function') throw new Error(NO_CUDA_BUILD_REASON);
  if (addon.cudaDeviceCount() === 0) throw new Error(`no CUDA device: ${addon.cudaLastError()}`);
  const backend = new CudaBackend(addon as CudaAddon);
  smokeTest(backend);
  return backend;
}

// One upload, kernel and download: catches a device this build has no code
// for (older than sm_80) or a broken driver before any real work.
function smokeTest(backend: CudaBackend): void {
  const a = backend.addon;
  let x: CudaBuffer | undefined;
  let y: CudaBuffer | undefined;
  try {
    x = backend.write(new Float32Array([1, -2, 3]));
    y = backend.alloc('float32', 3);
    a.cudaUnary(UNARY_CODES.neg, x, y);
    const got = backend.read(y, 'float32', 3);
    if (got[0] !== -1 || got[1] !== 2 || got[2] !== -3) throw new Error(`neg([1, -2, 3]) gave [${Array.from(got).join(', ')}]`);
  } catch (err) {
    throw new Error(`CUDA device unusable: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (x) a.cudaFree(x);
    if (y) a.cudaFree(y);
  }
}

type CudaKernel = (backend: CudaBackend, inputs: readonly TensorInfo[], attrs: KernelAttrs) => TensorInfo;

const buf = (t: TensorInfo) => t.storage as CudaBuffer;

/** Allocates the (zero-filled) output and runs `fill` on it; frees it again if `fill` throws. */
function produce(backend: CudaBackend, shape: readonly number[], dtype: DType, fill: (out: CudaBuffer) => void): TensorInfo {
  const storage = backend.alloc(dtype, sizeOf(shape));
  try {
    fill(storage);
  } catch (err) {
    backend.addon.cudaFree(storage);
    throw err;
  }
  return { storage, shape, dtype };
}

function copyBoxes(backend: CudaBackend, inputs: readonly TensorInfo[], plan: CopyPlan): TensorInfo {
  return produce(backend, plan.outShape, inputs[0].dtype, (out) => {
    plan.copies.forEach((c, i) => backend.addon.cudaCopyBox(buf(inputs[i]), c.srcShape, c.srcOffset, out, c.dstShape, c.dstOffset, c.boxShape));
  });
}

/** The kernels of host-backend.ts, on device buffers. */
const CUDA_KERNELS: Record<string, CudaKernel> = {
  Unary(b, [x], attrs) {
    return produce(b, x.shape, x.dtype, (out) => b.addon.cudaUnary(UNARY_CODES[attrs.op as UnaryOp], buf(x), out));
  },

  Binary(b, [x, y], attrs) {
    const p = binaryPlan(x.shape, y.shape);
    return produce(b, p.outShape, x.dtype, (out) => b.addon.cudaBinary(BINARY_CODES[attrs.op as BinaryOp], buf(x), p.aStrides, buf(y), p.bStrides, out, p.outShape));
  },

  Reduce(b, [x], attrs) {
    const p = reducePlan(x.shape, attrs.start as number, attrs.end as number);
    return produce(b, p.outShape, x.dtype, (out) => b.addon.cudaReduce(REDUCE_CODES[attrs.op as ReduceOp], buf(x), out, p.outer, p.size, p.inner));
  },

  Transpose(b, [x], attrs) {
    const perm = attrs.perm as number[];
    return produce(b, transposeShape(x.shape, perm), x.dtype, (out) => b.addon.cudaTranspose(buf(x), x.shape, perm, out));
  },

  MatMul(b, [x, y], attrs) {
    const transA = attrs.transposeA as boolean;
    const transB = attrs.transposeB as boolean;
    const p = matmulPlan(x.shape, y.shape, transA, transB);
    return produce(b, p.outShape, x.dtype, (out) => b.addon.cudaMatmul(buf(x), buf(y), out, p.batch, p.m, p.k, p.n, transA, transB, p.batchStrideA, p.batchStrideB));
  },

  Gather(b, [x, index]) {
    const p = gatherPlan(x.shape, index.shape[0]);
    return produce(b, p.outShape, x.dtype, (out) => b.addon.cudaGather(buf(x), buf(index), out, p.rowSize));
  },

  Scatter(b, [src, index], attrs) {
    const numSegments = attrs.numSegments as number;
    const p = scatterPlan(src.shape, numSegments);
    return produce(b, p.outShape, src.dtype, (out) => b.addon.cudaScatter(REDUCE_CODES[attrs.op as ScatterOp], buf(src), buf(index), out, numSegments, p.rowSize));
  },

  Slice(b, [x], attrs) {
    return copyBoxes(b, [x], slicePlan(x.shape, attrs.begin as number[], attrs.size as number[]));
  },

  Pad(b, [x], attrs) {
    return copyBoxes(b, [x], padPlan(x.shape, attrs.before as number[], attrs.after as number[]));
  },

  Concat(b, inputs, attrs) {
    return copyBoxes(b, inputs, concatPlan(inputs.map((t) => t.shape), attrs.axis as number));
  },

  Cast(b, [x], attrs) {
    return produce(b, x.shape, attrs.dtype as DType, (out) => b.addon.cudaCast(buf(x), out));
  },
};

// ------------------------------------------------------------ E(3) kernels
// The kernels of @equigraph/geometry, read structurally: the attributes below
// are those geometry's spherical-harmonics-op.ts, tensor-product-op.ts and
// tp-convolution.ts put on their kernels (cuda-sim.test.ts checks the two
// stay in step on every machine).

/** What geometry's TensorProductDescriptor carries beyond the flat arrays. */
interface SlotDescriptor extends NativeTpDescriptor {
  readonly numWeights: number;
  /** Null when the product has no second input. */
  readonly irreps2: unknown;
  /** The same descriptor restricted to its weighted paths. */
  readonly weightedPaths: NativeTpDescriptor;
}

interface SlotAttrs {
  readonly descriptor: SlotDescriptor;
  readonly outSlot: number;
  readonly weightedOnly: boolean;
}

interface TpAttrs extends SlotAttrs {
  readonly batchShape: readonly number[];
  readonly sharedWeights: boolean;
}

interface ConvAttrs extends SlotAttrs {
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly numNodes: number;
}

interface ShAttrs {
  readonly ls: readonly number[];
  readonly normalize: boolean;
  readonly normalization: string;
}

/** Slots present in the descriptor, in order: weights (if any), x1, x2 (if any), out (geometry's presentSlots). */
function presentSlots(d: SlotDescriptor): number[] {
  const slots: number[] = [];
  if (d.numWeights > 0) slots.push(0);
  slots.push(1);
  if (d.irreps2) slots.push(2);
  slots.push(3);
  return slots;
}

/** The kernel inputs as device buffers by slot, null for the output slot and absent slots. */
function slotBuffers(inputs: readonly TensorInfo[], a: SlotAttrs): (CudaBuffer | null)[] {
  const operands: (CudaBuffer | null)[] = [null, null, null, null];
  presentSlots(a.descriptor)
    .filter((s) => s !== a.outSlot)
    .forEach((s, i) => {
      operands[s] = buf(inputs[i]!);
    });
  return operands;
}

const shWidth = (ls: readonly number[]) => ls.reduce((w, l) => w + 2 * l + 1, 0);

const E3_KERNELS: Record<string, CudaKernel> = {
  SphericalHarmonics(b, [x], attrs) {
    const { ls, normalize, normalization } = attrs as unknown as ShAttrs;
    const n = x.shape[0]!;
    return produce(b, [n, shWidth(ls)], x.dtype, (out) => b.addon.cudaSphericalHarmonics(ls, normalize, shNormalizationCode(normalization), buf(x), out));
  },

  SphericalHarmonicsBackward(b, [x, g], attrs) {
    const { ls, normalize, normalization } = attrs as unknown as ShAttrs;
    const n = x.shape[0]!;
    return produce(b, [n, 3], x.dtype, (out) => b.addon.cudaSphericalHarmonicsBackward(ls, normalize, shNormalizationCode(normalization), buf(x), buf(g!), out));
  },

  // Packed [3n + nD] outputs, the layout geometry's gradients split.
  SphericalHarmonicsDoubleBackward(b, [x, g, gg], attrs) {
    const { ls, normalize, normalization } = attrs as unknown as ShAttrs;
    const n = x.shape[0]!;
    return produce(b, [3 * n + n * shWidth(ls)], x.dtype, (out) =>
      b.addon.cudaSphericalHarmonicsDoubleBackward(ls, normalize, shNormalizationCode(normalization), buf(x), buf(g!), buf(gg!), out),
    );
  },

  SphericalHarmonicsTripleBackward(b, [x, g, u, v], attrs) {
    const { ls, normalize, normalization } = attrs as unknown as ShAttrs;
    const n = x.shape[0]!;
    return produce(b, [3 * n + n * shWidth(ls)], x.dtype, (out) =>
      b.addon.cudaSphericalHarmonicsTripleBackward(ls, normalize, shNormalizationCode(normalization), buf(x), buf(g!), buf(u!), buf(v!), out),
    );
  },

  TensorProduct(b, inputs, attrs) {
    const a = attrs as unknown as TpAttrs;
    const d = a.descriptor;
    const size = d.operandSizes[a.outSlot]!;
    const shape = a.outSlot === 0 && a.sharedWeights ? [size] : [...a.batchShape, size];
    const strides = [0, 1, 2, 3].map((s) => (s === 0 && a.sharedWeights ? 0 : d.operandSizes[s]!));
    const batch = a.batchShape.reduce((p, q) => p * q, 1);
    const flat = a.weightedOnly ? d.weightedPaths : d;
    const operands = slotBuffers(inputs, a);
    return produce(b, shape, inputs[0]!.dtype, (out) =>
      b.addon.cudaSegmentedTensorProduct(flat.segments, flat.paths, flat.coeffIndex, flat.coeffValue, flat.operandSizes, operands, strides, batch, a.outSlot, out),
    );
  },

  TpConvolution(b, inputs, attrs) {
    const a = attrs as unknown as ConvAttrs;
    const d = a.descriptor;
    const nodeSlot = a.outSlot === 1 || a.outSlot === 3;
    const rows = nodeSlot ? a.numNodes : a.src.length;
    const flat = a.weightedOnly ? d.weightedPaths : d;
    const operands = slotBuffers(inputs, a);
    const src = b.indexBuffer(a.src);
    const dst = b.indexBuffer(a.dst);
    return produce(b, [rows, d.operandSizes[a.outSlot]!], inputs[0]!.dtype, (out) =>
      b.addon.cudaTpConvolution(flat.segments, flat.paths, flat.coeffIndex, flat.coeffValue, flat.operandSizes, operands, src, dst, a.numNodes, a.outSlot, out),
    );
  },
};

Object.assign(CUDA_KERNELS, E3_KERNELS);

export const CUDA_KERNEL_NAMES = Object.keys(CUDA_KERNELS);

/** Registers the device kernels for a backend whose instances are CudaBackends named `backendName`. */
export function registerCudaKernels(backendName = 'cuda'): void {
  for (const [kernel, impl] of Object.entries(CUDA_KERNELS)) {
    registerKernel(kernel, backendName, (inputs, attrs, backend) => impl(backend as CudaBackend, inputs, attrs));
  }
}

/** Registers backend 'cuda' and its kernels (done by importing @equigraph/native). */
export function registerCudaBackend(priority = CUDA_PRIORITY): void {
  registerBackend('cuda', createCudaBackend, priority);
  registerCudaKernels('cuda');
}
