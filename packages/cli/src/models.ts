/**
 * The model registry: one entry per architecture, each with its zod options
 * schema (names, defaults, descriptions: the config reference is generated
 * from them) and a builder per task family it supports. Adding a model is one
 * entry in {@link MODEL_ENTRIES}.
 *
 * Weights are the library models' own state dicts (the CLI's adapters hold no
 * parameters), so a run's `best.safetensors` loads into `new EGNNVel(...)` etc.
 */
import { z } from 'zod';
import { mul, reshape, scatterSum, tensor, type FloatDType, type Tensor } from '@equigraph/core';
import type { Module } from '@equigraph/layers';
import { EGNN, EGNNVel, HEGNN, LEFTNet, NequIP, type GraphAssignment, type GraphIndex } from '@equigraph/models';
import { UserError } from './errors.js';

/** Inputs of an N-body model: node features ‖v‖ `[N, 1]`, positions, velocities `[N, 3]`, edge attributes [q_i q_j, ‖x_i − x_j‖²] `[E, 2]`. */
export interface NBodyInputs {
  h: Tensor;
  x: Tensor;
  vel: Tensor;
  edgeAttr: Tensor;
  graph: GraphIndex;
}

/** Inputs of a molecular model: atomic numbers, one-hot species `[N, numSpecies]`, positions `[N, 3]`, edges, structure of every atom. */
export interface AtomsInputs {
  z: Int32Array;
  onehot: Tensor;
  pos: Tensor;
  graph: GraphIndex;
  assignment: GraphAssignment & { nodeGraph: Int32Array };
}

/** A model for the N-body task: predicted positions `[N, 3]`. */
export interface NBodyNet {
  module: Module;
  predict(b: NBodyInputs): Tensor;
}

/** A model with graph-level outputs `[numGraphs, numOutputs]` (energies, QM9 properties). */
export interface GraphNet {
  module: Module;
  predict(b: AtomsInputs): Tensor;
}

export interface BuildContext {
  dtype: FloatDType;
  backend?: string;
  seed: number;
}

export interface AtomsContext extends BuildContext {
  /** Atomic numbers the one-hot encodes, in order. */
  species: number[];
  numOutputs: number;
  /** Radius-graph cutoff of the data (Å), or null for complete graphs. */
  cutoff: number | null;
  /** The task the model is built for (task-dependent defaults). */
  task: 'energy-forces' | 'qm9';
  /** Mean number of neighbours (edges per atom) in the training structures. */
  avgNumNeighbors: number;
}

export interface ModelEntry<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  /** Options besides `name` (each with a default and a description). */
  options: S;
  nbody?: (o: z.output<S>, ctx: BuildContext) => NBodyNet;
  graph?: (o: z.output<S>, ctx: AtomsContext) => GraphNet;
}

const hidden = (d: number) => z.int().min(1).default(d).describe('hidden features (width of every layer)');
const layers = (d: number) => z.int().min(1).default(d).describe('message-passing layers');

function entry<S extends z.ZodObject>(e: ModelEntry<S>): ModelEntry<S> {
  return e;
}

const egnnVel = entry({
  name: 'egnn_vel',
  description: 'EGNN_vel of Satorras et al. 2021 (n_body_system/model.py): E_GCL_vel layers with the velocity term; the N-body model of Table 2',
  options: z.strictObject({
    name: z.literal('egnn_vel'),
    hidden: hidden(64),
    layers: layers(4),
    tanh: z.boolean().default(false).describe('tanh on the coordinate MLP output (authors: False)'),
    normalize: z.boolean().default(false).describe('normalise x_i − x_j in the coordinate update (authors: norm_diff=False)'),
  }),
  nbody: (o, c) => {
    const m = new EGNNVel({ hiddenFeatures: o.hidden, numLayers: o.layers, tanh: o.tanh, normalize: o.normalize, inFeatures: 1, edgeFeatures: 2, ...c });
    return { module: m, predict: (b) => m.forward(b.h, b.x, b.graph, b.vel, b.edgeAttr) };
  },
});

