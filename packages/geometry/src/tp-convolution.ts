/**
 * The fused tensor-product graph convolution of NequIP / MACE interaction blocks:
 *
 * ```
 * out[i] = Σ_{e = (j → i)} TP_uvu(x[j], sh_e; w_e)
 * ```
 *
 * the gather → channelwise tensor product with per-edge weights → scatterSum composition, as one
 * kernel ('TpConvolution') that never materialises the per-edge outputs ([E, irrepsOut.dim], the
 * largest tensor of the unfused composition). The sum over edges is a multilinear form in four
 * slots — 0 per-edge weights, 1 node features at the edge's source, 2 per-edge attributes (the
 * spherical harmonics), 3 the output at the edge's target — so, as for 'TensorProduct', the
 * gradient with respect to any slot is the same kernel with that slot as output and the upstream
 * gradient in slot 3 (node rows are scattered to sources or targets, per-edge rows are one row per
 * edge), and derivatives of every order need nothing more.
 *
 * Host backends run it through an optional structural primitive
 * (`TpConvolutionHostPrimitives.tpConvolution`: `eg_tp_convolution` in C++ on 'cpu' and 'wasm'),
 * deterministic (node rows are summed in edge order per node) and parallel over nodes; any other
 * backend runs the TypeScript reference below, which is the unfused composition on host arrays.
 */
import {
  Tensor,
  allocArray,
  assertFloat,
  assertSameDtype,
  formatShape,
  registerKernel,
  runKernel,
  type Backend,
  type FloatArray,
  type KernelAttrs,
  type TensorInfo,
} from '@equigraph/core';
import { hostPrimitives, registerSlotGradient, slotOperands, toStorage, type SlotKernelAttrs } from './slot-kernel.js';
import { TP_MODE_CODES, type FlatTpDescriptor, type TensorProductDescriptor } from './tensor-product.js';
import { segmentedTensorProductReference } from './tensor-product-op.js';

/**
 * The extra primitive a host backend may expose (matched structurally, as
 * `TensorProductHostPrimitives`). `operands[s]` is slot s (null for the output and absent slots):
 * slots 0 and 2 hold `src.length` rows, slots 1 and 3 `numNodes` rows, each of
 * `descriptor.operandSizes[s]` elements. `out` (the rows of `outSlot`) is overwritten.
 */
export interface TpConvolutionHostPrimitives {
  tpConvolution?(descriptor: FlatTpDescriptor, operands: readonly (FloatArray | null)[], src: Int32Array, dst: Int32Array, numNodes: number, outSlot: number, out: FloatArray): void;
}

/** Whether a slot holds one row per node (x1 at sources, out at targets) rather than one per edge. */
export const isNodeSlot = (slot: number) => slot === 1 || slot === 3;

// ---------------------------------------------------------------- reference

/**
 * Plain-TypeScript convolution: the node slots are gathered to per-edge rows, the segmented tensor
 * product reference computes the output slot per edge, and node outputs are summed into their
 * nodes in edge order. The oracle of the C++ kernel (it materialises per-edge rows).
 */
export function tpConvolutionReference(d: FlatTpDescriptor, operands: readonly (FloatArray | null)[], src: Int32Array, dst: Int32Array, numNodes: number, outSlot: number, out: FloatArray): void {
  const E = src.length;
  const sizes = d.operandSizes;
  const make = (n: number) => (out instanceof Float32Array ? new Float32Array(n) : new Float64Array(n));
  const nodeOf = (slot: number) => (slot === 1 ? src : dst);
  const perEdge: (FloatArray | null)[] = [null, null, null, null];
  for (let s = 0; s < 4; s++) {
    const a = operands[s];
    if (s === outSlot || sizes[s] === 0 || !a) continue;
    if (!isNodeSlot(s)) {
      perEdge[s] = a;
      continue;
    }
    const size = sizes[s]!;
    const rows = make(E * size);
    const idx = nodeOf(s);
    for (let e = 0; e < E; e++) rows.set(a.subarray(idx[e]! * size, idx[e]! * size + size), e * size);
    perEdge[s] = rows;
  }
  const size = sizes[outSlot]!;
  const strides = sizes.map((n) => n);
  if (!isNodeSlot(outSlot)) {
    segmentedTensorProductReference(d, perEdge, strides, E, outSlot, out);
    return;
  }
  const rows = make(E * size);
  segmentedTensorProductReference(d, perEdge, strides, E, outSlot, rows);
  out.fill(0);
  const idx = nodeOf(outSlot);
  for (let e = 0; e < E; e++) {
    const o = idx[e]! * size;
    for (let c = 0; c < size; c++) out[o + c] += rows[e * size + c]!;
  }
}

