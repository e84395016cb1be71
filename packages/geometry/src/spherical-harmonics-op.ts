/**
 * Spherical harmonics as a differentiable tensor op, on every backend.
 *
 * Kernels (registered for '*', i.e. every backend without a specific registration):
 *   SphericalHarmonics               x [n,3]                      → Y [n,D]
 *   SphericalHarmonicsBackward       x [n,3], g [n,D]             → Jᵀg [n,3]
 *   SphericalHarmonicsDoubleBackward x, g, gg [n,3]               → packed [3n + nD]: (Σ_k g_k H_k gg, J gg)
 *   SphericalHarmonicsTripleBackward x, g, a [n,3], b [n,3]       → packed [3n + nD]: (∂ₓ Σ_k g_k aᵀH_k b, aᵀH_k b)
 * Each gradient is written with these kernels, so derivatives compose to third order (force
 * training needs the second; the third comes for free). Two-output kernels return one flat tensor
 * that the gradients split with slice + reshape.
 *
 * `core` knows nothing of E(3): a host backend offers the native implementations by carrying the
 * optional methods of `E3HostPrimitives` on its `primitives` object (structural typing: the
 * native and wasm packages do not import geometry). Otherwise the TypeScript reference runs on
 * host copies of the data (backend 'reference', or any backend that lacks them).
 */
import {
  HostBackend,
  add,
  allocArray,
  assertFloat,
  formatShape,
  registerGradient,
  registerKernel,
  reshape,
  runKernel,
  slice,
  type Backend,
  type DType,
  type FloatArray,
  type KernelAttrs,
  type Tensor,
  type TensorInfo,
} from '@equigraph/core';
import {
  sphericalHarmonics,
  sphericalHarmonicsBackward,
  type ShDegrees,
  type ShNormalization,
  type ShOptions,
} from './spherical-harmonics.js';
import { sphericalHarmonicsDoubleBackward, sphericalHarmonicsTripleBackward } from './spherical-harmonics-jet.js';

/** Highest degree the op accepts (EG_SH_MAX_L of the C ABI, so every backend agrees). */
export const SH_MAX_L = 64;

/**
 * Optional flat-array primitives of a host backend for the spherical harmonics kernels; the
 * native ('cpu') and WebAssembly ('wasm') backends implement them. Arrays share one float dtype;
 * `x` is [n, 3] row-major, `out`/`gradOut` [n, Σ(2l+1)]; outputs are fully overwritten.
 */
export interface E3HostPrimitives {
  sphericalHarmonics?(ls: readonly number[], normalize: boolean, normalization: ShNormalization, x: FloatArray, out: FloatArray): void;
  /** gradX = Jᵀ gradOut. */
  sphericalHarmonicsBackward?(ls: readonly number[], normalize: boolean, normalization: ShNormalization, x: FloatArray, gradOut: FloatArray, gradX: FloatArray): void;
  /** outGradX = Σ_k gradOut_k H_k ggX, outGradGradOut = J ggX. */
  sphericalHarmonicsDoubleBackward?(
    ls: readonly number[], normalize: boolean, normalization: ShNormalization,
    x: FloatArray, gradOut: FloatArray, ggX: FloatArray, outGradX: FloatArray, outGradGradOut: FloatArray,
  ): void;
  /** outGradX = ∂/∂x Σ_k gradOut_k aᵀ H_k b, outHess = aᵀ H_k b. */
  sphericalHarmonicsTripleBackward?(
    ls: readonly number[], normalize: boolean, normalization: ShNormalization,
    x: FloatArray, gradOut: FloatArray, a: FloatArray, b: FloatArray, outGradX: FloatArray, outHess: FloatArray,
  ): void;
}

interface ShAttrs {
  readonly ls: number[];
  readonly normalize: boolean;
  readonly normalization: ShNormalization;
}

const OP = 'sphericalHarmonicsOp';
const NORMALIZATIONS: readonly ShNormalization[] = ['integral', 'component', 'norm'];

const shAttrs = (attrs: KernelAttrs) => attrs as unknown as ShAttrs;
const widthOf = (ls: readonly number[]) => ls.reduce((s, l) => s + 2 * l + 1, 0);

/**
 * Runs `body` on host arrays: the inputs' own storage and native primitives on a host backend,
 * otherwise copies read from the backend (results written back). Outputs are fresh arrays.
 */