const egnn = entry({
  name: 'egnn',
  description: 'EGNN of Satorras et al. 2021 (egnn_clean.py); graph-level outputs through the QM9 head (node_dec, pooling, graph_dec)',
  options: z.strictObject({
    name: z.literal('egnn'),
    hidden: hidden(64),
    layers: layers(4),
    attention: z.boolean().default(false).describe('attention gate on the messages'),
    normalize: z.boolean().default(false).describe('normalise x_i − x_j in the coordinate update'),
    tanh: z.boolean().default(false).describe('tanh on the coordinate MLP output'),
    pooling: z.enum(['sum', 'mean']).default('sum').describe('graph readout (energy-forces, qm9)'),
    radial: z
      .enum(['auto', 'none', 'gaussian', 'bessel'])
      .default('auto')
      .describe("radial embedding of the distances as extra edge attributes, with the cosine cutoff on the messages (energy-forces, qm9): gaussian, bessel, or none (the authors' EGNN: ‖x_i − x_j‖² only); auto: gaussian for energy-forces, none for qm9"),
    numRadial: z.int().min(1).default(32).describe('radial basis functions (radial ≠ none)'),
    radialCutoff: z.number().positive().nullable().default(null).describe('cutoff of the radial embedding in Å (null: the data cutoff; 5 for complete graphs)'),
    coordsAgg: z
      .enum(['auto', 'mean', 'sum'])
      .default('auto')
      .describe('aggregation of the coordinate messages (energy-forces, qm9): mean (the authors), sum; auto: sum with a radial embedding (the mean counts the edges, so it jumps when one crosses the cutoff), mean without'),
  }),
  nbody: (o, c) => {
    const m = new EGNN({ inFeatures: 1, edgeFeatures: 2, hiddenFeatures: o.hidden, numLayers: o.layers, attention: o.attention, normalize: o.normalize, tanh: o.tanh, ...c });
    return { module: m, predict: (b) => m.forward(b.h, b.x, b.graph, b.edgeAttr).x };
  },
  graph: (o, c) => {
    const radial = o.radial === 'auto' ? (c.task === 'energy-forces' ? 'gaussian' : 'none') : o.radial;
    const m = new EGNN({
      inFeatures: c.species.length,
      hiddenFeatures: o.hidden,
      numLayers: o.layers,
      attention: o.attention,
      normalize: o.normalize,
      tanh: o.tanh,
      graphHead: { outFeatures: c.numOutputs, pooling: o.pooling },
      radial: radial === 'none' ? undefined : { basis: radial, numBasis: o.numRadial, cutoff: o.radialCutoff ?? c.cutoff ?? 5 },
      coordsAgg: o.coordsAgg === 'auto' ? (radial === 'none' ? 'mean' : 'sum') : o.coordsAgg,
      dtype: c.dtype,
      backend: c.backend,
      seed: c.seed,
    });
    return { module: m, predict: (b) => m.predictGraph(b.onehot, b.pos, b.graph, b.assignment) };
  },
});

const hegnn = entry({
  name: 'hegnn',
  description: 'HEGNN of Cen et al. 2024 (high-degree steerable features up to maxDegree); N-body with the velocity term',
  options: z.strictObject({
    name: z.literal('hegnn'),
    hidden: hidden(64),
    layers: layers(4),
    maxDegree: z.int().min(0).max(6).default(2).describe('highest degree L of the steerable features (authors: --ell 2)'),
  }),
  nbody: (o, c) => {
    const m = new HEGNN({ inFeatures: 1, edgeFeatures: 2, hiddenFeatures: o.hidden, numLayers: o.layers, maxDegree: o.maxDegree, velocity: true, ...c });
    return { module: m, predict: (b) => m.forward(b.h, b.x, b.graph, { edgeAttr: b.edgeAttr, vel: b.vel }).x };
  },
});

const leftnet = entry({
  name: 'leftnet',
  description: 'LEFTNet of Du et al. 2023 (local frames, FTE); graph-level outputs summed over the atoms (an energy, or one per QM9 target)',
  options: z.strictObject({
    name: z.literal('leftnet'),
    hidden: hidden(128),
    layers: layers(4),
    numRadial: z.int().min(1).default(32).describe('radial basis functions'),
    radialBasis: z.enum(['expnormal', 'bessel']).default('expnormal').describe('radial basis'),
  }),
  graph: (o, c) => {
    const m = new LEFTNet({
      hiddenChannels: o.hidden,
      numLayers: o.layers,
      numRadial: o.numRadial,
      radialBasis: o.radialBasis,
      cutoff: c.cutoff ?? 5,
      numOutputs: c.numOutputs,
      numElements: Math.max(95, ...c.species.map((s) => s + 1)),
      dtype: c.dtype,
      backend: c.backend,
      seed: c.seed,
    });
    return { module: m, predict: (b) => m.energy({ z: b.z, pos: b.pos, graph: b.graph, batch: b.assignment }) };
  },
});

