export * from './random.js';
export * from './elements.js';
export * from './nbody/charged.js';
export * from './graph.js';
export * from './graph-batch.js';
export * from './symmetric.js';
export * from './io/errors.js';
export * from './io/xyz.js';
export * from './io/npy.js';
export * from './io/md17.js';
export * from './io/nbody-npy.js';
export * from './io/files.js';
/** Differentiable edge vectors live in geometry (models use them without depending on data). */
export { edgeVectors, type EdgeVectorOptions } from '@equigraph/geometry';
export * from './normalization.js';
export * from './io/qm9-multi.js';
