import type { DType } from '../dtype.js';
import { Tensor } from '../tensor.js';
import * as ew from './elementwise.js';
import type { TensorLike } from './elementwise.js';
import { cast, indexSelect, type IndexLike } from './indexing.js';
import { matmul, type MatMulOptions } from './matmul.js';
import { max, mean, sum, type Axes } from './reduce.js';
import { reshape, transpose } from './shape-ops.js';

/** Method-chaining sugar: `x.mul(w).add(b).silu()` is `silu(add(mul(x, w), b))`. */
declare module '../tensor.js' {
  interface Tensor {
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    silu(): Tensor;
    sum(axes?: Axes, keepDims?: boolean): Tensor;
    mean(axes?: Axes, keepDims?: boolean): Tensor;
    max(axes?: Axes, keepDims?: boolean): Tensor;
    matmul(b: Tensor, options?: MatMulOptions): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    indexSelect(index: IndexLike, axis?: number): Tensor;
    cast(dtype: DType): Tensor;
  }
}

const proto = Tensor.prototype;
proto.add = function (b) { return ew.add(this, b); };
proto.sub = function (b) { return ew.sub(this, b); };
proto.mul = function (b) { return ew.mul(this, b); };
proto.div = function (b) { return ew.div(this, b); };
proto.pow = function (b) { return ew.pow(this, b); };
proto.neg = function () { return ew.neg(this); };
proto.exp = function () { return ew.exp(this); };
proto.log = function () { return ew.log(this); };
proto.sqrt = function () { return ew.sqrt(this); };
proto.square = function () { return ew.square(this); };
proto.sigmoid = function () { return ew.sigmoid(this); };
proto.tanh = function () { return ew.tanh(this); };
proto.relu = function () { return ew.relu(this); };
proto.silu = function () { return ew.silu(this); };
proto.sum = function (axes, keepDims) { return sum(this, axes, keepDims); };
proto.mean = function (axes, keepDims) { return mean(this, axes, keepDims); };
proto.max = function (axes, keepDims) { return max(this, axes, keepDims); };
proto.matmul = function (b, options) { return matmul(this, b, options); };
proto.reshape = function (shape) { return reshape(this, shape); };
proto.transpose = function (perm) { return transpose(this, perm); };
proto.indexSelect = function (index, axis) { return indexSelect(this, index, axis); };
proto.cast = function (dtype) { return cast(this, dtype); };