/** PyG-style `[2, E]` edge index (sources, then targets) of a graph, one array per graph (the convolution caches its checks per array). */
const edgeIndexCache = new WeakMap<GraphIndex, Int32Array>();
function edgeIndexOf(graph: GraphIndex): Int32Array {
  let e = edgeIndexCache.get(graph);
  if (!e) {
    const E = graph.numEdges;
    e = new Int32Array(2 * E);
    e.set(graph.source.toArray() as Int32Array, 0);
    e.set(graph.target.toArray() as Int32Array, E);
    edgeIndexCache.set(graph, e);
  }
  return e;
}

const nequip = entry({
  name: 'nequip',
  description:
    'NequIP-style tensor-product network (Batzner et al. 2022): hidden irreps hidden×0e + hidden×1o + … up to lmax, spherical harmonics of the edges up to lmax, Bessel radial basis × polynomial envelope → radial MLP → per-edge weights of the convolution, gated nonlinearity, per-atom readout summed (or averaged) per structure',
  options: z.strictObject({
    name: z.literal('nequip'),
    hidden: z.int().min(1).default(32).describe("channels per irrep of the hidden features (NequIP's num_features)"),
    lmax: z.int().min(0).max(4).default(2).describe('highest degree of the hidden features and of the edge spherical harmonics'),
    layers: layers(4),
    numBasis: z.int().min(1).default(8).describe('Bessel radial basis functions'),
    radialHidden: z.array(z.int().min(1)).default([64, 64]).describe('hidden widths of the radial MLP'),
    cutoff: z.number().positive().nullable().default(null).describe('cutoff of the radial basis and envelope in Å (null: the data cutoff; 5 for complete graphs)'),
    polynomialP: z.int().min(1).default(6).describe('exponent p of the polynomial envelope'),
    avgNumNeighbors: z.number().positive().nullable().default(null).describe('the convolution is divided by this (null: the mean number of neighbours of the training structures, saved with the run)'),
    pooling: z.enum(['sum', 'mean']).default('sum').describe('readout: sum (energies, extensive targets) or mean of the per-atom outputs per structure'),
  }),
  graph: (o, c) => {
    const column = new Map(c.species.map((z, k) => [z, k]));
    const m = new NequIP({
      numTypes: c.species.length,
      mul: o.hidden,
      lmax: o.lmax,
      numLayers: o.layers,
      numBasis: o.numBasis,
      radialHidden: o.radialHidden,
      cutoff: o.cutoff ?? c.cutoff ?? 5,
      polynomialP: o.polynomialP,
      avgNumNeighbors: o.avgNumNeighbors ?? c.avgNumNeighbors,
      numOutputs: c.numOutputs,
      dtype: c.dtype,
      backend: c.backend,
      seed: c.seed,
    });
    return {
      module: m,
      predict: (b) => {
        const atomTypes = Int32Array.from(b.z, (z) => column.get(z)!);
        const perAtom = m.atomEnergies({ positions: b.pos, atomTypes, edgeIndex: edgeIndexOf(b.graph) });
        const { nodeGraph, numGraphs } = b.assignment;
        const pooled = scatterSum(perAtom, nodeGraph, numGraphs);
        if (o.pooling === 'sum') return reshape(pooled, [numGraphs, c.numOutputs]);
        const counts = new Float64Array(numGraphs);
        for (const g of nodeGraph) counts[g]++;
        return mul(pooled, tensor(counts.map((n) => 1 / Math.max(n, 1)), [numGraphs, 1], { dtype: pooled.dtype as FloatDType, backend: pooled.backend }));
      },
    };
  },
});

/** Every model, by config name. */
export const MODEL_ENTRIES = [egnnVel, egnn, hegnn, leftnet, nequip] as const;

export type ModelFamily = 'nbody' | 'graph';

export function modelsFor(family: ModelFamily): ModelEntry[] {
  return (MODEL_ENTRIES as readonly ModelEntry[]).filter((e) => e[family] !== undefined);
}

export function findModel(name: string): ModelEntry {
  const e = (MODEL_ENTRIES as readonly ModelEntry[]).find((m) => m.name === name);
  if (!e) throw new UserError(`unknown model '${name}' (known: ${MODEL_ENTRIES.map((m) => m.name).join(', ')})`);
  return e;
}