function onHost(
  backend: Backend,
  dtype: DType,
  inputs: readonly TensorInfo[],
  outputSize: number,
  body: (prims: E3HostPrimitives | undefined, arrays: FloatArray[], out: FloatArray) => void,
): unknown {
  const out = allocArray(dtype, outputSize) as FloatArray;
  if (backend instanceof HostBackend) {
    body(backend.primitives as E3HostPrimitives, inputs.map((t) => t.storage as FloatArray), out);
    return out;
  }
  const arrays = inputs.map((t) => backend.read(t.storage, t.dtype, t.shape.reduce((a, b) => a * b, 1)) as FloatArray);
  body(undefined, arrays, out);
  return backend.write(out);
}

registerKernel('SphericalHarmonics', '*', ([x], attrs, backend) => {
  const { ls, normalize, normalization } = shAttrs(attrs);
  const n = x.shape[0]!;
  const width = widthOf(ls);
  const storage = onHost(backend, x.dtype, [x], n * width, (prims, [xs], out) => {
    if (prims?.sphericalHarmonics) prims.sphericalHarmonics(ls, normalize, normalization, xs!, out);
    else out.set(sphericalHarmonics(ls, xs!, { normalize, normalization }));
  });
  return { storage, shape: [n, width], dtype: x.dtype };
});

registerKernel('SphericalHarmonicsBackward', '*', ([x, g], attrs, backend) => {
  const { ls, normalize, normalization } = shAttrs(attrs);
  const n = x.shape[0]!;
  const storage = onHost(backend, x.dtype, [x, g!], 3 * n, (prims, [xs, gs], out) => {
    if (prims?.sphericalHarmonicsBackward) prims.sphericalHarmonicsBackward(ls, normalize, normalization, xs!, gs!, out);
    else out.set(sphericalHarmonicsBackward(ls, xs!, gs!, { normalize, normalization }));
  });
  return { storage, shape: [n, 3], dtype: x.dtype };
});

registerKernel('SphericalHarmonicsDoubleBackward', '*', ([x, g, gg], attrs, backend) => {
  const { ls, normalize, normalization } = shAttrs(attrs);
  const n = x.shape[0]!;
  const width = widthOf(ls);
  const storage = onHost(backend, x.dtype, [x, g!, gg!], 3 * n + n * width, (prims, [xs, gs, ggs], out) => {
    const outX = out.subarray(0, 3 * n);
    const outG = out.subarray(3 * n);
    if (prims?.sphericalHarmonicsDoubleBackward) {
      prims.sphericalHarmonicsDoubleBackward(ls, normalize, normalization, xs!, gs!, ggs!, outX, outG);
    } else {
      const r = sphericalHarmonicsDoubleBackward(ls, xs!, gs!, ggs!, { normalize, normalization });
      outX.set(r.gradX);
      outG.set(r.gradGradOut);
    }
  });
  return { storage, shape: [3 * n + n * width], dtype: x.dtype };
});

registerKernel('SphericalHarmonicsTripleBackward', '*', ([x, g, a, b], attrs, backend) => {
  const { ls, normalize, normalization } = shAttrs(attrs);
  const n = x.shape[0]!;
  const width = widthOf(ls);
  const storage = onHost(backend, x.dtype, [x, g!, a!, b!], 3 * n + n * width, (prims, [xs, gs, as, bs], out) => {
    const outX = out.subarray(0, 3 * n);
    const outH = out.subarray(3 * n);
    if (prims?.sphericalHarmonicsTripleBackward) {
      prims.sphericalHarmonicsTripleBackward(ls, normalize, normalization, xs!, gs!, as!, bs!, outX, outH);
    } else {
      const r = sphericalHarmonicsTripleBackward(ls, xs!, gs!, as!, bs!, { normalize, normalization });
      outX.set(r.gradX);
      outH.set(r.hess);
    }
  });
  return { storage, shape: [3 * n + n * width], dtype: x.dtype };
});

/** Splits a packed [3n + nD] result into its [n, 3] and [n, D] parts. */
function unpack(packed: Tensor, n: number, width: number): [Tensor, Tensor] {
  return [reshape(slice(packed, [0], [3 * n]), [n, 3]), reshape(slice(packed, [3 * n], [n * width]), [n, width])];
}

registerGradient('SphericalHarmonics', (dy, [x], _y, attrs) => [runKernel('SphericalHarmonicsBackward', [x!, dy], attrs)]);

// d/dx ⟨Jᵀg, gg⟩ = Σ_k g_k H_k gg;  d/dg ⟨Jᵀg, gg⟩ = J gg.
registerGradient('SphericalHarmonicsBackward', (gg, [x, g], _y, attrs) => {
  const n = x!.shape[0]!;
  return unpack(runKernel('SphericalHarmonicsDoubleBackward', [x!, g!, gg], attrs), n, g!.shape[1]!);
});

