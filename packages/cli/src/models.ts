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
import type { FloatDType, Tensor } from '@equigraph/core';
import type { Module } from '@equigraph/layers';
import { EGNN, EGNNVel, HEGNN, LEFTNet, type GraphAssignment, type GraphIndex } from '@equigraph/models';
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
  }),
  nbody: (o, c) => {
    const m = new EGNN({ inFeatures: 1, edgeFeatures: 2, hiddenFeatures: o.hidden, numLayers: o.layers, attention: o.attention, normalize: o.normalize, tanh: o.tanh, ...c });
    return { module: m, predict: (b) => m.forward(b.h, b.x, b.graph, b.edgeAttr).x };
  },
  graph: (o, c) => {
    const m = new EGNN({
      inFeatures: c.species.length,
      hiddenFeatures: o.hidden,
      numLayers: o.layers,
      attention: o.attention,
      normalize: o.normalize,
      tanh: o.tanh,
      graphHead: { outFeatures: c.numOutputs, pooling: o.pooling },
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
  description: 'LEFTNet of Du et al. 2023 (local frames, FTE); one graph-level output (an energy, or one QM9 target)',
  options: z.strictObject({
    name: z.literal('leftnet'),
    hidden: hidden(128),
    layers: layers(4),
    numRadial: z.int().min(1).default(32).describe('radial basis functions'),
    radialBasis: z.enum(['expnormal', 'bessel']).default('expnormal').describe('radial basis'),
  }),
  graph: (o, c) => {
    if (c.numOutputs !== 1) throw new UserError(`model 'leftnet' predicts one graph-level output; data.targets lists ${c.numOutputs} (train one model per target)`);
    const m = new LEFTNet({
      hiddenChannels: o.hidden,
      numLayers: o.layers,
      numRadial: o.numRadial,
      radialBasis: o.radialBasis,
      cutoff: c.cutoff ?? 5,
      numElements: Math.max(95, ...c.species.map((s) => s + 1)),
      dtype: c.dtype,
      backend: c.backend,
      seed: c.seed,
    });
    return { module: m, predict: (b) => m.energy({ z: b.z, pos: b.pos, graph: b.graph, batch: b.assignment }) };
  },
});

/** Every model, by config name. */
export const MODEL_ENTRIES = [egnnVel, egnn, hegnn, leftnet] as const;

export type ModelFamily = 'nbody' | 'graph';

export function modelsFor(family: ModelFamily): ModelEntry[] {
  return (MODEL_ENTRIES as readonly ModelEntry[]).filter((e) => e[family] !== undefined);
}

export function findModel(name: string): ModelEntry {
  const e = (MODEL_ENTRIES as readonly ModelEntry[]).find((m) => m.name === name);
  if (!e) throw new UserError(`unknown model '${name}' (known: ${MODEL_ENTRIES.map((m) => m.name).join(', ')})`);
  return e;
}
