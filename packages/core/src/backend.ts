import type { DType, FloatArray, TypedArray } from './dtype.js';

/**
 * A backend owns tensor storage and runs kernels on it. Host backends
 * (reference, cpu, wasm) store plain typed arrays; device backends (cuda) keep
 * an opaque handle and copy only on `read`.
 */
export interface Backend<S = unknown> {
  readonly name: string;
  /** Copies host values into storage owned by this backend. */
  write(values: TypedArray): S;
  /** Copies storage back to a host typed array of `size` elements. */
  read(storage: S, dtype: DType, size: number): TypedArray;
  /** Frees storage eagerly (host backends may leave this to the GC). */
  dispose(storage: S): void;
}

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'square' | 'reciprocal'
  | 'sigmoid' | 'tanh' | 'relu' | 'silu' | 'softplus' | 'step' | 'sin' | 'cos';

/** Activations with a fused gradient kernel (UnaryGrad, eg_unary_grad). */
export type UnaryGradOp = 'sigmoid' | 'tanh' | 'silu' | 'softplus';
export const UNARY_GRAD_OPS: readonly UnaryGradOp[] = ['sigmoid', 'tanh', 'silu', 'softplus'];

/** Comparison ops return 1 or 0 in the input dtype. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'equal' | 'greater';

export type ReduceOp = 'sum' | 'max';
export type ScatterOp = 'sum' | 'max';

/** Stable numeric codes shared with the C ABI (native/include/equigraph.h). */
export const UNARY_CODES: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, sign: 5, square: 6, reciprocal: 7,
  sigmoid: 8, tanh: 9, relu: 10, silu: 11, softplus: 12, step: 13, sin: 14, cos: 15,
};
export const BINARY_CODES: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, equal: 7, greater: 8,
};
export const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, max: 1 };

/**
 * The flat-array primitives a host backend implements. They mirror the C ABI
 * in native/include/equigraph.h one to one; shapes are already validated and
 * `out` is freshly allocated (zero-filled) by the caller. All float arrays of
 * one call share a dtype.
 */
export interface HostPrimitives {
  /** out[i] = op(x[i]) */
  unary(op: UnaryOp, x: FloatArray, out: FloatArray): void;
  /**
   * Fused activation gradient: out[i] = dy[i]·f'(x[i]) with f = op and y = f(x)
   * its forward output, for op in UNARY_GRAD_OPS (sigmoid and tanh read y,
   * silu and softplus x).
   */
  unaryGrad(op: UnaryGradOp, x: FloatArray, y: FloatArray, dy: FloatArray, out: FloatArray): void;
  /**
   * out[idx] = op(a[idx·aStrides], b[idx·bStrides]) over the multi-index idx of
   * `outShape` (row-major). A stride of 0 broadcasts that axis.
   */
  binary(op: BinaryOp, a: FloatArray, aStrides: readonly number[], b: FloatArray, bStrides: readonly number[], out: FloatArray, outShape: readonly number[]): void;
  /** x viewed as [outer, size, inner] → out [outer, inner]; max of an empty axis is -Infinity. */
  reduce(op: ReduceOp, x: FloatArray, out: FloatArray, outer: number, size: number, inner: number): void;
  /** out = x permuted: out.shape[i] = shape[perm[i]]. */
  transpose(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void;
  /**
   * out[b] = op(A[b]) @ op(B[b]) with A [batch, m, k] (or [batch, k, m] when transA),
   * B [batch, k, n] (or [batch, n, k] when transB). batchStrideA/B are the element
   * offsets between consecutive batch entries (0 broadcasts one matrix).
   */
  matmul(a: FloatArray, b: FloatArray, out: FloatArray, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, batchStrideA: number, batchStrideB: number): void;
  /** out[i, :] = x[index[i], :] with rows of `rowSize` elements. */
  gather(x: TypedArray, index: Int32Array, out: TypedArray, rowSize: number): void;
  /**
   * out[s, :] = op over { src[i, :] : index[i] = s }; empty segments are 0.
   * Indices are already checked to lie in [0, numSegments). Sequential order
   * makes the result deterministic.
   */
  scatter(op: ScatterOp, src: FloatArray, index: Int32Array, out: FloatArray, numSegments: number, rowSize: number): void;
  /**
   * Copies the box of `boxShape` at `srcOffset` in src (shape srcShape) to
   * `dstOffset` in dst (shape dstShape). Slice, pad and concat are all this.
   */
  copyBox(src: TypedArray, srcShape: readonly number[], srcOffset: readonly number[], dst: TypedArray, dstShape: readonly number[], dstOffset: readonly number[], boxShape: readonly number[]): void;
  /** dst[i] = src[i] converted (float→int truncates toward zero). */
  cast(src: TypedArray, dst: TypedArray): void;
  /**
   * Optional: a fresh array whose contents are unspecified, for outputs the
   * kernel overwrites completely (every kernel but Pad). Host backends whose
   * runtime can skip the zero fill of `new Float32Array(n)` provide it.
   */
  allocUninitialized?(dtype: DType, size: number): TypedArray;
}
