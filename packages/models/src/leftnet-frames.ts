/**
 * Vector helpers and the equivariant local frames of LEFTNet
 * (Du et al., "A new perspective on building efficient and expressive 3D
 * equivariant graph neural networks", NeurIPS 2023, §4.1 / eq. 3; authors'
 * code github.com/yuanqidu/LeftNet `model.py`, `LEFTNet.forward`).
 *
 * Row vectors `[M, 3]` throughout. The cross product is built from column
 * slices, products and differences (core has no cross kernel), so it is
 * differentiable to any order.
 */
import { add, concat, indexSelect, mul, scatterSum, sliceAxis, sqrt, stack, sub, sum, square, type FloatDType, type Tensor } from '@equigraph/core';
import type { GraphIndex } from './graph.js';

/** a × b for rows of `[M, 3]`. */
export function cross(a: Tensor, b: Tensor): Tensor {
  const c = (t: Tensor, k: number) => sliceAxis(t, 1, k, k + 1);
  const [a0, a1, a2] = [c(a, 0), c(a, 1), c(a, 2)];
  const [b0, b1, b2] = [c(b, 0), c(b, 1), c(b, 2)];
  return concat([sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2)), sub(mul(a0, b1), mul(a1, b0))], 1);
}

/**
 * ‖v‖ over `axis` computed as √(Σ v² + ε²): equal to the norm up to a relative
 * ε²/(2‖v‖²), and smooth at v = 0 (the plain norm's gradient is 0/0 there).
 */
export function safeNorm(v: Tensor, axis: number, epsilon: number, keepDims = false): Tensor {
  return sqrt(add(sum(square(v), axis, keepDims), epsilon * epsilon));
}

/**
 * v / √(‖v‖² + ε²) row-wise. The authors' `_normalize` is v / ‖v‖ with NaN
 * replaced by 0, i.e. the zero vector maps to 0; this agrees with it at v = 0
 * and to relative ε²/(2‖v‖²) elsewhere, and is smooth in between (a near-zero
 * v gives a short vector instead of an arbitrary unit vector).
 */
export function safeNormalize(v: Tensor, epsilon: number): Tensor {
  return v.div(safeNorm(v, 1, epsilon, true));
}

/**
 * The three frame vectors as rows of `[M, 3, 3]` (row k = e_{k+1}):
 *   e1 = a / ‖a‖,  e2 = (p × q) / ‖p × q‖,  e3 = e1 × e2.
 * Under a rotation R all three rotate; under a reflection (det R = −1) e1 and
 * e3 transform as vectors and e2 = p × q as a pseudo-vector (e2 → −R e2).
 */
export function frameFrom(a: Tensor, p: Tensor, q: Tensor, epsilon: number): { e1: Tensor; frame: Tensor } {
  const e1 = safeNormalize(a, epsilon);
  const e2 = safeNormalize(cross(p, q), epsilon);
  const e3 = cross(e1, e2);
  return { e1, frame: stack([e1, e2, e3], 1) };
}

/**
 * Edge frames of LEFTNet (`edge_frame` in the code) for every edge j → i
 * (target i, source j; the authors' PyG `edge_index` = (j, i), so their
 * `pos[i] - pos[j]` is x_j − x_i here):
 *   e1 = (x_j − x_i)/‖x_j − x_i‖,  e2 = x_j × x_i / ‖x_j × x_i‖,  e3 = e1 × e2,
 * with positions relative to the molecule's centroid (`posc`).
 */
export function edgeFrames(centred: Tensor, graph: GraphIndex, epsilon: number): { e1: Tensor; frame: Tensor } {
  const xi = indexSelect(centred, graph.target);
  const xj = indexSelect(centred, graph.source);
  return frameFrom(sub(xj, xi), xj, xi, epsilon);
}

/**
 * Node frames (`node_frame` in the code): with m_i the mean position of i's
 * neighbours (0 for an isolated node, as PyG's mean aggregation),
 *   e1 = (x_i − m_i)/‖·‖,  e2 = x_i × m_i / ‖·‖,  e3 = e1 × e2.
 */
export function nodeFrames(centred: Tensor, graph: GraphIndex, epsilon: number): Tensor {
  const mean = mul(scatterSum(indexSelect(centred, graph.source), graph.target, graph.numNodes), graph.inverseDegree(centred.dtype as FloatDType));
  return frameFrom(sub(centred, mean), centred, mean, epsilon).frame;
}
