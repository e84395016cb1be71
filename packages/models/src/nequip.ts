/**
 * NequIP-style E(3)-equivariant interatomic potential (Batzner et al., Nat. Commun. 13, 2453
 * (2022); the TFN-style interaction of the `nequip` package, `ConvNetLayer` /
 * `InteractionBlock`):
 *
 * - atom-type embedding: one-hot types → linear → `mul×0e`;
 * - edges: r_ij = x_i − x_j (+ periodic shift · cell), spherical harmonics Y(r̂) up to lmax
 *   (normalised vectors, 'component' normalisation), Bessel radial basis
 *   √(2/c) sin(nπr/c)/r times NequIP's polynomial envelope (p = 6), → radial MLP → per-edge
 *   weights of the convolution;
 * - interaction block: linear → fused convolution `tpConvolution` (gather → channelwise
 *   tensor product with the per-edge weights → sum at the target, divided by the average number
 *   of neighbours) → linear, plus a linear self-interaction of the block's input → gate
 *   (SiLU on scalars, sigmoid gates on l > 0) → residual when the irreps agree;
 * - readout: per-atom energy from the scalars (MLP), summed per graph.
 *
 * `energyAndForces` differentiates the energy with autograd: F = −∂E/∂x and, with a cell, the
 * stress σ = (1/V) ∂E/∂ε of a symmetric strain ε applied to positions and cell. With
 * `createGraph` the forces stay differentiable (force training: second derivatives, which every
 * op here supports).
 *
 * Simplifications against the reference code: the self-interaction is a linear map (NequIP
 * uses a tensor product with the one-hot species), the Bessel frequencies are fixed (NequIP
 * trains them), no per-species energy shift/scale.
 */
import { add, deriveSeed, div, gradients, matmul, mul, reshape, Rng, scatterSum, sigmoid, sliceAxis, sqrt, square, step, sub, sum, tensor, transpose, zeros, type FloatDType, type Tensor, runUnary } from '@equigraph/core';
import { edgeVectors } from '@equigraph/geometry';
import { Gate, Irreps, channelwiseTensorProduct, convolutionEdges, linearIrreps, linearOnIrreps, sphericalHarmonicsOp, tpConvolution, type ConvolutionEdges, type TensorProductDescriptor } from '@equigraph/geometry';
import { BesselBasis, Linear, MLP, Module, Parameter } from '@equigraph/layers';

/**
 * NequIP's polynomial envelope (`PolynomialCutoff`, Klicpera et al. 2020):
 * u(x) = 1 − (p+1)(p+2)/2 · x^p + p(p+2) · x^(p+1) − p(p+1)/2 · x^(p+2), x = d/c, and 0 for d ≥ c.
 * u(1) = u′(1) = u″(1) = 0. `distances` [E, 1] → [E, 1].
 */
export function polynomialCutoff(distances: Tensor, cutoff: number, p = 6): Tensor {
  if (!(Number.isFinite(cutoff) && cutoff > 0)) throw new RangeError(`polynomialCutoff: 'cutoff' must be a finite number > 0, got ${cutoff}`);
  if (!Number.isInteger(p) || p < 1) throw new RangeError(`polynomialCutoff: 'p' must be a positive integer, got ${p}`);
  const x = mul(distances, 1 / cutoff);
  let xp = x;
  for (let i = 1; i < p; i++) xp = mul(xp, x);
  const xp1 = mul(xp, x);
  const xp2 = mul(xp1, x);
  const u = add(sub(1, mul(xp, ((p + 1) * (p + 2)) / 2)), sub(mul(xp1, p * (p + 2)), mul(xp2, (p * (p + 1)) / 2)));
  return mul(u, step(sub(cutoff, distances)));
}

/** e3nn's `o3.Linear` (no biases) with its weights: `y = linearIrreps(descriptor, x, weight)`, weights ~ N(0, 1). */
export class IrrepsLinear extends Module {
  readonly descriptor: TensorProductDescriptor;
  readonly weight: Parameter;

