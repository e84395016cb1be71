import type { BinaryOp, HostPrimitives, ReduceOp, ScatterOp, UnaryGradOp, UnaryOp } from '../backend.js';
import type { FloatArray, TypedArray } from '../dtype.js';
import { rowMajorStrides } from '../shape.js';

/**
 * The readable specification of every kernel: plain loops, no tricks. Every
 * other backend is tested against these.
 */

const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const UNARY_FUNCS: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sigmoid,
  tanh: Math.tanh,
  relu: (x) => (x > 0 ? x : 0),
  silu: (x) => x * sigmoid(x),
  softplus,
  step: (x) => (x > 0 ? 1 : 0),
  sin: Math.sin,
  cos: Math.cos,
};

export const BINARY_FUNCS: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  equal: (a, b) => (a === b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
};

/** Calls fn(outFlat, multiIndex) for every element of `shape` in row-major order. */
function forEachIndex(shape: readonly number[], fn: (flat: number, index: number[]) => void): void {
  const size = shape.reduce((a, b) => a * b, 1);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < size; flat++) {
    fn(flat, index);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

const dot = (index: readonly number[], strides: readonly number[], offset = 0) =>
  index.reduce((acc, i, d) => acc + i * strides[d], offset);


/** f'(x) of the activations with a fused gradient, from x and y = f(x). */
export const UNARY_GRAD_FUNCS: Record<UnaryGradOp, (x: number, y: number) => number> = {
  sigmoid: (_x, y) => y * (1 - y),
  tanh: (_x, y) => 1 - y * y,
  silu: (x) => {
    const s = sigmoid(x);
    return s * (1 + x * (1 - s));
  },
  softplus: (x) => sigmoid(x),
};

export const referencePrimitives: HostPrimitives = {
  unary(op: UnaryOp, x: FloatArray, out: FloatArray) {
    const f = UNARY_FUNCS[op];
    for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  },

  unaryGrad(op: UnaryGradOp, x: FloatArray, y: FloatArray, dy: FloatArray, out: FloatArray) {
    const f = UNARY_GRAD_FUNCS[op];
    if (!f) throw new RangeError(`unaryGrad: op '${op}' has no fused gradient`);
    for (let i = 0; i < x.length; i++) out[i] = dy[i] * f(x[i], y[i]);
  },

  binary(op: BinaryOp, a, aStrides, b, bStrides, out, outShape) {
    const f = BINARY_FUNCS[op];
    forEachIndex(outShape, (flat, index) => {
      out[flat] = f(a[dot(index, aStrides)], b[dot(index, bStrides)]);
    });
  },

  reduce(op: ReduceOp, x, out, outer, size, inner) {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let acc = op === 'sum' ? 0 : -Infinity;
        for (let r = 0; r < size; r++) {
          const v = x[(o * size + r) * inner + i];
          acc = op === 'sum' ? acc + v : v > acc || Number.isNaN(v) ? v : acc;
        }
        out[o * inner + i] = acc;
      }
    }
  },

  transpose(x, shape, perm, out) {
    const inStrides = rowMajorStrides(shape);
    const outShape = perm.map((p) => shape[p]);
    const permStrides = perm.map((p) => inStrides[p]);
    forEachIndex(outShape, (flat, index) => {
      out[flat] = x[dot(index, permStrides)];
    });
  },

  matmul(a, b, out, batch, m, k, n, transA, transB, batchStrideA, batchStrideB) {
    for (let p = 0; p < batch; p++) {
      const aOff = p * batchStrideA;
      const bOff = p * batchStrideB;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let t = 0; t < k; t++) {
            const av = a[aOff + (transA ? t * m + i : i * k + t)];
            const bv = b[bOff + (transB ? j * k + t : t * n + j)];
            acc += av * bv;
          }
          out[(p * m + i) * n + j] = acc;
        }
      }
    }
  },

  gather(x, index, out, rowSize) {
    for (let i = 0; i < index.length; i++) {
      for (let c = 0; c < rowSize; c++) out[i * rowSize + c] = x[index[i] * rowSize + c];
    }
  },

  scatter(op: ScatterOp, src, index, out, numSegments, rowSize) {
    const seen = new Uint8Array(numSegments);
    out.fill(0);
    for (let i = 0; i < index.length; i++) {
      const s = index[i];
      for (let c = 0; c < rowSize; c++) {
        const v = src[i * rowSize + c];
        const o = s * rowSize + c;
        if (op === 'sum') out[o] += v;
        else out[o] = seen[s] ? Math.max(out[o], v) : v;
      }
      seen[s] = 1;
    }
  },

  copyBox(src, srcShape, srcOffset, dst, dstShape, dstOffset, boxShape) {
    const srcStrides = rowMajorStrides(srcShape);
    const dstStrides = rowMajorStrides(dstShape);
    const srcBase = dot(srcOffset, srcStrides);
    const dstBase = dot(dstOffset, dstStrides);
    forEachIndex(boxShape, (_flat, index) => {
      dst[dot(index, dstStrides, dstBase)] = src[dot(index, srcStrides, srcBase)];
    });
  },

  cast(src: TypedArray, dst: TypedArray) {
    if (dst instanceof Int32Array) for (let i = 0; i < src.length; i++) dst[i] = Math.trunc(src[i]);
    else for (let i = 0; i < src.length; i++) dst[i] = src[i];
  },
};
