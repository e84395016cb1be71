import { add, formatShape, indexSelect, matmul, reshape, sub, tensor, type Tensor } from '@equigraph/core';

export interface EdgeVectorOptions {
  /** `[E, 3]` integer cell shifts of each edge (from radiusGraph). */
  shifts?: Int32Array;
  /** Lattice vectors as rows: `[3, 3]`, or `[B, 3, 3]` with `edgeGraph` giving each edge's graph. */
  cell?: Tensor;
  /** `[E]` graph id of each edge, when `cell` holds one cell per graph. */
  edgeGraph?: Int32Array;
}

/**
 * Differentiable edge vectors r_e = x[dst] − x[src] + shift_e·cell (the
 * convention of radiusGraph: edgeIndex[0] = source, edgeIndex[1] = target).
 * Gradients flow to the positions (forces) and to the cell (stress).
 */
export function edgeVectors(positions: Tensor, edgeIndex: Int32Array, options: EdgeVectorOptions = {}): Tensor {
  if (positions.rank !== 2 || positions.shape[1] !== 3) {
    throw new RangeError(`edgeVectors: 'positions' has shape ${formatShape(positions.shape)}, expected [N, 3]`);
  }
  if (edgeIndex.length % 2 !== 0) throw new RangeError(`edgeVectors: 'edgeIndex' must hold [2, E] entries, got ${edgeIndex.length}`);
  const numEdges = edgeIndex.length / 2;
  const src = edgeIndex.subarray(0, numEdges);
  const dst = edgeIndex.subarray(numEdges);
  const vectors = sub(indexSelect(positions, dst), indexSelect(positions, src));
  const { shifts, cell } = options;
  if (!shifts || !cell) {
    if (shifts || cell) throw new Error("edgeVectors: 'shifts' and 'cell' go together (periodic edges need both)");
    return vectors;
  }
  if (shifts.length !== numEdges * 3) throw new RangeError(`edgeVectors: 'shifts' has ${shifts.length} entries, expected ${numEdges} × 3`);
  const shiftRows = tensor(shifts, [numEdges, 3], { dtype: positions.dtype, backend: positions.backend });
  if (cell.rank === 2) return add(vectors, matmul(shiftRows, cell));
  if (cell.rank !== 3 || !options.edgeGraph) {
    throw new RangeError(`edgeVectors: 'cell' of shape ${formatShape(cell.shape)} needs [3, 3], or [B, 3, 3] together with 'edgeGraph'`);
  }
  // One cell per graph: gather each edge's cell and apply it as a batched [1,3]·[3,3] product.
  const edgeCells = indexSelect(cell, options.edgeGraph);
  const offsets = matmul(reshape(shiftRows, [numEdges, 1, 3]), edgeCells);
  return add(vectors, reshape(offsets, [numEdges, 3]));
}