  constructor(irrepsIn: Irreps | string, irrepsOut: Irreps | string, options: { dtype?: FloatDType; seed?: number; backend?: string } = {}) {
    super();
    this.descriptor = linearOnIrreps(irrepsIn, irrepsOut);
    const values = new Float64Array(this.descriptor.numWeights);
    new Rng(options.seed ?? 0).fillNormal(values);
    this.weight = new Parameter(tensor(values, [values.length], { dtype: options.dtype ?? 'float32', backend: options.backend }));
  }

  forward(x: Tensor): Tensor {
    return linearIrreps(this.descriptor, x, this.weight.value);
  }
}

export interface NequIPOptions {
  /** Number of atom types (one-hot width). */
  numTypes: number;
  /** Channels per irrep of the hidden features (NequIP's `num_features`); default 16. */
  mul?: number;
  /** Highest degree of the hidden features and of the edge spherical harmonics; default 2. */
  lmax?: number;
  /** Interaction blocks; default 3. */
  numLayers?: number;
  /** Bessel functions; default 8. */
  numBasis?: number;
  /** Cutoff radius (the radius graph's); default 5. */
  cutoff?: number;
  /** Exponent p of the polynomial envelope; default 6. */
  polynomialP?: number;
  /** Hidden widths of the radial MLP; default [64]. */
  radialHidden?: readonly number[];
  /** The convolution is divided by this (NequIP's `avg_num_neighbors`); default 1. */
  avgNumNeighbors?: number;
  /** Per-atom outputs of the readout (1: the atomic energy; more for several graph-level targets); default 1. */
  numOutputs?: number;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

/** One structure, or a batch of them (nodes of all graphs concatenated). */
export interface NequIPInputs {
  /** [N, 3]. */
  positions: Tensor;
  /** [N] atom types in [0, numTypes). */
  atomTypes: Int32Array;
  /** PyG-style [2, E] flat: row 0 the sources j, row 1 the targets i (as radiusGraph returns). */
  edgeIndex: Int32Array;
  /** [E, 3] integer cell shifts of periodic edges (with `cell`). */
  shifts?: Int32Array;
  /** [3, 3] lattice vectors as rows (one periodic structure). */
  cell?: Tensor;
  /** [N] graph of every node (default: one graph). */
  nodeGraph?: Int32Array;
  numGraphs?: number;
}

export interface EnergyAndForces {
  /** [numGraphs]. */
  energy: Tensor;
  /** [N, 3] = −∂E/∂x. */
  forces: Tensor;
  /** [3, 3] = (1/V) ∂E/∂ε when a cell is given (positive: the structure wants to contract). */
  stress?: Tensor;
}

/** MLP seeds its layers with seed·1000 + i (below 2^32). */
const mlpSeed = (seed: number, key: string) => deriveSeed(seed, key) % 4_000_000;

const parityOf = (l: number) => (l % 2 === 0 ? 'e' : 'o');

/** One interaction block: linear → tpConvolution → linear (+ linear self-interaction) → gate (→ residual). */
export class NequIPInteraction extends Module {
  readonly linear1: IrrepsLinear;
  readonly convolution: TensorProductDescriptor;
  readonly radial: MLP;
  readonly linear2: IrrepsLinear;
  readonly selfInteraction: IrrepsLinear;
  readonly gate: Gate;
  readonly residual: boolean;

  constructor(
    readonly irrepsIn: Irreps,
    readonly irrepsHidden: Irreps,
    readonly irrepsSH: Irreps,
    numBasis: number,
    radialHidden: readonly number[],
    readonly avgNumNeighbors: number,
    options: { dtype: FloatDType; seed: number; backend?: string },
  ) {
    super();
    const common = { dtype: options.dtype, backend: options.backend };
    const scalars = irrepsHidden.terms.filter((t) => t.ir.l === 0);
    const gated = irrepsHidden.terms.filter((t) => t.ir.l > 0);
    const numGates = gated.reduce((n, t) => n + t.mul, 0);
    this.gate = new Gate(Irreps.from(scalars.map((t) => [t.mul, t.ir] as const)), (x) => runUnary('silu', x), numGates > 0 ? `${numGates}x0e` : '', sigmoid, Irreps.from(gated.map((t) => [t.mul, t.ir] as const)));
    this.linear1 = new IrrepsLinear(irrepsIn, irrepsIn, { ...common, seed: deriveSeed(options.seed, 'linear1') });
    this.convolution = channelwiseTensorProduct(irrepsIn, irrepsSH, this.gate.irrepsIn);
    this.radial = new MLP([numBasis, ...radialHidden, this.convolution.numWeights], { ...common, seed: mlpSeed(options.seed, 'radial') });
    this.linear2 = new IrrepsLinear(this.convolution.irrepsOut, this.gate.irrepsIn, { ...common, seed: deriveSeed(options.seed, 'linear2') });
    this.selfInteraction = new IrrepsLinear(irrepsIn, this.gate.irrepsIn, { ...common, seed: deriveSeed(options.seed, 'self') });
    this.residual = irrepsIn.equals(this.gate.irrepsOut);
  }