// ---------------------------------------------------------------- kernel

interface ConvAttrs extends SlotKernelAttrs {
  src: Int32Array;
  dst: Int32Array;
  numNodes: number;
}

const tpConvolutionKernel = (inputs: readonly TensorInfo[], attrs: KernelAttrs, backend: Backend): TensorInfo => {
  const a = attrs as ConvAttrs;
  const d = a.descriptor;
  const dtype = inputs[0]!.dtype;
  const operands = slotOperands(inputs, a, backend);
  const rows = isNodeSlot(a.outSlot) ? a.numNodes : a.src.length;
  const size = d.operandSizes[a.outSlot]!;
  const out = allocArray(dtype, rows * size) as FloatArray;
  const flat = a.weightedOnly ? d.weightedPaths : d;
  const prims = hostPrimitives<TpConvolutionHostPrimitives>(backend);
  if (prims?.tpConvolution) prims.tpConvolution(flat, operands, a.src, a.dst, a.numNodes, a.outSlot, out);
  else tpConvolutionReference(flat, operands, a.src, a.dst, a.numNodes, a.outSlot, out);
  return { storage: toStorage(backend, out), shape: [rows, size], dtype };
};

registerKernel('TpConvolution', '*', tpConvolutionKernel);

// d/d(slot s) ⟨dy, F(…)⟩ = F with slot s as output and dy in the output slot: the same kernel.
registerSlotGradient('TpConvolution');

// ---------------------------------------------------------------- op

/** Edges as a PyG-style `[2, E]` index: row 0 the sources j, row 1 the targets i (flat Int32Array or int32 tensor). */
export type EdgeIndexLike = Int32Array | Tensor;

const OP = 'tpConvolution';

/** Splits and checks an edge index once; keep the result to skip the check on later calls. */
export interface ConvolutionEdges {
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly numNodes: number;
}

const checked = new WeakMap<object, ConvolutionEdges>();

/** Validates `edgeIndex` against `numNodes` (cached per Int32Array / tensor) and splits it into sources and targets. */
export function convolutionEdges(edgeIndex: EdgeIndexLike, numNodes: number): ConvolutionEdges {
  if (!Number.isInteger(numNodes) || numNodes < 0) throw new RangeError(`${OP}: 'numNodes' must be a non-negative integer, got ${numNodes}`);
  const cached = checked.get(edgeIndex);
  if (cached && cached.numNodes === numNodes) return cached;
  let flat: Int32Array;
  if (edgeIndex instanceof Int32Array) flat = edgeIndex;
  else {
    if (edgeIndex.dtype !== 'int32' || edgeIndex.rank !== 2 || edgeIndex.shape[0] !== 2) {
      throw new TypeError(`${OP}: 'edgeIndex' must be an int32 tensor of shape [2, E] or a flat Int32Array, got ${edgeIndex.dtype} ${formatShape(edgeIndex.shape)}`);
    }
    flat = edgeIndex.toArray() as Int32Array;
  }
  if (flat.length % 2 !== 0) throw new RangeError(`${OP}: 'edgeIndex' has odd length ${flat.length}; expected [2, E] flat`);
  const E = flat.length / 2;
  const src = flat.slice(0, E);
  const dst = flat.slice(E);
  for (let e = 0; e < E; e++) {
    const j = src[e]!;
    const i = dst[e]!;
    if (j < 0 || j >= numNodes || i < 0 || i >= numNodes) throw new RangeError(`${OP}: edge ${e} (${j} → ${i}) has a node outside [0, ${numNodes})`);
  }
  const edges = Object.freeze({ src, dst, numNodes });
  checked.set(edgeIndex, edges);
  return edges;
}

