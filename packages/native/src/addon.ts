import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The functions exported by native/napi/addon.cpp (codes as in backend.ts). */
export interface NativeAddon {
  setNumThreads(n: number): void;
  getNumThreads(): number;
  lastError(): string;
  unary(op: number, x: Float32Array | Float64Array, out: Float32Array | Float64Array): void;
  unaryGrad(op: number, x: Float32Array | Float64Array, y: Float32Array | Float64Array, dy: Float32Array | Float64Array, out: Float32Array | Float64Array): void;
  binary(op: number, a: ArrayLike<number>, aStrides: readonly number[], b: ArrayLike<number>, bStrides: readonly number[], out: ArrayLike<number>, outShape: readonly number[]): void;
  reduce(op: number, x: ArrayLike<number>, out: ArrayLike<number>, outer: number, size: number, inner: number): void;
  transpose(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[], out: ArrayLike<number>): void;
  matmul(a: ArrayLike<number>, b: ArrayLike<number>, out: ArrayLike<number>, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, batchStrideA: number, batchStrideB: number): void;
  gather(x: ArrayLike<number>, index: Int32Array, out: ArrayLike<number>, rowSize: number): void;
  scatter(op: number, src: ArrayLike<number>, index: Int32Array, out: ArrayLike<number>, numSegments: number, rowSize: number): void;
  copyBox(src: ArrayLike<number>, srcShape: readonly number[], srcOffset: readonly number[], dst: ArrayLike<number>, dstShape: readonly number[], dstOffset: readonly number[], boxShape: readonly number[]): void;
  cast(src: ArrayLike<number>, dst: ArrayLike<number>): void;
  /** Spherical harmonics (native/napi/spherical_harmonics.cpp); normalization: 0 integral, 1 component, 2 norm. */
  sphericalHarmonics(ls: readonly number[], normalize: boolean, normalization: number, x: ArrayLike<number>, out: ArrayLike<number>): void;
  sphericalHarmonicsBackward(ls: readonly number[], normalize: boolean, normalization: number, x: ArrayLike<number>, gradOut: ArrayLike<number>, gradX: ArrayLike<number>): void;
  sphericalHarmonicsDoubleBackward(ls: readonly number[], normalize: boolean, normalization: number, x: ArrayLike<number>, gradOut: ArrayLike<number>, ggX: ArrayLike<number>, outGradX: ArrayLike<number>, outGradGradOut: ArrayLike<number>): void;
  sphericalHarmonicsTripleBackward(ls: readonly number[], normalize: boolean, normalization: number, x: ArrayLike<number>, gradOut: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, outGradX: ArrayLike<number>, outHess: ArrayLike<number>): void;
  /** Segmented tensor product (native/napi/tensor_product.cpp); see eg_segmented_tensor_product. */
  segmentedTensorProduct(segments: Int32Array, paths: Int32Array, coeffIndex: Int32Array, coeffValue: Float64Array, operandSizes: readonly number[], operands: readonly (Float32Array | Float64Array | null)[], batchStrides: readonly number[], batch: number, outSlot: number, out: Float32Array | Float64Array): void;
  /** Radius graph (native/napi/neighbors.cpp): both passes of eg_radius_graph_count / _fill, fresh output arrays. */
  radiusGraph(positions: Float64Array, cutoff: number, cells: Float64Array | null, pbcMask: number, batch: Int32Array | null, maxNeighbors: number, flags: number): NativeRadiusGraphResult;
  /** Fused tensor-product graph convolution (native/napi/tp_convolution.cpp); see eg_tp_convolution. */
  tpConvolution(segments: Int32Array, paths: Int32Array, coeffIndex: Int32Array, coeffValue: Float64Array, operandSizes: readonly number[], operands: readonly (Float32Array | Float64Array | null)[], edgeSrc: Int32Array, edgeDst: Int32Array, numNodes: number, outSlot: number, out: Float32Array | Float64Array): void;
  /** Whether the addon was built with CUDA kernels. */
  readonly cuda: boolean;
}

/** What addon.radiusGraph returns (RadiusGraphHostPrimitives of @equigraph/data matches it structurally). */
export interface NativeRadiusGraphResult {
  numEdges: number;
  /** Absent when an atom exceeded maxNeighbors without truncation (overflowAtom >= 0). */
  edgeIndex?: Int32Array;
  shifts?: Int32Array;
  edgeVectors?: Float64Array;
  distances?: Float64Array;
  droppedTotal?: number;
  droppedAtoms?: Int32Array;
  droppedFound?: Int32Array;
  overflowAtom: number;
  overflowFound: number;
}

/** The radius graph primitive of backend 'cpu' (RadiusGraphHostPrimitives of @equigraph/data, structurally). */
export interface NativeRadiusGraphPrimitives {
  radiusGraph(positions: Float64Array, cutoff: number, cells: Float64Array | null, pbcMask: number, batch: Int32Array | null, maxNeighbors: number, flags: number): NativeRadiusGraphResult;
}

/** Overrides where the .node file is looked for. */
export const ADDON_ENV = 'EQUIGRAPH_NATIVE_ADDON';

/** Candidate paths, best first: $EQUIGRAPH_NATIVE_ADDON, then native/build (src/ and dist/ sit at the same depth). */
export function addonCandidates(): string[] {
  const override = process.env[ADDON_ENV];
  if (override) return [override];
  return ['Release', 'Debug'].map((config) =>
    fileURLToPath(new URL(`../../../native/build/${config}/equigraph.node`, import.meta.url)),
  );
}

let cached: NativeAddon | undefined;
let failure: string | undefined;

/** Loads the addon once; throws with the reason (and the fix) when it is missing or broken. */
export function loadAddon(): NativeAddon {
  if (cached) return cached;
  if (failure) throw new Error(failure);
  const candidates = addonCandidates();
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    failure =
      `native addon not found (looked in ${candidates.join(', ')}); ` +
      `build it with 'npm run build -w @equigraph/native' or set ${ADDON_ENV}`;
    throw new Error(failure);
  }
  try {
    cached = createRequire(import.meta.url)(path) as NativeAddon;
    return cached;
  } catch (err) {
    failure = `native addon at ${path} failed to load: ${err instanceof Error ? err.message : String(err)}`;
    throw new Error(failure);
  }
}
