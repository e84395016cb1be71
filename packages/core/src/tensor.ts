import type { Backend } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import type { TensorInfo } from './kernel.js';
import { formatShape, sizeOf } from './shape.js';

/** The record autograd keeps for one kernel call (see engine.ts). */
export interface TapeNode {
  readonly kernel: string;
  inputs: Tensor[];
  output: Tensor | undefined;
  readonly attrs: Record<string, unknown>;
  /** Set once the node's saved tensors were released by a backward pass. */
  released: boolean;
}

let nextId = 0;

/**
 * An n-dimensional array on one backend. Tensors are immutable: every op
 * returns a new tensor. `requiresGrad` marks leaves autograd differentiates
 * with respect to; `gradFn` links a computed tensor to the kernel call that made it.
 */
export class Tensor implements TensorInfo {
  readonly id = nextId++;
  readonly size: number;
  /** Gradient accumulated by `backward()` on a leaf. */
  grad: Tensor | undefined;
  gradFn: TapeNode | undefined;

  constructor(
    readonly storage: unknown,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly backend: Backend,
    public requiresGrad = false,
  ) {
    this.size = sizeOf(shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A copy of the values as a typed array (row-major). */
  toArray(): TypedArray {
    return this.backend.read(this.storage, this.dtype, this.size).slice();
  }

  /** Values without a copy where the backend allows; do not mutate. */
  dataSync(): TypedArray {
    return this.backend.read(this.storage, this.dtype, this.size);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has shape ${formatShape(this.shape)}, expected exactly one element`);
    return this.dataSync()[0];
  }

  /** Values as nested JS arrays. */
  toNested(): unknown {
    const values = Array.from(this.dataSync());
    const build = (offset: number, dim: number): unknown => {
      if (dim === this.shape.length) return values[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(offset + i * stride, dim + 1));
    };
    return build(0, 0);
  }

  /** The same values, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.dtype, this.backend, false);
  }

  /** A leaf sharing these values that autograd tracks. */
  withGrad(): Tensor {
    return new Tensor(this.storage, this.shape, this.dtype, this.backend, true);
  }

  /** Frees backend storage now (device backends); the tensor must not be used afterwards. */
  dispose(): void {
    this.backend.dispose(this.storage);
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${formatShape(this.shape)}, ${this.backend.name})`;
  }
}