// L = ⟨u, Σ_k g_k H_k gg⟩ + ⟨v, J gg⟩:
//   ∂L/∂x  = ∂ₓ Σ_k g_k ggᵀH_k u + Σ_k v_k H_k gg
//   ∂L/∂g  = ggᵀ H_k u
//   ∂L/∂gg = Σ_k g_k H_k u + Jᵀ v
registerGradient('SphericalHarmonicsDoubleBackward', (upstream, [x, g, gg], _y, attrs) => {
  const n = x!.shape[0]!;
  const width = g!.shape[1]!;
  const [u, v] = unpack(upstream, n, width);
  let gradX: Tensor | null = null;
  let gradG: Tensor | null = null;
  let gradGG: Tensor | null = null;
  if (x!.requiresGrad || g!.requiresGrad) {
    const [tx, th] = unpack(runKernel('SphericalHarmonicsTripleBackward', [x!, g!, gg!, u], attrs), n, width);
    if (x!.requiresGrad) gradX = add(tx, unpack(runKernel('SphericalHarmonicsDoubleBackward', [x!, v, gg!], attrs), n, width)[0]);
    gradG = th;
  }
  if (gg!.requiresGrad) {
    const [hu] = unpack(runKernel('SphericalHarmonicsDoubleBackward', [x!, g!, u], attrs), n, width);
    gradGG = add(hu, runKernel('SphericalHarmonicsBackward', [x!, v], attrs));
  }
  return [gradX, gradG, gradGG];
});

registerGradient('SphericalHarmonicsTripleBackward', () => {
  throw new Error(`${OP}: derivatives of order 4 and higher are not implemented (the op is differentiable three times)`);
});

function degreeList(degrees: ShDegrees): number[] {
  let ls: number[];
  if (typeof degrees === 'number') {
    if (!Number.isInteger(degrees) || degrees < 0) throw new RangeError(`${OP}: 'degrees' (lmax) must be a non-negative integer, got ${degrees}`);
    if (degrees > SH_MAX_L) throw new RangeError(`${OP}: 'degrees' (lmax) = ${degrees} exceeds the supported maximum ${SH_MAX_L}`);
    ls = Array.from({ length: degrees + 1 }, (_, l) => l);
  } else {
    if (!Array.isArray(degrees) || degrees.length === 0) throw new RangeError(`${OP}: 'degrees' must be lmax or a non-empty list of degrees`);
    ls = [...degrees];
    for (const l of ls) {
      if (typeof l !== 'number' || !Number.isInteger(l) || l < 0) throw new RangeError(`${OP}: 'degrees' holds ${String(l)}, expected non-negative integers`);
      if (l > SH_MAX_L) throw new RangeError(`${OP}: degree ${l} in 'degrees' exceeds the supported maximum ${SH_MAX_L}`);
    }
    if (ls.length > 1024) throw new RangeError(`${OP}: 'degrees' lists ${ls.length} degrees, at most 1024 are supported`);
  }
  return ls;
}

/**
 * Real spherical harmonics of the rows of `vectors` ([n, 3], float32 or float64) as a
 * differentiable op: [n, Σ(2l+1)], degrees concatenated in order, each as m = −l..l, in e3nn's
 * convention (`e3nn.o3.spherical_harmonics(ls, x, normalize, normalization)`; a number means lmax
 * here). Same numbers as the array function `sphericalHarmonics`, which backend 'reference' runs;
 * 'cpu' and 'wasm' run the C++ kernels. Differentiable three times (first and second order are
 * what force training needs). Zero vectors with `normalize` give Y⁰ its constant, l > 0 zero, and
 * zero derivatives.
 */
export function sphericalHarmonicsOp(degrees: ShDegrees, vectors: Tensor, options: ShOptions): Tensor {
  assertFloat(OP, 'vectors', vectors);
  if (vectors.rank !== 2 || vectors.shape[1] !== 3) {
    throw new RangeError(`${OP}: 'vectors' has shape ${formatShape(vectors.shape)}, expected [n, 3]`);
  }
  const ls = degreeList(degrees);
  if (typeof options !== 'object' || options === null || typeof options.normalize !== 'boolean') {
    throw new TypeError(`${OP}: 'options.normalize' must be a boolean`);
  }
  const normalization = options.normalization ?? 'integral';
  if (!NORMALIZATIONS.includes(normalization)) {
    throw new RangeError(`${OP}: 'options.normalization' must be one of ${NORMALIZATIONS.join(', ')}, got "${String(normalization)}"`);
  }
  const attrs: ShAttrs = { ls, normalize: options.normalize, normalization };
  return runKernel('SphericalHarmonics', [vectors], attrs as unknown as KernelAttrs);
}