  /** h [N, irrepsIn.dim], sh [E, irrepsSH.dim], radial basis [E, numBasis] → [N, irrepsHidden.dim]. */
  forward(h: Tensor, sh: Tensor, basis: Tensor, edges: ConvolutionEdges): Tensor {
    const weights = this.radial.forward(basis);
    let conv = tpConvolution(this.convolution, this.linear1.forward(h), sh, weights, edges, edges.numNodes);
    if (this.avgNumNeighbors !== 1) conv = mul(conv, 1 / this.avgNumNeighbors);
    const out = this.gate.apply(add(this.linear2.forward(conv), this.selfInteraction.forward(h)));
    return this.residual ? add(h, out) : out;
  }
}

/** The NequIP-style potential; see the module comment. */
export class NequIP extends Module {
  readonly embedding: Linear;
  readonly layers: NequIPInteraction[];
  readonly readout: MLP;
  readonly irrepsHidden: Irreps;
  readonly irrepsSH: Irreps;
  readonly basis: BesselBasis;
  readonly numTypes: number;
  readonly mul: number;
  readonly lmax: number;
  readonly cutoff: number;
  readonly polynomialP: number;
  readonly numOutputs: number;
  readonly dtype: FloatDType;

  constructor(options: NequIPOptions) {
    super();
    this.numTypes = options.numTypes;
    this.mul = options.mul ?? 16;
    this.lmax = options.lmax ?? 2;
    this.cutoff = options.cutoff ?? 5;
    this.polynomialP = options.polynomialP ?? 6;
    this.numOutputs = options.numOutputs ?? 1;
    if (!Number.isInteger(this.numOutputs) || this.numOutputs < 1) throw new RangeError(`NequIP: 'numOutputs' must be a positive integer, got ${this.numOutputs}`);
    this.dtype = options.dtype ?? 'float32';
    const seed = options.seed ?? 0;
    const numBasis = options.numBasis ?? 8;
    const common = { dtype: this.dtype, backend: options.backend };
    this.irrepsHidden = Irreps.from(Array.from({ length: this.lmax + 1 }, (_, l) => `${this.mul}x${l}${parityOf(l)}`).join('+'));
    this.irrepsSH = Irreps.from(Array.from({ length: this.lmax + 1 }, (_, l) => `1x${l}${parityOf(l)}`).join('+'));
    this.basis = new BesselBasis(numBasis, this.cutoff, { cutoffEnvelope: false });
    this.embedding = new Linear(this.numTypes, this.mul, { ...common, bias: false, seed: deriveSeed(seed, 'embedding') });
    const layers: NequIPInteraction[] = [];
    let irrepsIn = Irreps.from(`${this.mul}x0e`);
    for (let l = 0; l < (options.numLayers ?? 3); l++) {
      const layer = new NequIPInteraction(irrepsIn, this.irrepsHidden, this.irrepsSH, numBasis, options.radialHidden ?? [64], options.avgNumNeighbors ?? 1, { ...common, seed: deriveSeed(seed, 'layer', l) });
      layers.push(layer);
      irrepsIn = layer.gate.irrepsOut;
    }
    this.layers = layers;
    this.readout = new MLP([this.mul, Math.max(4, this.mul >> 1), this.numOutputs], { ...common, seed: mlpSeed(seed, 'readout') });
  }