/**
 * `out[i] = Σ_{e=(j→i)} TP(x[j], edgeSH[e]; edgeWeights[e])` — e3nn's / NequIP's
 * `scatter(tp(x[edge_src], edge_sh, weight), edge_dst, dim_size=N)` fused: `nodeFeatures`
 * [N, irreps1.dim], `edgeSH` [E, irreps2.dim], `edgeWeights` [E, numWeights] (one set per edge, e.g.
 * from a radial MLP; omit for an unweighted descriptor), `edgeIndex` [2, E] (sources, targets).
 * The descriptor must be channelwise (every path mode 'uvu', e.g. `channelwiseTensorProduct`).
 * Returns [numNodes, irrepsOut.dim]; differentiable to any order in all three float inputs.
 */
export function tpConvolution(descriptor: TensorProductDescriptor, nodeFeatures: Tensor, edgeSH: Tensor, edgeWeights: Tensor | null | undefined, edgeIndex: EdgeIndexLike | ConvolutionEdges, numNodes: number): Tensor {
  const d = descriptor;
  if (!d.irreps2) throw new TypeError(`${OP}: the descriptor ${d.name} has no second input; the convolution needs per-edge attributes`);
  for (let p = 0; p < d.paths.length / 8; p++) {
    if (d.paths[8 * p] !== TP_MODE_CODES.uvu) throw new RangeError(`${OP}: path ${p} of ${d.name} is not mode 'uvu'; the fused convolution takes channelwise descriptors (channelwiseTensorProduct)`);
  }
  const edges = 'src' in edgeIndex && 'dst' in edgeIndex ? edgeIndex : convolutionEdges(edgeIndex, numNodes);
  if (edges.numNodes !== numNodes) throw new RangeError(`${OP}: the edges were checked for ${edges.numNodes} nodes, not ${numNodes}`);
  const E = edges.src.length;
  assertFloat(OP, 'nodeFeatures', nodeFeatures);
  assertFloat(OP, 'edgeSH', edgeSH);
  assertSameDtype(OP, nodeFeatures, edgeSH, ['nodeFeatures', 'edgeSH']);
  if (nodeFeatures.rank !== 2 || nodeFeatures.shape[0] !== numNodes || nodeFeatures.shape[1] !== d.irreps1.dim) {
    throw new RangeError(`${OP}: 'nodeFeatures' has shape ${formatShape(nodeFeatures.shape)}, expected [${numNodes}, ${d.irreps1.dim}] (irreps "${d.irreps1}")`);
  }
  if (edgeSH.rank !== 2 || edgeSH.shape[0] !== E || edgeSH.shape[1] !== d.irreps2.dim) {
    throw new RangeError(`${OP}: 'edgeSH' has shape ${formatShape(edgeSH.shape)}, expected [${E}, ${d.irreps2.dim}] (irreps "${d.irreps2}")`);
  }
  const inputs: Tensor[] = [];
  if (d.numWeights > 0) {
    if (!edgeWeights) throw new TypeError(`${OP}: 'edgeWeights' [${E}, ${d.numWeights}] is required: the descriptor has ${d.numWeights} weights (${d.name})`);
    assertFloat(OP, 'edgeWeights', edgeWeights);
    assertSameDtype(OP, nodeFeatures, edgeWeights, ['nodeFeatures', 'edgeWeights']);
    if (edgeWeights.rank !== 2 || edgeWeights.shape[0] !== E || edgeWeights.shape[1] !== d.numWeights) {
      throw new RangeError(`${OP}: 'edgeWeights' has shape ${formatShape(edgeWeights.shape)}, expected [${E}, ${d.numWeights}] (one set of weights per edge)`);
    }
    inputs.push(edgeWeights);
  } else if (edgeWeights) {
    throw new TypeError(`${OP}: 'edgeWeights' must be omitted: the descriptor ${d.name} has no weights`);
  }
  inputs.push(nodeFeatures, edgeSH);
  const attrs: ConvAttrs = { descriptor: d, outSlot: 3, src: edges.src, dst: edges.dst, numNodes, weightedOnly: false };
  return runKernel('TpConvolution', inputs, attrs);
}
