export { GraphIndex } from './graph.js';
export { EGCL, EdgeInputLinear, type EGCLOptions, type EGCLInputs } from './egcl.js';
export { EGNN, EGNNVel, type EGNNOptions, type EGNNVelOptions, type GraphAssignment } from './egnn.js';
export { uniform, linearBound, xavierBound } from './init.js';
export { setPartitions, bellNumber, describePartition, rowOffsets, EquivariantBasis, applyBasis, type BasisPlan } from './equivariant-basis.js';
export { EquivariantLinear, UniversalGraphNetwork, type EquivariantLinearOptions, type UniversalGraphNetworkOptions, type HiddenBlock } from './universal.js';
export { ContextIndex, type ContextIndexOptions } from './smp-context.js';
export { ContextLinear, SMPLayer, type ContextLinearOptions, type SMPLayerOptions, type SMPLayerInputs } from './smp-layer.js';
export { SMP, type SMPOptions, type SMPInputs } from './smp.js';