  private oneHot(types: Int32Array, backend: Tensor['backend']): Tensor {
    const v = new Float64Array(types.length * this.numTypes);
    types.forEach((t, i) => {
      if (!Number.isInteger(t) || t < 0 || t >= this.numTypes) throw new RangeError(`NequIP: atom ${i} has type ${t}, outside [0, ${this.numTypes})`);
      v[i * this.numTypes + t] = 1;
    });
    return tensor(v, [types.length, this.numTypes], { dtype: this.dtype, backend });
  }

  /** Per-atom energies [N, 1] (per-atom outputs [N, numOutputs]). */
  atomEnergies(inputs: NequIPInputs): Tensor {
    const { positions, atomTypes, edgeIndex } = inputs;
    const N = positions.shape[0]!;
    if (positions.rank !== 2 || positions.shape[1] !== 3) throw new RangeError(`NequIP: 'positions' has shape [${positions.shape.join(', ')}], expected [N, 3]`);
    if (atomTypes.length !== N) throw new RangeError(`NequIP: 'atomTypes' has ${atomTypes.length} entries for ${N} atoms`);
    const edges = convolutionEdges(edgeIndex, N);
    const vectors = edgeVectors(positions, edgeIndex, inputs.cell && inputs.shifts ? { cell: inputs.cell, shifts: inputs.shifts } : {});
    const r = sqrt(sum(square(vectors), -1, true));
    const sh = sphericalHarmonicsOp(this.lmax, vectors, { normalize: true, normalization: 'component' });
    const basis = mul(this.basis.forward(r), polynomialCutoff(r, this.cutoff, this.polynomialP));
    let h = this.embedding.forward(this.oneHot(atomTypes, positions.backend));
    for (const layer of this.layers) h = layer.forward(h, sh, basis, edges);
    return this.readout.forward(sliceAxis(h, -1, 0, this.mul));
  }

  /** Energy per graph [numGraphs] (sum of the atom energies; needs numOutputs 1). */
  energy(inputs: NequIPInputs): Tensor {
    if (this.numOutputs !== 1) throw new Error(`NequIP.energy: the model has ${this.numOutputs} outputs per atom; sum atomEnergies per graph instead`);
    const atoms = this.atomEnergies(inputs);
    const N = atoms.shape[0]!;
    const numGraphs = inputs.numGraphs ?? 1;
    const nodeGraph = inputs.nodeGraph ?? new Int32Array(N);
    return reshape(scatterSum(atoms, nodeGraph, numGraphs), [numGraphs]);
  }

  /**
   * Energy, forces F = −∂E/∂x and, when `inputs.cell` is given, the stress (1/V) ∂E/∂ε
   * (ε a symmetric strain of positions and cell). `createGraph` keeps forces and stress
   * differentiable, for losses on them (force training).
   */
  energyAndForces(inputs: NequIPInputs, options: { createGraph?: boolean } = {}): EnergyAndForces {
    const positions = inputs.positions.requiresGrad ? inputs.positions : inputs.positions.withGrad();
    const cell = inputs.cell;
    if (!cell) {
      const energy = this.energy({ ...inputs, positions });
      const [g] = gradients(sum(energy), [positions], { createGraph: options.createGraph ?? false });
      return { energy, forces: g!.neg() };
    }
    if (cell.rank !== 2 || cell.shape[0] !== 3 || cell.shape[1] !== 3) throw new RangeError(`NequIP.energyAndForces: 'cell' must be [3, 3], got [${cell.shape.join(', ')}]`);
    const strain = zeros([3, 3], { dtype: this.dtype, backend: positions.backend.name }).withGrad();
    const sym = mul(add(strain, transpose(strain, [1, 0])), 0.5);
    const strained = add(positions, matmul(positions, sym));
    const strainedCell = add(cell, matmul(cell, sym));
    const energy = this.energy({ ...inputs, positions: strained, cell: strainedCell });
    const [gx, gs] = gradients(sum(energy), [positions, strain], { createGraph: options.createGraph ?? false });
    const c = cell.toArray();
    const volume = Math.abs(c[0]! * (c[4]! * c[8]! - c[5]! * c[7]!) - c[1]! * (c[3]! * c[8]! - c[5]! * c[6]!) + c[2]! * (c[3]! * c[7]! - c[4]! * c[6]!));
    return { energy, forces: gx!.neg(), stress: div(gs!, volume) };
  }
}
