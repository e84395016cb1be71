import { STATUS_NAMES, TWO_32, align8 } from './heap.js';
import type { EquigraphWasmModule } from './module.js';

/**
 * What the radius graph primitive returns (matched structurally by
 * RadiusGraphHostPrimitives of @equigraph/data; see eg_radius_graph_count in
 * native/include/equigraph.h).
 */
export interface WasmRadiusGraphResult {
  numEdges: number;
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


function status(mod: EquigraphWasmModule, name: string, run: () => number): void {
  let st: number;
  try {
    st = run();
  } catch (err) {
    throw new Error(`wasm backend: ${name} trapped: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (st !== 0) {
    const reason = mod.UTF8ToString(mod._eg_last_error());
    // The kernel's reason as is (it names the atom/graph like the TypeScript path does).
    throw new Error(reason || `wasm backend: ${name} failed (${STATUS_NAMES[st] ?? `status ${st}`})`);
  }
}

function malloc(mod: EquigraphWasmModule, bytes: number): number {
  const ptr = mod._malloc(Math.max(bytes, 8)) >>> 0;
  if (!ptr) throw new RangeError(`wasm backend: out of memory: radiusGraph needs ${bytes} bytes of wasm heap (the limit is 4 GiB)`);
  return ptr;
}

/**
 * The radius graph on the wasm build: inputs go into one heap block,
 * eg_radius_graph_count sizes the outputs, eg_radius_graph_fill writes them
 * into a second block, and they are copied out into fresh typed arrays.
 * Sizes are checked here, so the kernel never reads past an array.
 */
export function wasmRadiusGraph(
  mod: EquigraphWasmModule,
  positions: Float64Array,
  cutoff: number,
  cells: Float64Array | null,
  pbcMask: number,
  batch: Int32Array | null,
  maxNeighbors: number,
  flags: number,
): WasmRadiusGraphResult {
  if (positions.length % 3 !== 0) throw new RangeError(`radiusGraph: positions has ${positions.length} elements, not a multiple of 3`);
  const n = positions.length / 3;
  if (cells && (cells.length === 0 || cells.length % 9 !== 0)) throw new RangeError(`radiusGraph: cells has ${cells.length} elements, expected a positive multiple of 9`);
  if (batch && batch.length !== n) throw new RangeError(`radiusGraph: batch has ${batch.length} elements, expected one per atom (${n})`);
  if (!Number.isInteger(pbcMask) || pbcMask < 0 || pbcMask > 7) throw new RangeError('radiusGraph: pbcMask must be in [0, 7]');
  const maxNb = Number.isFinite(maxNeighbors) && maxNeighbors >= 0 ? Math.floor(maxNeighbors) : -1;

  const cellBytes = cells ? cells.byteLength : 0;
  const batchBytes = batch ? batch.byteLength : 0;
  const inBytes = align8(positions.byteLength) + align8(cellBytes) + align8(batchBytes) + 5 * 8 + 8;
  const inBase = malloc(mod, inBytes);
  let plan = 0;
  let outBase = 0;
  try {
    const pPos = inBase;
    const pCells = pPos + align8(positions.byteLength);
    const pBatch = pCells + align8(cellBytes);
    const pInfo = pBatch + align8(batchBytes);
    const pPlan = pInfo + 5 * 8;
    mod.HEAPF64.set(positions, pPos >>> 3);
    if (cells) mod.HEAPF64.set(cells, pCells >>> 3);
    if (batch) mod.HEAP32.set(batch, pBatch >>> 2);
    status(mod, 'eg_radius_graph_count', () =>
      mod._eg_radius_graph_count(pPos, BigInt(n), cutoff, cells ? pCells : 0, BigInt(cells ? cells.length / 9 : 0), pbcMask, batch ? pBatch : 0, BigInt(maxNb), flags, pPlan, pInfo),
    );
    const h = mod.HEAP32;
    const info = (k: number) => {
      const i = (pInfo >>> 2) + 2 * k;
      return (h[i]! >>> 0) + h[i + 1]! * TWO_32;
    };
    plan = h[pPlan >>> 2]! >>> 0;
    const overflowAtom = info(3);
    const overflowFound = info(4);
    if (!plan) return { numEdges: 0, overflowAtom, overflowFound };
    const E = info(0);
    const nd = info(1);
    const droppedTotal = info(2);
    const pEdge = 0;
    const pShift = pEdge + align8(8 * E);
    const pVec = pShift + align8(12 * E);
    const pDist = pVec + 24 * E;
    const pDa = pDist + 8 * E;
    const pDf = pDa + align8(4 * nd);
    outBase = malloc(mod, pDf + align8(4 * nd));
    const o = outBase;
    status(mod, 'eg_radius_graph_fill', () => mod._eg_radius_graph_fill(plan, o + pEdge, o + pShift, o + pVec, o + pDist, o + pDa, o + pDf));
    const i32 = (p: number, len: number) => mod.HEAP32.slice((o + p) >>> 2, ((o + p) >>> 2) + len);
    const f64 = (p: number, len: number) => mod.HEAPF64.slice((o + p) >>> 3, ((o + p) >>> 3) + len);
    return {
      numEdges: E,
      edgeIndex: i32(pEdge, 2 * E),
      shifts: i32(pShift, 3 * E),
      edgeVectors: f64(pVec, 3 * E),
      distances: f64(pDist, E),
      droppedTotal,
      droppedAtoms: i32(pDa, nd),
      droppedFound: i32(pDf, nd),
      overflowAtom,
      overflowFound,
    };
  } finally {
    if (plan) mod._eg_radius_graph_free(plan);
    if (outBase) mod._free(outBase);
    mod._free(inBase);
  }
}
